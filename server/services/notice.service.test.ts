import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../shared/messages.js';
import type { AppError } from '../errors.js';
import type { Actor } from '../policy/policy.js';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import type { HouseholdRecord } from '../repositories/household.repository.js';
import type {
  DeliveryState,
  NewNotice,
  NoticeAckRecord,
  NoticeRecord,
  NoticeRepository,
  NoticeTargetGroup,
} from '../repositories/notice.repository.js';
import type { NoticeScheduleRecord } from '../repositories/notice-schedule.repository.js';
import { NoticeService } from './notice.service.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const B3 = scopeId.building(C, 'east', '3');

let seq = 0;
const oid = () => String(++seq).padStart(24, 'a');

const group = (overrides: Partial<NoticeTargetGroup> = {}): NoticeTargetGroup => ({
  id: oid(),
  channel: 'wechat',
  accountId: 'wx-1',
  platformGroupId: `room-${seq}`,
  name: `group ${seq}`,
  language: 'zh-CN',
  scopeId: C,
  ...overrides,
});

const household = (building: string, address: string): HouseholdRecord => {
  const id = oid();
  return {
    id,
    communityId: C,
    compound: 'east',
    building,
    unit: '1',
    room: '1',
    address,
    scope: scopeId.household(C, 'east', building, id),
  };
};

const H3 = household('3', '3-1-101');
const H3B = household('3', '3-1-102');
const H5 = household('5', '5-1-101');

const secretary: Actor = {
  id: 'sec',
  communityId: C,
  householdScope: null,
  roles: [assignment('secretary', C)],
};
const lead: Actor = {
  id: 'lead',
  communityId: C,
  householdScope: H3.scope,
  roles: [assignment('buildingLead', B3)],
};
const resident = (h: HouseholdRecord): Actor => ({
  id: `r-${h.id}`,
  communityId: C,
  householdScope: h.scope,
  roles: [],
});

