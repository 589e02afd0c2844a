import { describe, expect, it, vi } from 'vitest';
import { parseCommand, type CommandOf } from '../../../shared/commands/parser.js';
import { LANGUAGES, translator, type Language } from '../../../shared/i18n/index.js';
import type { InboundMessage } from '../../../shared/messages.js';
import { assignment } from '../../policy/roles.js';
import { scopeId } from '../../policy/scope.js';
import type { BindingRequestRecord } from '../../repositories/binding-request.repository.js';
import type { GroupRecord } from '../../repositories/group.repository.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import type {
  BindingService,
  DecideResult,
  DecidedRequest,
  RequestResult,
} from '../../services/binding.service.js';
import type { OpinionService } from '../../services/opinion.service.js';
import { handleBind, handleDecision } from './binding.command.js';
import { createCommandHandlers, type CommandContext } from './index.js';
import { bindingOutcomeText } from './talkers.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const H = 'a0a0a0a0a0a0a0a0a0a0a0a0';

const message: InboundMessage = {
  channel: 'wechat',
  accountId: 'wx-helper',
  channelMessageId: 'm1',
  groupId: 'room-1',
  groupName: '3栋邻里群',
  senderId: 'wx-wang',
  senderName: '王秀英',
  text: '',
  mentionsBot: false,
  attachments: [],
  receivedAt: new Date(0).toISOString(),
};

const group: GroupRecord = {
  id: 'g'.repeat(24),
  channel: 'wechat',
  platformGroupId: 'room-1',
  name: '3栋邻里群',
  communityId: C,
  language: 'zh-CN',
  scopeId: null,
};

const lead: ResidentRecord = {
  id: 'b'.repeat(24),
  communityId: C,
  householdId: null,
  householdScope: null,
  relation: null,
  floorArea: null,
  name: '刘楼长',
  phoneMasked: null,
  roles: [assignment('buildingLead', scopeId.building(C, 'garden', '3'))],
  version: 0,
};

const request = (overrides: Partial<BindingRequestRecord> = {}): BindingRequestRecord => ({
  id: 'e'.repeat(24),
  communityId: C,
  number: 12,
  status: 'pending',
  channel: 'wechat',
  identityKind: 'contactId',
  platformId: 'wx-wang',
  requesterName: '王秀英',
  residentId: null,
  accountId: 'wx-helper',
  groupId: group.id,
  platformGroupId: 'room-1',
  language: 'zh-CN',
  householdId: H,
  address: '3-2-501',
  householdScope: scopeId.household(C, 'garden', '3', H),
  reason: null,
  decidedAt: null,
  decidedById: null,
  decidedByName: null,
  appliedAt: null,
  boundResidentId: null,
  createdAt: new Date(0),
  ...overrides,
});

const decided = (status: 'approved' | 'rejected', by = lead): DecidedRequest => ({
  ...request(),
  status,
  decidedById: by.id,
  decidedByName: by.name,
  decidedAt: new Date(0),
});

const ctxFor = (
  text: string,
  language: Language = 'zh-CN',
  resident: ResidentRecord | null = null,
  mayBeRetry = false,
): CommandContext => ({
  key: 'wechat:m1',
  message: { ...message, text },
  group,
  resident,
  language,
  t: translator(language),
  mayBeRetry,
});

function bindingsAnswering(answer: { request?: RequestResult; decide?: DecideResult }) {
  const service = {
    request: vi.fn(async () => answer.request!),
    decideByNumber: vi.fn(async () => answer.decide!),
  };
  return service as typeof service & BindingService;
}

const bind = (text: string) => parseCommand(text, { mentionsBot: false }) as CommandOf<'bind'>;
const decision = (text: string) =>
  parseCommand(text, { mentionsBot: false }) as CommandOf<'approve'> | CommandOf<'reject'>;

describe('#绑定', () => {
  it('hands the sender, the group and the address to the service', async () => {
    const bindings = bindingsAnswering({ request: { kind: 'requested', request: request(), current: null } });
    await handleBind(bindings, bind('#绑定 3栋2单元501'), ctxFor('#绑定 3栋2单元501'));
    expect(bindings.request).toHaveBeenCalledWith({
      channel: 'wechat',
      accountId: 'wx-helper',
      platformId: 'wx-wang',
      senderName: '王秀英',
      group,
      resident: null,
      address: '3-2-501',
      sourceKey: 'wechat:m1',
      mayBeRetry: false,
    });
  });

  it.each<[RequestResult, Language, string]>([
    [
      { kind: 'requested', request: request(), current: null },
      'zh-CN',
      '已提交绑定申请 B12（3-2-501），楼道长或社区书记确认后生效',
    ],
    [
      { kind: 'requested', request: request(), current: '5-1-302' },
      'en',
      'Binding request B12 for 3-2-501 sent; you stay bound to 5-1-302 until a building lead or the secretary approves it',
    ],
    [
      { kind: 'pendingExists', request: request({ number: 7, address: '5-1-302' }) },
      'zh-CN',
      '您已有待确认的绑定申请 B7（5-1-302），请等楼道长或社区书记确认',
    ],
    [{ kind: 'alreadyBound', address: '3-2-501' }, 'zh-CN', '您已绑定在 3-2-501，无需再申请'],
    [
      { kind: 'unknownAddress', address: '9-9-909' },
      'zh-TW',
      '找不到住址 9-9-909，請核對樓棟-單元-房號，例如：#綁定 3-2-501',
    ],
    [
      { kind: 'ambiguousAddress', address: '3-2-501' },
      'zh-CN',
      '本社区不止一个 3-2-501，请在您所在小区的群里发送',
    ],
    [{ kind: 'groupNotBound' }, 'zh-CN', '这个群还没有关联社区，请联系社区工作人员'],
    [{ kind: 'notInGroup' }, 'en', 'Please send #bind in your compound or building group'],
    [{ kind: 'forbidden' }, 'zh-CN', '您没有权限申请绑定住户'],
  ])('answers %j in one line', async (result, language, expected) => {
    const text = await handleBind(
      bindingsAnswering({ request: result }),
      bind('#绑定 3-2-501'),
      ctxFor('', language),
    );
    expect(text).toBe(expected);
  });
});

