import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeId } from '../../server/policy/scope.js';
import {
  BindingRequestRepository,
  scopeChain,
  type Decision,
  type NewBindingRequest,
} from '../../server/repositories/binding-request.repository.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Binding requests against the real engine (FerretDB unless TEST_ENGINE says otherwise). */

let db: TestDatabase;
let bindings: BindingRequestRepository;

const C = 'c1c1c1c1c1c1c1c1c1c1c1c1';
const H3 = 'a3a3a3a3a3a3a3a3a3a3a3a3';
const H5 = 'a5a5a5a5a5a5a5a5a5a5a5a5';
const DECIDER = 'b0b0b0b0b0b0b0b0b0b0b0b0';

beforeAll(async () => {
  db = await openTestDatabase();
  const { models } = db;
  bindings = new BindingRequestRepository(models);
});

afterAll(async () => {
  await db?.close();
});

let number = 0;
/** A request from a fresh account unless told otherwise, so tests never share rows. */
const newRequest = (overrides: Partial<NewBindingRequest> = {}): NewBindingRequest => ({
  communityId: C,
  number: ++number,
  channel: 'wechat',
  identityKind: 'contactId',
  platformId: `wx-${randomUUID()}`,
  requesterName: '王秀英',
  residentId: null,
  accountId: 'wx-helper',
  groupId: null,
  platformGroupId: 'room-1',
  language: 'zh-CN',
  householdId: H3,
  address: '3-2-501',
  householdScope: scopeId.household(C, 'garden', '3', H3),
  sourceKey: `wechat:${randomUUID()}`,
  ...overrides,
});

const decision = (overrides: Partial<Decision> = {}): Decision => ({
  status: 'approved',
  decidedById: DECIDER,
  decidedByName: '刘楼长',
  reason: null,
  at: new Date(),
  ...overrides,
});

async function created(input = newRequest()) {
  const outcome = await bindings.create(input);
  if (outcome.kind !== 'created') throw new Error(`expected created, got ${outcome.kind}`);
  return outcome.request;
}

describe('BindingRequestRepository.create', () => {
  it('stores a pending request and finds it by id, number, message and account', async () => {
    const input = newRequest();
    const request = await created(input);
    expect(request).toMatchObject({
      status: 'pending',
      number: input.number,
      platformId: input.platformId,
      householdScope: input.householdScope,
      reason: null,
      decidedAt: null,
      appliedAt: null,
    });
    expect(Date.now() - request.createdAt.getTime()).toBeLessThan(60_000);
    expect((await bindings.findById(request.id))?.id).toBe(request.id);
    expect((await bindings.findByNumber(C, input.number))?.id).toBe(request.id);
    expect(await bindings.findByNumber('c2c2c2c2c2c2c2c2c2c2c2c2', input.number)).toBeNull();
    expect((await bindings.findBySourceKey(input.sourceKey))?.id).toBe(request.id);
    expect((await bindings.findPending('wechat', input.platformId))?.id).toBe(request.id);
    expect(await bindings.findById('not-an-id')).toBeNull();
  });

  it('the same message twice yields the first request', async () => {
    const input = newRequest();
    const first = await created(input);
    const again = await bindings.create({ ...input, number: ++number });
    expect(again).toMatchObject({ kind: 'duplicate', request: { id: first.id } });
  });

  it('one account has at most one pending request, even when it asks several times at once', async () => {
    const platformId = `wx-${randomUUID()}`;
    const outcomes = await Promise.all(
      ['3-2-501', '5-1-302', '3-2-501', '5-1-302'].map((address) =>
        bindings.create(newRequest({ platformId, address })),
      ),
    );
    const kinds = outcomes.map((o) => o.kind).sort();
    expect(kinds).toEqual(['created', 'pendingExists', 'pendingExists', 'pendingExists']);
    const winner = outcomes.find((o) => o.kind === 'created')!.request;
    for (const o of outcomes) expect(o.request.id).toBe(winner.id);
  });

  it('once decided, the account may ask again', async () => {
    const input = newRequest();
    const first = await created(input);
    await bindings.decide(first.id, decision({ status: 'rejected', reason: '不是本楼住户' }));
    expect(await bindings.findPending('wechat', input.platformId)).toBeNull();
    const second = await bindings.create(newRequest({ platformId: input.platformId }));
    expect(second.kind).toBe('created');
  });
});

