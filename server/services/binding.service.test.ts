import { describe, expect, it } from 'vitest';
import type { Language } from '../../shared/i18n/index.js';
import type { Channel, OutboundMessage } from '../../shared/messages.js';
import type { HouseholdRelation, Role } from '../../shared/schemas/community.js';
import type { AppError } from '../errors.js';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import type {
  BindingRequestRecord,
  BindingRequestRepository,
  CreateOutcome,
  Decision,
  NewBindingRequest,
} from '../repositories/binding-request.repository.js';
import type { GroupRecord } from '../repositories/group.repository.js';
import type { HouseholdRecord } from '../repositories/household.repository.js';
import type {
  IdentityRecord,
  LinkOutcome,
  Membership,
  NewResident,
  ResidentRecord,
} from '../repositories/resident.repository.js';
import type { AuditInput } from './audit.service.js';
import { BindingService, type BindingRequestInput, type BindingServiceDeps } from './binding.service.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const OTHER_C = 'c9c9c9c9c9c9c9c9c9c9c9c9';

let seq = 0;
const oid = (prefix: string) => `${prefix}${String(++seq).padStart(24 - prefix.length, '0')}`;

const household = (compound: string, building: string, address: string, community = C): HouseholdRecord => {
  const id = oid('a');
  const [, unit = '1', room = '1'] = address.split('-');
  return {
    id,
    communityId: community,
    compound,
    building,
    unit,
    room,
    address,
    scope: scopeId.household(community, compound, building, id),
  };
};

const H3 = household('east', '3', '3-2-501');
const H3_WEST = household('west', '3', '3-2-501');
const H5 = household('east', '5', '5-1-302');
const H_OTHER = household('north', '1', '1-1-101', OTHER_C);
const HOUSEHOLDS = [H3, H3_WEST, H5, H_OTHER];

const group = (overrides: Partial<GroupRecord> = {}): GroupRecord => ({
  id: oid('9'),
  channel: 'wechat',
  platformGroupId: 'room-1',
  name: '东区3栋邻里群',
  communityId: C,
  language: 'zh-CN',
  scopeId: scopeId.building(C, 'east', '3'),
  ...overrides,
});

function resident(
  roles: { role: Role; scope: string }[],
  home: HouseholdRecord | null = null,
  overrides: Partial<ResidentRecord> = {},
): ResidentRecord {
  return {
    id: oid('b'),
    communityId: home?.communityId ?? C,
    householdId: home?.id ?? null,
    householdScope: home?.scope ?? null,
    relation: home ? 'owner' : null,
    floorArea: null,
    name: '刘楼长',
    phoneMasked: null,
    roles: roles.map((r) => assignment(r.role, r.scope)),
    version: 0,
    ...overrides,
  };
}

const lead3 = () => resident([{ role: 'buildingLead', scope: scopeId.building(C, 'east', '3') }]);
const lead5 = () => resident([{ role: 'buildingLead', scope: scopeId.building(C, 'east', '5') }]);
const secretary = () =>
  resident([{ role: 'secretary', scope: scopeId.community(C) }], null, { name: '陈书记' });