/** An in-memory stand-in for the repositories, keeping what the service wrote. */
function setup(groups: NoticeTargetGroup[]) {
  const notices: (NoticeRecord & { sourceKey?: string })[] = [];
  const acks: (NoticeAckRecord & { noticeId: string })[] = [];
  const queued = new Map<string, OutboundMessage>();
  const audits: string[] = [];
  const repo: Pick<
    NoticeRepository,
    | 'create'
    | 'findBySourceKey'
    | 'findById'
    | 'findByCode'
    | 'listByCommunity'
    | 'latestForGroup'
    | 'claimFollowUp'
    | 'groupsOfCommunity'
    | 'addAck'
    | 'listAcks'
    | 'deliveryStates'
    | 'residentNames'
  > = {
    create: (input: NewNotice) => {
      const record = {
        ...input,
        id: oid(),
        followUpAt: null,
        createdAt: new Date(Date.now() + notices.length),
      };
      notices.push(record);
      return Promise.resolve({ notice: record, created: true });
    },
    findBySourceKey: (key) => Promise.resolve(notices.find((n) => n.sourceKey === key) ?? null),
    findById: (id) => Promise.resolve(notices.find((n) => n.id === id) ?? null),
    findByCode: (code) => Promise.resolve(notices.find((n) => n.code === code) ?? null),
    listByCommunity: (c) => Promise.resolve(notices.filter((n) => n.communityId === c).reverse()),
    latestForGroup: (g) => Promise.resolve(notices.filter((n) => n.groupIds.includes(g)).at(-1) ?? null),
    claimFollowUp: (id) => {
      const n = notices.find((x) => x.id === id)!;
      if (n.followUpAt) return Promise.resolve(false);
      n.followUpAt = new Date();
      return Promise.resolve(true);
    },
    groupsOfCommunity: () => Promise.resolve(groups),
    addAck: (input) => {
      if (acks.some((a) => a.noticeId === input.noticeId && a.householdId === input.householdId))
        return Promise.resolve('duplicate' as const);
      acks.push({ ...input, createdAt: new Date() });
      return Promise.resolve('inserted' as const);
    },
    listAcks: (id) => Promise.resolve(acks.filter((a) => a.noticeId === id)),
    deliveryStates: (keys) =>
      Promise.resolve(new Map(keys.filter((k) => queued.has(k)).map((k) => [k, 'queued' as DeliveryState]))),
    residentNames: (ids) => Promise.resolve(new Map(ids.map((id) => [id, `name of ${id}`]))),
  };
  const schedules: NoticeScheduleRecord[] = [];
  const scheduleRepo: NonNullable<ConstructorParameters<typeof NoticeService>[0]['schedules']> = {
    create: (input) => {
      const record: NoticeScheduleRecord = {
        ...input,
        id: oid(),
        status: 'scheduled',
        nextRunAt: input.sendAt,
        noticeId: null,
        createdAt: new Date(),
      };
      schedules.push(record);
      return Promise.resolve(record);
    },
    findById: (id) => Promise.resolve(schedules.find((x) => x.id === id) ?? null),
    listByCommunity: (c) => Promise.resolve(schedules.filter((x) => x.communityId === c)),
    cancel: (id) => {
      const record = schedules.find((x) => x.id === id && x.status === 'scheduled');
      if (record) record.status = 'cancelled';
      return Promise.resolve(Boolean(record));
    },
  };
  let counter = 0;
  const service = new NoticeService({
    notices: repo as NoticeRepository,
    outbox: {
      enqueue: (key, message) => {
        if (queued.has(key)) return Promise.resolve('duplicate');
        queued.set(key, message);
        return Promise.resolve('inserted');
      },
    },
    counters: { next: () => Promise.resolve(++counter) },
    households: {
      listByCommunity: () => Promise.resolve([H3, H3B, H5]),
      listByBuilding: (_c, _compound, building) =>
        Promise.resolve([H3, H3B, H5].filter((h) => h.building === building)),
    },
    communities: {
      findTree: () =>
        Promise.resolve({
          id: C,
          code: 'c',
          name: 'c',
          compounds: [{ code: 'east', name: 'east', buildings: [{ code: '3', name: '3', units: [] }] }],
        }),
    },
    audit: { record: (entry) => Promise.resolve(void audits.push(entry.action)) },
    publicUrl: 'https://example.org',
    schedules: scheduleRepo,
  });
  return { service, notices, acks, queued, audits, schedules };
}

const textOf = (m: OutboundMessage | undefined) => (m?.content.kind === 'text' ? m.content.text : '');

describe('NoticeService.send', () => {
  it('queues one message per group in scope, in the group language, with the short link', async () => {
    const all = group();
    const b3 = group({ scopeId: B3, language: 'en', channel: 'wecom' });
    const b5 = group({ scopeId: scopeId.building(C, 'east', '5') });
    const { service, queued } = setup([all, b3, b5]);
    const sent = await service.send({
      actor: secretary,
      scope: C,
      text: '停水',
      translations: { en: 'Water off' },
    });
    expect(sent.groups).toBe(3);
    expect([...queued.keys()].sort()).toEqual(
      [all, b3, b5].map((g) => `notice:${sent.notice.id}:${g.id}`).sort(),
    );
    const english = queued.get(`notice:${sent.notice.id}:${b3.id}`)!;
    expect(english).toMatchObject({ channel: 'wecom', accountId: 'wx-1', groupId: b3.platformGroupId });
    expect(textOf(english)).toBe(
      `[Notice N1] Water off\nReply #ack, or tap to confirm: https://example.org/app/#/n/${sent.notice.code}`,
    );
    expect(textOf(queued.get(`notice:${sent.notice.id}:${all.id}`))).toContain('停水');
  });

  it('a building scope reaches only groups inside it; an origin overrides the public URL', async () => {
    const b3 = group({ scopeId: B3 });
    const { service, queued } = setup([group(), b3]);
    const sent = await service.send({ actor: lead, scope: B3, text: 'x', origin: 'http://local:1' });
    expect(sent.notice.groupIds).toEqual([b3.id]);
    expect(textOf([...queued.values()][0])).toContain('http://local:1/app/#/n/');
  });

  it('refuses actors without notice.send on the scope, and scopes with no groups', async () => {
    const { service, queued } = setup([group()]);
    await expect(service.send({ actor: lead, scope: C, text: 'x' })).rejects.toMatchObject({ status: 403 });
    await expect(service.send({ actor: resident(H3), scope: C, text: 'x' })).rejects.toMatchObject({
      status: 403,
    });
    await expect(
      service.send({ actor: secretary, scope: scopeId.building(C, 'east', '9'), text: 'x' }),
    ).rejects.toMatchObject({ status: 400, code: 'no_groups' } satisfies Partial<AppError>);
    expect(queued.size).toBe(0);
  });
});