describe('#同意 / #拒绝', () => {
  it('passes the decider, the number and the reason to the service', async () => {
    const bindings = bindingsAnswering({ decide: { kind: 'decided', request: decided('rejected') } });
    await handleDecision(bindings, decision('#拒绝 12 不是本楼住户'), ctxFor('', 'zh-CN', lead));
    expect(bindings.decideByNumber).toHaveBeenCalledWith(lead, 12, {
      status: 'rejected',
      reason: '不是本楼住户',
    });
  });

  it.each<[string, DecideResult, Language, string]>([
    [
      '#同意 12',
      { kind: 'decided', request: decided('approved') },
      'zh-CN',
      '已同意 B12：王** 绑定到 3-2-501',
    ],
    ['#reject 12', { kind: 'decided', request: decided('rejected') }, 'en', 'Rejected B12 (3-2-501)'],
    ['#同意 99', { kind: 'notFound' }, 'zh-CN', '找不到绑定申请 B99'],
    ['#同意 12', { kind: 'forbidden', request: request() }, 'zh-CN', '您没有权限审批绑定申请'],
    [
      '#拒绝 12',
      { kind: 'alreadyDecided', request: decided('approved') },
      'zh-CN',
      '绑定申请 B12 已由刘楼长处理：已通过',
    ],
    [
      '#approve 12',
      { kind: 'alreadyDecided', request: decided('rejected') },
      'en',
      'Binding request B12 was already decided by 刘楼长: rejected',
    ],
  ])('%s → %j', async (text, result, language, expected) => {
    const reply = await handleDecision(
      bindingsAnswering({ decide: result }),
      decision(text),
      ctxFor('', language, lead),
    );
    expect(reply).toBe(expected);
  });

  it('answers a retried message as the first attempt did, once that attempt carried it out', async () => {
    const bindings = bindingsAnswering({ decide: { kind: 'alreadyDecided', request: decided('approved') } });
    const ctx = ctxFor('#同意 12', 'zh-CN', lead, true);
    expect(await handleDecision(bindings, decision('#同意 12'), ctx)).toBe('已同意 B12：王** 绑定到 3-2-501');
    // Not when someone else approved it.
    const other = { ...lead, id: 'c'.repeat(24) };
    expect(await handleDecision(bindings, decision('#同意 12'), { ...ctx, resident: other })).toBe(
      '绑定申请 B12 已由刘楼长处理：已通过',
    );
  });

  it('goes through createCommandHandlers, after the policy’s first say', async () => {
    const bindings = bindingsAnswering({ decide: { kind: 'notFound' } });
    const handlers = createCommandHandlers({ opinions: {} as OpinionService, bindings });
    const say = async (text: string, resident: ResidentRecord | null) => {
      const [reply] = await handlers.handle(
        parseCommand(text, { mentionsBot: false })!,
        ctxFor(text, 'zh-CN', resident),
      );
      return reply?.kind === 'text' ? reply.text : '';
    };
    expect(await say('#同意 5', null)).toBe('您没有权限使用 #同意');
    expect(bindings.decideByNumber).not.toHaveBeenCalled();
    expect(await say('#同意 5', lead)).toBe('找不到绑定申请 B5');
  });
});

describe('outcome told to the requester', () => {
  it.each(LANGUAGES)('is one line with the number and address in %s', (language) => {
    const t = translator(language);
    for (const text of [
      bindingOutcomeText(t, 'approved', request()),
      bindingOutcomeText(t, 'rejected', request()),
      bindingOutcomeText(t, 'rejected', request({ reason: '地址不符' })),
    ]) {
      expect(text).toContain('B12');
      expect(text).toContain('3-2-501');
      expect(text).not.toContain('\n');
      expect(text).not.toContain('{{');
    }
    expect(bindingOutcomeText(t, 'rejected', request({ reason: '地址不符' }))).toContain('地址不符');
  });
});
