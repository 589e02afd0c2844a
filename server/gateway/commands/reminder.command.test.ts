import { describe, expect, it, vi } from 'vitest';
import { parseCommand, type CommandOf } from '../../../shared/commands/parser.js';
import { translator, type Language } from '../../../shared/i18n/index.js';
import type { InboundMessage } from '../../../shared/messages.js';
import { assignment } from '../../policy/roles.js';
import { scopeId } from '../../policy/scope.js';
import type { GroupRecord } from '../../repositories/group.repository.js';
import type { NewReminder } from '../../repositories/reminder.repository.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import { reminderRecord } from '../../scheduler/reminder.factories.js';
import type { OpinionService } from '../../services/opinion.service.js';
import { ReminderService } from '../../services/reminder.service.js';
import { createCommandHandlers, type CommandContext } from './index.js';
import { handleReminder } from './reminder.command.js';

const C = 'c'.repeat(24);
const group: GroupRecord = {
  id: 'a'.repeat(24),
  channel: 'wechat',
  platformGroupId: 'room-1',
  name: '社区工作群',
  communityId: C,
  language: 'zh-CN',
  scopeId: null,
};
const message: InboundMessage = {
  channel: 'wechat',
  accountId: 'wx-helper',
  channelMessageId: 'm1',
  groupId: 'room-1',
  groupName: '社区工作群',
  senderId: 'wx-chen',
  senderName: '陈书记',
  text: '',
  mentionsBot: false,
  attachments: [],
  receivedAt: new Date(0).toISOString(),
};
const staff = (roles: ResidentRecord['roles']): ResidentRecord => ({
  id: 'b'.repeat(24),
  communityId: C,
  householdId: null,
  householdScope: null,
  relation: null,
  floorArea: null,
  name: '陈书记',
  phoneMasked: null,
  roles,
  version: 0,
});
const secretary = staff([assignment('secretary', scopeId.community(C))]);
const lead = staff([assignment('buildingLead', scopeId.building(C, 'garden', '3'))]);

const ctxFor = (resident: ResidentRecord | null, language: Language = 'zh-CN'): CommandContext => ({
  key: 'wechat:m1',
  message,
  group,
  resident,
  language,
  t: translator(language),
  mayBeRetry: false,
});

function service() {
  const created: NewReminder[] = [];
  const reminders = {
    create: vi.fn(async (input: NewReminder) => {
      created.push(input);
      return reminderRecord({ ...input });
    }),
    findById: vi.fn(),
    listByCommunity: vi.fn(),
    deactivate: vi.fn(),
    groupsInCommunity: vi.fn(),
  };
  // 2026-03-10 10:00 Shanghai.
  const now = () => new Date('2026-03-10T02:00:00Z');
  return { reminders: new ReminderService({ reminders, counters: { next: async () => 3 }, now }), created };
}

const remind = (text: string) => parseCommand(text, { mentionsBot: false }) as CommandOf<'reminder'>;

describe('#提醒', () => {
  it('schedules the reminder for this group and answers with its number and next run', async () => {
    const { reminders, created } = service();
    const reply = await handleReminder(
      reminders,
      remind('#提醒 每月15日,30日 09:00 三方碰头会'),
      ctxFor(secretary),
    );
    expect(created[0]).toMatchObject({ cron: '0 9 15,30 * *', groupIds: [group.id], text: '三方碰头会' });
    expect(reply).toContain('T3');
    expect(reply).toContain('2026-03-15 09:00');
    // The 30th is missing in February: the reply says so.
    expect(reply).toContain(translator('zh-CN')('reminders.shortMonths'));
  });

  it('answers in English for an English group and understands English schedules', async () => {
    const { reminders, created } = service();
    const reply = await handleReminder(
      reminders,
      remind('#remind every monday 08:30 bins out'),
      ctxFor(secretary, 'en'),
    );
    expect(created[0]).toMatchObject({ cron: '30 8 * * 1' });
    expect(reply).toBe('Reminder T3 set: bins out. Next: 2026-03-16 08:30');
  });

  it('explains an unreadable schedule with an example in one line', async () => {
    const { reminders, created } = service();
    const reply = await handleReminder(reminders, remind('#提醒 下个月 09:00 开会'), ctxFor(secretary));
    expect(reply).toBe(translator('zh-CN')('reminders.badSchedule'));
    expect(reply).toContain('#提醒 每月15日,30日 09:00');
    expect(reply).not.toContain('\n');
    expect(created).toHaveLength(0);
  });

  it('is refused to residents and to staff without reminder.create, before any syntax help', async () => {
    const { reminders, created } = service();
    const handlers = createCommandHandlers({ opinions: {} as OpinionService, reminders });
    const forbidden = translator('zh-CN')('access.botForbidden', { command: '#提醒' });
    for (const resident of [null, lead]) {
      const replies = await handlers.handle(remind('#提醒 每天 09:00 开会'), ctxFor(resident));
      expect(replies).toEqual([{ kind: 'text', text: forbidden }]);
    }
    expect(created).toHaveLength(0);
  });

  it('is routed by the command handlers for a secretary', async () => {
    const { reminders, created } = service();
    const handlers = createCommandHandlers({ opinions: {} as OpinionService, reminders });
    const replies = await handlers.handle(remind('#提醒 每天 07:00 晨练'), ctxFor(secretary));
    expect(replies[0]).toMatchObject({ kind: 'text', text: expect.stringContaining('2026-03-11 07:00') });
    expect(created).toHaveLength(1);
  });
});