/** In-memory binding requests with the real repository's contracts (conditional writes, one pending). */
function fakeBindings(): BindingRequestRepository & { rows: Map<string, BindingRequestRecord> } {
  const rows = new Map<string, BindingRequestRecord>();
  const sourceKeys = new Map<string, string>();
  const leases = new Map<string, number>();
  const copy = (r: BindingRequestRecord | undefined) => (r ? { ...r } : null);
  const pendingOf = (channel: Channel, platformId: string) =>
    [...rows.values()].find(
      (r) => r.status === 'pending' && r.channel === channel && r.platformId === platformId,
    );
  const repo = {
    rows,
    async create(input: NewBindingRequest): Promise<CreateOutcome> {
      const same = sourceKeys.get(input.sourceKey);
      if (same) return { kind: 'duplicate', request: copy(rows.get(same))! };
      const pending = pendingOf(input.channel, input.platformId);
      if (pending) return { kind: 'pendingExists', request: { ...pending } };
      const { sourceKey, ...fields } = input;
      const record: BindingRequestRecord = {
        ...fields,
        id: oid('e'),
        status: 'pending',
        reason: null,
        decidedAt: null,
        decidedById: null,
        decidedByName: null,
        appliedAt: null,
        boundResidentId: null,
        createdAt: new Date(0),
      };
      rows.set(record.id, record);
      sourceKeys.set(sourceKey, record.id);
      return { kind: 'created', request: { ...record } };
    },
    findById: async (id: string) => copy(rows.get(id)),
    findByNumber: async (communityId: string, number: number) =>
      copy([...rows.values()].find((r) => r.communityId === communityId && r.number === number)),
    findBySourceKey: async (key: string) => copy(rows.get(sourceKeys.get(key) ?? '')),
    findPending: async (channel: Channel, platformId: string) => copy(pendingOf(channel, platformId)),
    listInScopes: async (status: string, scopes: string[], limit: number) =>
      [...rows.values()]
        .filter((r) => r.status === status && scopes.some((s) => r.householdScope.startsWith(`${s}/`)))
        .slice(0, limit),
    async decide(id: string, d: Decision) {
      const row = rows.get(id);
      if (!row || row.status !== 'pending') return null;
      Object.assign(row, {
        status: d.status,
        reason: d.reason,
        decidedAt: d.at,
        decidedById: d.decidedById,
        decidedByName: d.decidedByName,
      });
      leases.set(id, d.at.getTime() + (d.applyLeaseMs ?? 60_000));
      return { ...row };
    },
    async reclaimUnapplied(id: string, now: Date, leaseMs: number) {
      const row = rows.get(id);
      if (!row || row.status !== 'approved' || row.appliedAt !== null) return null;
      if ((leases.get(id) ?? 0) >= now.getTime()) return null;
      leases.set(id, now.getTime() + leaseMs);
      return { ...row };
    },
    async markApplied(id: string, residentId: string, at: Date) {
      const row = rows.get(id);
      if (!row) return null;
      Object.assign(row, { appliedAt: at, boundResidentId: residentId });
      return { ...row };
    },
  };
  return repo as unknown as BindingRequestRepository & { rows: Map<string, BindingRequestRecord> };
}

/** Residents and identities in memory, as ResidentRepository keeps them. */
function fakeResidents(people: { resident: ResidentRecord; channel: Channel; platformId: string }[] = []) {
  const rows = new Map(people.map((p) => [p.resident.id, { ...p.resident }]));
  const identities = new Map(people.map((p) => [`${p.channel}:${p.platformId}`, p.resident.id]));
  const created: NewResident[] = [];
  const linked: IdentityRecord[] = [];
  return {
    rows,
    identities,
    created,
    linked,
    findByIdentity: async (channel: Channel, platformId: string) => {
      const id = identities.get(`${channel}:${platformId}`);
      return id ? { ...rows.get(id)! } : null;
    },
    async create(input: NewResident): Promise<ResidentRecord> {
      created.push(input);
      const r = resident([], null, {
        communityId: input.communityId,
        name: input.name,
        roles: input.roles ?? [],
      });
      const m = input.membership ?? null;
      const row = {
        ...r,
        householdId: m?.householdId ?? null,
        householdScope: m?.householdScope ?? null,
        relation: m?.relation ?? null,
      };
      rows.set(row.id, row);
      return { ...row };
    },
    async setMembership(id: string, m: Membership | null) {
      const row = rows.get(id);
      if (!row) return null;
      Object.assign(row, {
        householdId: m?.householdId ?? null,
        householdScope: m?.householdScope ?? null,
        relation: (m?.relation ?? null) as HouseholdRelation | null,
        version: row.version + 1,
      });
      return { ...row };
    },
    async linkIdentity(
      residentId: string,
      identity: { channel: Channel; kind: IdentityRecord['kind']; platformId: string },
    ): Promise<LinkOutcome> {
      const key = `${identity.channel}:${identity.platformId}`;
      const holder = identities.get(key);
      if (holder) return holder === residentId ? 'alreadyLinked' : 'linkedToAnother';
      identities.set(key, residentId);
      linked.push({ ...identity, residentId, linkedAt: new Date(0) });
      return 'linked';
    },
  };
}