describe('BindingRequestRepository.decide', () => {
  it('decides a pending request once, however many deciders race', async () => {
    const request = await created();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        bindings.decide(request.id, decision({ status: i % 2 ? 'rejected' : 'approved' })),
      ),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = await bindings.findById(request.id);
    expect(stored).toMatchObject({
      status: winners[0]!.status,
      decidedById: DECIDER,
      decidedByName: '刘楼长',
    });
    expect(stored!.decidedAt).not.toBeNull();
  });

  it('keeps a rejection’s reason', async () => {
    const request = await created();
    const rejected = await bindings.decide(request.id, decision({ status: 'rejected', reason: '地址不符' }));
    expect(rejected).toMatchObject({ status: 'rejected', reason: '地址不符', appliedAt: null });
  });

  it('an unfinished approval is reclaimed only after its lease, by one taker', async () => {
    const request = await created();
    const at = new Date();
    await bindings.decide(request.id, decision({ at, applyLeaseMs: 1_000 }));
    expect(await bindings.reclaimUnapplied(request.id, new Date(at.getTime() + 500), 1_000)).toBeNull();
    const later = new Date(at.getTime() + 2_000);
    const takers = await Promise.all(
      Array.from({ length: 4 }, () => bindings.reclaimUnapplied(request.id, later, 60_000)),
    );
    expect(takers.filter((t) => t !== null)).toHaveLength(1);

    const resident = 'b1b1b1b1b1b1b1b1b1b1b1b1';
    const applied = await bindings.markApplied(request.id, resident, new Date());
    expect(applied).toMatchObject({ status: 'approved', boundResidentId: resident });
    expect(applied!.appliedAt).not.toBeNull();
    expect(await bindings.reclaimUnapplied(request.id, new Date(Date.now() + 3_600_000), 1_000)).toBeNull();
  });
});

describe('BindingRequestRepository.listInScopes', () => {
  it('lists by status inside any of the scopes, newest first, and nothing for no scopes', async () => {
    const community = 'c3c3c3c3c3c3c3c3c3c3c3c3';
    const inBuilding = (building: string, household: string) => ({
      communityId: community,
      householdId: household,
      householdScope: scopeId.household(community, 'garden', building, household),
    });
    const a = await created(newRequest(inBuilding('3', H3)));
    const b = await created(newRequest(inBuilding('5', H5)));
    const c = await created(newRequest(inBuilding('3', H3)));
    await bindings.decide(c.id, decision());

    const building3 = scopeId.building(community, 'garden', '3');
    expect((await bindings.listInScopes('pending', [building3], 50)).map((r) => r.id)).toEqual([a.id]);
    expect(
      (await bindings.listInScopes('pending', [scopeId.community(community)], 50)).map((r) => r.id),
    ).toEqual([b.id, a.id]);
    expect((await bindings.listInScopes('approved', [building3], 50)).map((r) => r.id)).toEqual([c.id]);
    expect(await bindings.listInScopes('pending', [scopeId.building(community, 'garden', '30')], 50)).toEqual(
      [],
    );
    expect(await bindings.listInScopes('pending', [], 50)).toEqual([]);
  });

  it('scopeChain lists the household and every scope above it', () => {
    expect(scopeChain(scopeId.household(C, 'garden', '3', H3))).toEqual([
      C,
      `${C}/garden`,
      `${C}/garden/3`,
      `${C}/garden/3/${H3}`,
    ]);
  });
});
