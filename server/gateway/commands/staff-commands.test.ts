import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../shared/commands/parser.js';
import { translator } from '../../../shared/i18n/index.js';
import type { InboundMessage } from '../../../shared/messages.js';
import type { Role } from '../../../shared/schemas/community.js';
import { assignment } from '../../policy/roles.js';
import { scopeId } from '../../policy/scope.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import type { OpinionService } from '../../services/opinion.service.js';
import { createCommandHandlers, type CommandContext } from './index.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const handlers = createCommandHandlers({ opinions: {} as OpinionService });

const message: InboundMessage = {
  channel: 'simulator',
  accountId: 'simulator',
  channelMessageId: 'm1',
  groupId: 'g1',
  groupName: '3栋邻里群',
  senderId: 'u1',
  senderName: '某人',
  text: '',
  mentionsBot: false,
  attachments: [],
  receivedAt: new Date(0).toISOString(),
};

const residentWith = (role: Role, scope: string): ResidentRecord => ({
  id: 'r'.repeat(24),
  communityId: C,
  householdId: null,
  householdScope: null,
  relation: null,
  floorArea: null,
  name: '某人',
  phoneMasked: null,
  roles: [assignment(role, scope)],
  version: 0,
});

async function reply(text: string, resident: ResidentRecord | null, language: 'zh-CN' | 'en' = 'zh-CN') {
  const command = parseCommand(text, { mentionsBot: false })!;
  const ctx: CommandContext = {
    key: 'k',
    message: { ...message, text },
    group: null,
    resident,
    language,
    t: translator(language),
    mayBeRetry: false,
  };
  const [first] = await handlers.handle(command, ctx);
  return first?.kind === 'text' ? first.text : '';
}

describe('staff chat commands go through the policy', () => {
  it.each(['#通知 全体 明天停水', '#提醒 每月15日 09:00 开会', '#发起投票 换物业', '#同意 3', '#拒绝 3'])(
    'an unbound sender or plain resident is refused: %s',
    async (text) => {
      expect(await reply(text, null)).toMatch(/^您没有权限使用 #/);
      expect(await reply(text, residentWith('resident', scopeId.community(C)))).toMatch(/^您没有权限使用 #/);
    },
  );

  it('refuses before explaining the syntax, so residents are not taught staff commands', async () => {
    expect(await reply('#同意', null)).toBe('您没有权限使用 #同意');
  });

  it('a building lead may approve bindings but not start polls', async () => {
    const lead = residentWith('buildingLead', scopeId.building(C, 'garden', '3'));
    expect(await reply('#同意 3', lead)).not.toContain('没有权限');
    expect(await reply('#发起投票 换物业', lead)).toBe('您没有权限使用 #发起投票');
  });

  it('a secretary passes every staff command, and refusals speak the group language', async () => {
    const secretary = residentWith('secretary', scopeId.community(C));
    for (const text of ['#通知 全体 明天停水', '#发起投票 换物业', '#拒绝 3'])
      expect(await reply(text, secretary)).not.toContain('没有权限');
    expect(await reply('#notice all water off tomorrow', null, 'en')).toBe(
      'You are not allowed to use #notice',
    );
  });
});