describe('NoticeService.send retried', () => {
  it('a retried chat message re-sends the same notice instead of a second one', async () => {
    const g = group();
    const { service, notices, queued } = setup([g]);
    const first = await service.send({ actor: secretary, scope: C, text: 'x', sourceKey: 'msg-1' });
    queued.clear();
    const again = await service.send({ actor: secretary, scope: C, text: 'x', sourceKey: 'msg-1' });
    expect(again.notice.id).toBe(first.notice.id);
    expect(notices).toHaveLength(1);
    expect([...queued.keys()]).toEqual([`notice:${first.notice.id}:${g.id}`]);
  });
});

describe('NoticeService acknowledgements', () => {
  it('acks the latest notice of a group once per household; unbound senders are told to bind', async () => {
    const g = group();
    const { service, acks } = setup([g]);
    await service.send({ actor: secretary, scope: C, text: 'one' });
    const second = await service.send({ actor: secretary, scope: C, text: 'two' });
    expect(await service.ackInGroup(resident(H3), g.id)).toEqual({ kind: 'acked', number: 2 });
    expect(await service.ackInGroup({ ...resident(H3), id: 'spouse' }, g.id)).toEqual({
      kind: 'duplicate',
      number: 2,
    });
    expect(await service.ackInGroup(null, g.id)).toEqual({ kind: 'unbound' });
    expect(await service.ackInGroup(resident(H3), 'elsewhere')).toEqual({ kind: 'noNotice' });
    expect(acks.map((a) => a.noticeId)).toEqual([second.notice.id]);
  });

  it('ack by code needs a household inside the notice scope', async () => {
    const { service } = setup([group({ scopeId: B3 })]);
    const { notice } = await service.send({ actor: secretary, scope: B3, text: 'x' });
    await expect(service.ackByCode(secretary, notice.code)).rejects.toMatchObject({ code: 'no_household' });
    await expect(service.ackByCode(resident(H5), notice.code)).rejects.toMatchObject({ status: 403 });
    await expect(service.ackByCode(resident(H3), 'unknown')).rejects.toMatchObject({ status: 404 });
    expect(await service.ackByCode(resident(H3), notice.code)).toEqual({
      acknowledged: true,
      duplicate: false,
    });
    expect(await service.byCode(resident(H3), notice.code)).toMatchObject({
      acknowledged: true,
      number: 'N1',
    });
  });

  it('reports read households per group and follows up the unread groups once', async () => {
    const g3 = group({ scopeId: B3 });
    const g5 = group({ scopeId: scopeId.building(C, 'east', '5') });
    const { service, queued, audits } = setup([g3, g5]);
    const { notice } = await service.send({ actor: secretary, scope: C, text: 'x' });
    await service.ackByCode(resident(H5), notice.code);
    const report = await service.ackReport(secretary, notice.id);
    expect(report.groups.map((g) => [g.id, g.read, g.unread])).toEqual([
      [g3.id, 0, 2],
      [g5.id, 1, 0],
    ]);
    await expect(service.ackReport(resident(H3), notice.id)).rejects.toMatchObject({ status: 403 });
    expect(await service.followUp(secretary, notice.id)).toEqual({ groups: 1, duplicate: false });
    expect(await service.followUp(secretary, notice.id)).toEqual({ groups: 0, duplicate: true });
    expect([...queued.keys()].filter((k) => k.includes(':followup:'))).toEqual([
      `notice:${notice.id}:followup:${g3.id}`,
    ]);
    expect(audits).toEqual(['notice.send', 'notice.followUp']);
  });

  it('lists what the actor may send to, with delivery progress', async () => {
    const { service } = setup([group(), group({ scopeId: B3 })]);
    await service.send({ actor: secretary, scope: C, text: 'all' });
    await service.send({ actor: lead, scope: B3, text: 'b3' });
    expect((await service.list(secretary)).items.map((n) => n.text)).toEqual(['b3', 'all']);
    const leadView = await service.list(lead);
    expect(leadView.items.map((n) => [n.text, n.progress])).toEqual([
      ['b3', { queued: 1, sent: 0, failed: 0 }],
    ]);
    await expect(service.list(resident(H3))).rejects.toMatchObject({ status: 403 });
  });
});