function setup(people: Parameters<typeof fakeResidents>[0] = []) {
  const bindings = fakeBindings();
  const residents = fakeResidents(people);
  const sent: { key: string; message: OutboundMessage }[] = [];
  const audits: AuditInput[] = [];
  const counters = new Map<string, number>();
  const addressLookups: (string | undefined)[] = [];
  const deps: BindingServiceDeps = {
    bindings,
    households: {
      findByAddress: async (communityId: string, address: string, compound?: string) => {
        addressLookups.push(compound);
        return HOUSEHOLDS.filter(
          (h) =>
            h.communityId === communityId && h.address === address && (!compound || h.compound === compound),
        );
      },
      findById: async (id: string) => HOUSEHOLDS.find((h) => h.id === id) ?? null,
    },
    residents,
    counters: {
      next: async (name: string) => {
        const n = (counters.get(name) ?? 0) + 1;
        counters.set(name, n);
        return n;
      },
    },
    outbox: {
      enqueue: async (key: string, message: OutboundMessage) => {
        if (sent.some((s) => s.key === key)) return 'duplicate';
        sent.push({ key, message });
        return 'inserted';
      },
    },
    audit: { record: async (entry: AuditInput) => void audits.push(entry) },
    now: () => new Date('2025-03-01T08:00:00Z'),
  };
  return { service: new BindingService(deps), bindings, residents, sent, audits, counters, addressLookups };
}