describe('NoticeService.resolveScope', () => {
  it('maps all, a building and a group name to scopes', async () => {
    const named = group({ name: '东区3栋群', scopeId: B3 });
    const { service } = setup([named]);
    expect(await service.resolveScope(C, { kind: 'community' })).toEqual({ scope: C });
    expect(await service.resolveScope(C, { kind: 'building', building: '3' })).toEqual({ scope: B3 });
    expect(await service.resolveScope(C, { kind: 'building', building: '9' })).toBeNull();
    expect(await service.resolveScope(C, { kind: 'group', name: '东区3栋群' })).toEqual({
      scope: B3,
      groupIds: [named.id],
    });
  });
});

describe('NoticeService.preview', () => {
  it('renders every platform for each language among the targets, counting their groups', async () => {
    const wechat = group();
    const wecom = group({ channel: 'wecom', language: 'en' });
    const { service, queued } = setup([wechat, wecom, group({ channel: 'simulator' })]);
    const preview = await service.preview({
      actor: secretary,
      scope: C,
      text: '停水',
      translations: { en: 'Water off' },
      origin: 'http://local:1',
    });
    expect(preview.items.map((i) => [i.language, i.platform, i.groups])).toEqual([
      ['zh-CN', 'wechat', 2],
      ['zh-CN', 'wecom', 0],
      ['zh-CN', 'dingtalk', 0],
      ['en', 'wechat', 0],
      ['en', 'wecom', 1],
      ['en', 'dingtalk', 0],
    ]);
    expect(preview.items[4]!.body).toBe(
      '[Notice N…] Water off\nReply #ack, or tap to confirm: http://local:1/app/#/n/xxxxxxxxxxxx',
    );
    expect(queued.size).toBe(0);
  });

  it('shows where a platform would cut a long notice, and refuses those who may not send', async () => {
    const { service } = setup([group({ channel: 'wecom' })]);
    const preview = await service.preview({ actor: secretary, scope: C, text: '长'.repeat(1000) });
    const wecom = preview.items.find((i) => i.platform === 'wecom')!;
    expect(wecom.truncated).toBe(true);
    expect(wecom.body.endsWith('…')).toBe(true);
    expect(preview.items.find((i) => i.platform === 'dingtalk')!.truncated).toBe(false);
    await expect(service.preview({ actor: lead, scope: C, text: 'x' })).rejects.toMatchObject({
      status: 403,
    });
  });
});

describe('NoticeService.schedule', () => {
  const now = new Date('2026-03-10T00:00:00Z');

  it('stores a future notice with its groups, audited; refuses the past, too far ahead and empty scopes', async () => {
    const { service, schedules, audits, queued } = setup([group(), group({ scopeId: B3 })]);
    const view = await service.schedule({
      actor: secretary,
      scope: C,
      text: ' 开会 ',
      sendAt: new Date('2026-03-11T01:00:00Z'),
      now,
    });
    expect(view).toMatchObject({
      status: 'scheduled',
      groups: 2,
      text: '开会',
      sendAt: '2026-03-11T01:00:00.000Z',
    });
    expect(schedules).toHaveLength(1);
    expect(audits).toEqual(['notice.schedule']);
    expect(queued.size).toBe(0);
    await expect(
      service.schedule({ actor: secretary, scope: C, text: 'x', sendAt: new Date(now.getTime() - 1), now }),
    ).rejects.toMatchObject({ status: 400, code: 'send_at_past' });
    await expect(
      service.schedule({
        actor: secretary,
        scope: C,
        text: 'x',
        sendAt: new Date('2027-06-01T00:00:00Z'),
        now,
      }),
    ).rejects.toMatchObject({ status: 400, code: 'send_at_too_far' });
    await expect(
      service.schedule({
        actor: secretary,
        scope: scopeId.building(C, 'east', '9'),
        text: 'x',
        sendAt: new Date('2026-03-11T00:00:00Z'),
        now,
      }),
    ).rejects.toMatchObject({ code: 'no_groups' });
    await expect(
      service.schedule({
        actor: resident(H3),
        scope: C,
        text: 'x',
        sendAt: new Date('2026-03-11T00:00:00Z'),
        now,
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('lists schedules within the reader’s scopes and cancels a waiting one once', async () => {
    const { service } = setup([group(), group({ scopeId: B3 })]);
    const all = await service.schedule({
      actor: secretary,
      scope: C,
      text: 'all',
      sendAt: new Date(Date.now() + 60_000),
    });
    const b3 = await service.schedule({
      actor: lead,
      scope: B3,
      text: 'b3',
      sendAt: new Date(Date.now() + 60_000),
    });
    expect((await service.listSchedules(lead)).items.map((i) => [i.text, i.groups])).toEqual([['b3', 1]]);
    expect((await service.listSchedules(secretary)).items.map((i) => i.text)).toEqual(['all', 'b3']);
    await expect(service.cancelSchedule(lead, all.id)).rejects.toMatchObject({ status: 403 });
    await service.cancelSchedule(lead, b3.id);
    await expect(service.cancelSchedule(lead, b3.id)).rejects.toMatchObject({ status: 409 });
    await expect(service.cancelSchedule(lead, 'f'.repeat(24))).rejects.toMatchObject({ status: 404 });
    await expect(service.listSchedules(resident(H3))).rejects.toMatchObject({ status: 403 });
  });
});

describe('NoticeService.detail and exportAcks', () => {
  it('gives each household its ack time and who acked, and counts households once in the totals', async () => {
    const all = group();
    const g3 = group({ scopeId: B3 });
    const { service } = setup([all, g3]);
    const { notice } = await service.send({ actor: secretary, scope: C, text: 'x' });
    await service.ackByCode(resident(H3), notice.code);
    const { report, notice: view } = await service.detail(secretary, notice.id);
    expect(view.progress).toEqual({ queued: 2, sent: 0, failed: 0 });
    expect(report.groups.map((g) => [g.id, g.read, g.unread])).toEqual([
      [all.id, 1, 2],
      [g3.id, 1, 1],
    ]);
    expect([report.read, report.unread]).toEqual([1, 2]);
    const row = report.groups[1]!.households.find((h) => h.id === H3.id)!;
    expect(row).toMatchObject({ read: true, by: `name of r-${H3.id}` });
    expect(row.at).toMatch(/^\d{4}-/);
    await expect(service.detail(resident(H3), notice.id)).rejects.toMatchObject({ status: 403 });
    await expect(service.exportAcks(lead, notice.id, 'zh-CN')).rejects.toMatchObject({ status: 403 });
  });
});