let message = 0;
const ask = (overrides: Partial<BindingRequestInput> = {}): BindingRequestInput => ({
  channel: 'wechat',
  accountId: 'wx-helper',
  platformId: 'wx-wang',
  senderName: '王秀英',
  group: group(),
  resident: null,
  address: '3-2-501',
  sourceKey: `wechat:m${++message}`,
  mayBeRetry: false,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a failure');
}

/** Files a request from an unbound account and returns its record. */
async function filed(ctx: ReturnType<typeof setup>, overrides: Partial<BindingRequestInput> = {}) {
  const result = await ctx.service.request(ask(overrides));
  if (result.kind !== 'requested') throw new Error(`expected a request, got ${result.kind}`);
  return result.request;
}

describe('BindingService.request', () => {
  it('files a pending request for an unbound account with the next number of the community', async () => {
    const ctx = setup();
    const result = await ctx.service.request(ask({ group: group({ language: 'en' }) }));
    expect(result).toMatchObject({ kind: 'requested', current: null });
    const request = result.kind === 'requested' ? result.request : null;
    expect(request).toMatchObject({
      number: 1,
      status: 'pending',
      communityId: C,
      channel: 'wechat',
      identityKind: 'contactId',
      platformId: 'wx-wang',
      requesterName: '王秀英',
      residentId: null,
      accountId: 'wx-helper',
      platformGroupId: 'room-1',
      language: 'en',
      householdId: H3.id,
      address: '3-2-501',
      householdScope: H3.scope,
    });
    expect(ctx.counters.get(`binding:${C}`)).toBe(1);
  });

  it('uses the compound of a building group to tell apart two compounds numbering alike', async () => {
    const ctx = setup();
    expect(await ctx.service.request(ask())).toMatchObject({ kind: 'requested' });
    expect(ctx.addressLookups).toEqual(['east']);
  });

  it('asks a community-wide group to name the compound when the address is in two', async () => {
    const ctx = setup();
    const result = await ctx.service.request(ask({ group: group({ scopeId: scopeId.community(C) }) }));
    expect(result).toEqual({ kind: 'ambiguousAddress', address: '3-2-501' });
    expect(ctx.bindings.rows.size).toBe(0);
  });

  it('refuses an unknown address, a private chat and a group not bound to a community', async () => {
    const ctx = setup();
    expect(await ctx.service.request(ask({ address: '9-9-909' }))).toEqual({
      kind: 'unknownAddress',
      address: '9-9-909',
    });
    expect(await ctx.service.request(ask({ group: null }))).toEqual({ kind: 'notInGroup' });
    expect(await ctx.service.request(ask({ group: group({ communityId: null, scopeId: null }) }))).toEqual({
      kind: 'groupNotBound',
    });
    expect(ctx.bindings.rows.size).toBe(0);
  });

  it('tells an account already bound to that household so, and files nothing', async () => {
    const ctx = setup();
    const wang = resident([], H3);
    expect(await ctx.service.request(ask({ resident: wang }))).toEqual({
      kind: 'alreadyBound',
      address: '3-2-501',
    });
    expect(ctx.bindings.rows.size).toBe(0);
  });

  it('files a request for an account bound elsewhere, saying the old address holds until approval', async () => {
    const ctx = setup();
    const wang = resident([], H5);
    const result = await ctx.service.request(ask({ resident: wang }));
    expect(result).toMatchObject({ kind: 'requested', current: '5-1-302', request: { residentId: wang.id } });
  });

  it('refuses a second pending request from the same account, naming the pending one', async () => {
    const ctx = setup();
    const first = await filed(ctx);
    const second = await ctx.service.request(ask({ address: '5-1-302', group: group({ scopeId: null }) }));
    expect(second).toMatchObject({ kind: 'pendingExists', request: { id: first.id, number: 1 } });
    expect(ctx.bindings.rows.size).toBe(1);
    // Another account is not held up by it.
    expect(await ctx.service.request(ask({ platformId: 'wx-li' }))).toMatchObject({
      kind: 'requested',
      request: { number: 2 },
    });
  });

  it('answers a redelivered message with the request it made the first time', async () => {
    const ctx = setup();
    const first = await filed(ctx, { sourceKey: 'wechat:same' });
    const again = await ctx.service.request(ask({ sourceKey: 'wechat:same', mayBeRetry: true }));
    expect(again).toMatchObject({ kind: 'requested', request: { id: first.id } });
    expect(ctx.bindings.rows.size).toBe(1);
  });

  it('refuses a resident of another community asking in this community’s group', async () => {
    const ctx = setup();
    const stranger = resident([], H_OTHER);
    expect(await ctx.service.request(ask({ resident: stranger }))).toEqual({ kind: 'forbidden' });
    expect(ctx.bindings.rows.size).toBe(0);
  });
});

describe('BindingService.list', () => {
  it('shows a building lead only the requests of their building, and the secretary all of them', async () => {
    const ctx = setup();
    await filed(ctx);
    await filed(ctx, { platformId: 'wx-emma', address: '5-1-302', senderName: 'Emma Chen' });
    const forLead = await ctx.service.list(lead3(), { status: 'pending', limit: 50 });
    expect(forLead.items).toEqual([
      expect.objectContaining({
        number: 'B1',
        address: '3-2-501',
        requesterName: '王**',
        platform: 'wechat',
      }),
    ]);
    const forSecretary = await ctx.service.list(secretary(), { status: 'pending', limit: 50 });
    expect(forSecretary.items.map((i) => i.number).sort()).toEqual(['B1', 'B2']);
    expect(JSON.stringify(forSecretary)).not.toContain('wx-');
  });

  it('refuses a resident who may decide nothing', async () => {
    const ctx = setup();
    const err = await failure(
      ctx.service.list(resident([{ role: 'resident', scope: C }], H5), {
        status: 'pending',
        limit: 50,
      }),
    );
    expect(err).toMatchObject({ status: 403, params: { action: 'access.actions.binding.decide' } });
  });
});

describe('BindingService decisions', () => {
  it('an approval creates the resident in the household, links the account, tells the group and audits', async () => {
    const ctx = setup();
    const request = await filed(ctx, { group: group({ language: 'en' }) });
    const lead = lead3();
    const result = await ctx.service.decideByNumber(lead, 1, { status: 'approved' });

    expect(result).toMatchObject({
      kind: 'decided',
      request: { status: 'approved', decidedById: lead.id, decidedByName: '刘楼长' },
    });
    expect(ctx.residents.created).toEqual([
      expect.objectContaining({
        communityId: C,
        name: '王秀英',
        membership: { householdId: H3.id, householdScope: H3.scope, relation: 'family', floorArea: null },
      }),
    ]);
    const newId = ctx.residents.identities.get('wechat:wx-wang')!;
    expect(ctx.residents.rows.get(newId)).toMatchObject({ householdId: H3.id, relation: 'family' });
    expect(ctx.residents.linked).toEqual([
      expect.objectContaining({ kind: 'contactId', platformId: 'wx-wang' }),
    ]);
    expect(ctx.bindings.rows.get(request.id)).toMatchObject({ boundResidentId: newId });
    expect(ctx.bindings.rows.get(request.id)!.appliedAt).not.toBeNull();

    expect(ctx.sent).toEqual([
      {
        key: `binding:${request.id}:decided`,
        message: {
          channel: 'wechat',
          accountId: 'wx-helper',
          groupId: 'room-1',
          content: { kind: 'text', text: 'Your binding request B1 was approved: you are bound to 3-2-501' },
          mentions: ['wx-wang'],
          replyTo: null,
        },
      },
    ]);
    expect(ctx.audits).toEqual([
      expect.objectContaining({
        actor: { id: lead.id, name: '刘楼长' },
        action: 'binding.approve',
        target: { kind: 'bindingRequest', id: request.id, label: 'B1 3-2-501', scope: H3.scope },
        before: { status: 'pending', residentId: null, householdId: null },
        after: expect.objectContaining({ status: 'approved', residentId: newId, householdId: H3.id }),
      }),
    ]);
  });

  it('an approval moves an account bound elsewhere to the new household instead of creating anyone', async () => {
    const wang = resident([], H5, { name: '王秀英' });
    const ctx = setup([{ resident: wang, channel: 'wechat', platformId: 'wx-wang' }]);
    await filed(ctx, { resident: wang });
    await ctx.service.decideByNumber(secretary(), 1, { status: 'approved' });
    expect(ctx.residents.created).toEqual([]);
    expect(ctx.residents.rows.get(wang.id)).toMatchObject({ householdId: H3.id, householdScope: H3.scope });
    expect(ctx.audits[0]).toMatchObject({
      before: { residentId: wang.id, householdId: H5.id },
      after: { residentId: wang.id, householdId: H3.id },
    });
  });

  it('a building lead of another building may not decide, and nothing changes', async () => {
    const ctx = setup();
    const request = await filed(ctx);
    expect(await ctx.service.decideByNumber(lead5(), 1, { status: 'approved' })).toMatchObject({
      kind: 'forbidden',
    });
    expect(ctx.bindings.rows.get(request.id)!.status).toBe('pending');
    expect(ctx.residents.created).toEqual([]);
    expect(ctx.sent).toEqual([]);
    expect(ctx.audits).toEqual([]);
  });

  it('approving twice, or twice at once, applies once', async () => {
    const ctx = setup();
    await filed(ctx);
    const [a, b] = await Promise.all([
      ctx.service.decideByNumber(lead3(), 1, { status: 'approved' }),
      ctx.service.decideByNumber(secretary(), 1, { status: 'approved' }),
    ]);
    expect([a.kind, b.kind].sort()).toEqual(['alreadyDecided', 'decided']);
    const again = await ctx.service.decideByNumber(lead3(), 1, { status: 'rejected' });
    expect(again).toMatchObject({ kind: 'alreadyDecided', request: { status: 'approved' } });
    expect(ctx.residents.created).toHaveLength(1);
    expect(ctx.sent).toHaveLength(1);
    expect(ctx.audits).toHaveLength(1);
  });

  it('a rejection keeps the reason, tells the requester why and binds nobody', async () => {
    const ctx = setup();
    const request = await filed(ctx);
    const result = await ctx.service.decideByNumber(lead3(), 1, {
      status: 'rejected',
      reason: `  ${'查无此人'.repeat(60)}  `,
    });
    expect(result).toMatchObject({ kind: 'decided', request: { status: 'rejected' } });
    const reason = ctx.bindings.rows.get(request.id)!.reason!;
    expect(Array.from(reason)).toHaveLength(200);
    expect(ctx.residents.created).toEqual([]);
    expect(ctx.residents.linked).toEqual([]);
    expect(ctx.sent[0]!.message.content).toEqual({
      kind: 'text',
      text: `您的绑定申请 B1（3-2-501）未通过：${reason}`,
    });
    expect(ctx.audits[0]).toMatchObject({ action: 'binding.reject', after: { status: 'rejected', reason } });
    // Once decided, the account may ask again.
    expect(await ctx.service.request(ask())).toMatchObject({ kind: 'requested', request: { number: 2 } });
  });

  it('says so for an unknown number', async () => {
    const ctx = setup();
    expect(await ctx.service.decideByNumber(lead3(), 42, { status: 'approved' })).toEqual({
      kind: 'notFound',
    });
  });

  it('finishes an approval whose approver stopped before binding the resident', async () => {
    const ctx = setup();
    const request = await filed(ctx);
    // The approver's process died right after its conditional update.
    const lead = lead3();
    await ctx.bindings.decide(request.id, {
      status: 'approved',
      decidedById: lead.id,
      decidedByName: lead.name,
      reason: null,
      at: new Date(0),
    });
    const result = await ctx.service.decideByNumber(secretary(), 1, { status: 'approved' });
    expect(result).toMatchObject({
      kind: 'alreadyDecided',
      request: { status: 'approved', decidedById: lead.id },
    });
    expect(ctx.residents.created).toHaveLength(1);
    expect(ctx.bindings.rows.get(request.id)!.appliedAt).not.toBeNull();
    expect(ctx.sent).toHaveLength(1);
    expect(ctx.audits[0]).toMatchObject({ actor: { id: lead.id } });
  });
});

describe('BindingService.decideById', () => {
  it('returns the view; repeating the same decision is harmless, the opposite one is a 409', async () => {
    const ctx = setup();
    const request = await filed(ctx);
    const view = await ctx.service.decideById(lead3(), request.id, { status: 'approved' });
    expect(view).toMatchObject({ id: request.id, number: 'B1', status: 'approved', decidedBy: '刘楼长' });
    expect(await ctx.service.decideById(secretary(), request.id, { status: 'approved' })).toMatchObject({
      status: 'approved',
    });
    const err = await failure(ctx.service.decideById(secretary(), request.id, { status: 'rejected' }));
    expect(err).toMatchObject({ status: 409, code: 'binding_already_decided', params: { by: '刘楼长' } });
    expect(ctx.residents.created).toHaveLength(1);
  });

  it('404 for an unknown id or a request of another community; 403 for a lead of another building', async () => {
    const ctx = setup();
    const request = await filed(ctx);
    expect(
      await failure(ctx.service.decideById(lead3(), 'f'.repeat(24), { status: 'approved' })),
    ).toMatchObject({
      status: 404,
    });
    const elsewhere = resident([{ role: 'secretary', scope: scopeId.community(OTHER_C) }], null, {
      communityId: OTHER_C,
    });
    expect(
      await failure(ctx.service.decideById(elsewhere, request.id, { status: 'approved' })),
    ).toMatchObject({
      status: 404,
    });
    expect(await failure(ctx.service.decideById(lead5(), request.id, { status: 'rejected' }))).toMatchObject({
      status: 403,
    });
    expect(ctx.bindings.rows.get(request.id)!.status).toBe('pending');
  });
});

describe('languages', () => {
  it.each<[Language, string]>([
    ['zh-CN', '您的绑定申请 B1 已通过，已绑定到 3-2-501'],
    ['zh-TW', '您的綁定申請 B1 已通過，已綁定到 3-2-501'],
    ['en', 'Your binding request B1 was approved: you are bound to 3-2-501'],
  ])('the outcome is told in the group language: %s', async (language, text) => {
    const ctx = setup();
    await filed(ctx, { group: group({ language }) });
    await ctx.service.decideByNumber(lead3(), 1, { status: 'approved' });
    expect(ctx.sent[0]!.message.content).toEqual({ kind: 'text', text });
  });
});
