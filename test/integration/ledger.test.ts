import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import { createLogger } from '../../server/logger.js';
import { accountIdOf, LedgerRepository } from '../../server/repositories/ledger.repository.js';
import { PointsService } from '../../server/services/points.service.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/** The points ledger on the real engine: caps, replays, redemptions, crash repair, reconciliation. */

let server: TestServer;
let communityId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  for (const p of ['sim-wang', 'sim-li', 'sim-zhang', 'sim-emma', 'sim-chen', 'sim-admin', 'sim-liu'])
    ids[p] = (await server.container.repositories.residents.findByIdentity('simulator', p))!.id;
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
});

afterAll(async () => {
  await server?.close();
});

const points = () => server.container.services.points;
const rewards = () => server.container.services.rewards;
const ledger = () => new LedgerRepository(server.container.models);
const balance = async (residentId: string, currency: 'points' | 'serviceMinutes' | 'vanguard' = 'points') =>
  (await ledger().findAccount(accountIdOf(residentId, currency)))?.balance ?? 0;
const resident = async (p: string) => (await server.container.repositories.residents.findById(ids[p]!))!;

const cookie = (residentId: string) =>
  `${SESSION_COOKIE}=${server.container.sessionCodec.encode(residentId).value}`;

async function call(path: string, init: { method?: string; body?: unknown; as?: string } = {}) {
  const headers: Record<string, string> = { 'accept-language': 'en' };
  if (init.as) headers.cookie = cookie(ids[init.as] ?? init.as);
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

describe('caps', () => {
  it('lets exactly the cap through when many earns race', async () => {
    // voteCast: 2 points, at most 10 a day → exactly 5 of 20 simultaneous earns pass.
    const before = await balance(ids['sim-zhang']!);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        points().award({
          communityId,
          residentId: ids['sim-zhang']!,
          rule: 'voteCast',
          idempotencyKey: `vote:cap:${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'credited')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'capped')).toHaveLength(15);
    expect((await balance(ids['sim-zhang']!)) - before).toBe(10);
  });
});

describe('idempotency', () => {
  it('applies a replayed key once, even when the replays race', async () => {
    const before = await balance(ids['sim-emma']!);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        points().award({
          communityId,
          residentId: ids['sim-emma']!,
          rule: 'eventCheckin',
          idempotencyKey: 'checkin:ev1:emma',
          hours: 2,
          serviceMinutes: 120,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'credited')).toHaveLength(1);
    // The others are duplicates, or capped when they raced their twin for the day's cap.
    expect(results.filter((r) => r.status === 'duplicate' || r.status === 'capped')).toHaveLength(9);
    expect((await balance(ids['sim-emma']!)) - before).toBe(20);
    expect(await balance(ids['sim-emma']!, 'serviceMinutes')).toBe(120);
  });

  it('credits a party member’s vanguard index from vanguard rules', async () => {
    const result = await points().award({
      communityId,
      residentId: ids['sim-li']!,
      rule: 'opinionAdopted',
      idempotencyKey: 'opinion:Y1:li',
    });
    expect(result.status).toBe('credited');
    expect(await balance(ids['sim-li']!, 'vanguard')).toBe(10);
  });
});

describe('redemptions', () => {
  it('never takes stock or balance below zero when redemptions race', async () => {
    const wang = await resident('sim-wang');
    const chen = await resident('sim-chen');
    await points().grant(chen, { residentId: wang.id, amount: 50, currency: 'points', reason: 'test grant' });
    const start = await balance(wang.id);
    const reward = await rewards().create(chen, {
      title: 'Eggs',
      description: '',
      price: 15,
      stock: 2,
      merchantId: chen.id,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => rewards().redeem(wang, reward.id, `race-${i}-abcdefgh`)),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    expect(ok).toHaveLength(Math.min(2, Math.floor(start / 15)));
    const after = await balance(wang.id);
    expect(after).toBeGreaterThanOrEqual(0);
    expect(after).toBe(start - ok.length * 15);
    const stock = (await server.container.models.reward.findById(reward.id).lean<{ stock: number }>())!.stock;
    expect(stock).toBe(2 - ok.length);

    // A replayed request returns the same redemption and charges nothing more.
    const first = (ok[0] as PromiseFulfilledResult<{ id: string }>).value;
    const again = await rewards()
      .redeem(wang, reward.id, 'race-0-abcdefgh')
      .catch(() => null);
    if (again) expect(again.id).toBeDefined();
    expect(await balance(wang.id)).toBe(after);

    // Cancelling refunds by a reversal entry and restocks.
    await rewards().cancel(wang, first.id);
    expect(await balance(wang.id)).toBe(after + 15);
    const reversal = await ledger().findEntry(`points:reversal:redeem:${first.id}`);
    expect(reversal?.amount).toBe(15);
  });

  it('refuses a redemption without enough points and gives the stock back', async () => {
    const zhang = await resident('sim-zhang');
    const chen = await resident('sim-chen');
    const reward = await rewards().create(chen, {
      title: 'TV',
      description: '',
      price: 99_999,
      stock: 1,
      merchantId: chen.id,
    });
    await expect(rewards().redeem(zhang, reward.id, 'poor-request-1')).rejects.toMatchObject({
      code: 'insufficient_points',
    });
    const stock = (await server.container.models.reward.findById(reward.id).lean<{ stock: number }>())!.stock;
    expect(stock).toBe(1);

    // The refused attempt stays on record, so a retry gets the same answer, but 我的兑换 leaves it out.
    const stored = await server.container.models.redemption
      .findOne({ requestKey: `${zhang.id}:poor-request-1` })
      .lean<{ state: string }>();
    expect(stored?.state).toBe('failed');
    await expect(rewards().redeem(zhang, reward.id, 'poor-request-1')).rejects.toMatchObject({
      code: 'insufficient_points',
    });
    const mine = await call('/api/rewards/redemptions/mine', { as: 'sim-zhang' });
    expect(mine.status).toBe(200);
    const listed = mine.json.items as { rewardTitle: string; state: string }[];
    expect(listed.filter((r) => r.rewardTitle === 'TV' || r.state === 'failed')).toEqual([]);
  });
});

describe('crash repair and reconciliation', () => {
  const later = () =>
    new PointsService({
      ledger: ledger(),
      residents: server.container.repositories.residents,
      households: server.container.repositories.households,
      audit: server.container.services.audit,
      log: createLogger('silent'),
      now: () => new Date(Date.now() + 120_000),
    });

  it('applies an entry left unapplied after a crash, once', async () => {
    const liu = await resident('sim-liu');
    const before = await balance(liu.id);
    // A crash right after the insert: the entry is there, the account never heard of it.
    await ledger().insertEntry({
      key: 'crash:1',
      communityId,
      residentId: liu.id,
      currency: 'points',
      amount: 7,
      kind: 'grant',
      countsEarned: true,
      rule: null,
      memo: null,
      actorId: null,
      reversalOf: null,
    });
    // A crash after the account update but before the entry was marked.
    const { entry } = await ledger().insertEntry({
      key: 'crash:2',
      communityId,
      residentId: liu.id,
      currency: 'points',
      amount: 5,
      kind: 'grant',
      countsEarned: true,
      rule: null,
      memo: null,
      actorId: null,
      reversalOf: null,
    });
    await ledger().applyEntry(entry, liu.householdScope);
    expect(await balance(liu.id)).toBe(before + 5);
    expect(await later().repair()).toBeGreaterThanOrEqual(2);
    expect(await balance(liu.id)).toBe(before + 12);
    await later().repair();
    expect(await balance(liu.id)).toBe(before + 12);
    expect((await ledger().findEntry('points:crash:1'))?.state).toBe('applied');
    expect((await ledger().findEntry('points:crash:2'))?.state).toBe('applied');
  });

  it('finds the ledger clean, and reports a planted difference', async () => {
    const clean = await points().reconcile('test-clean');
    expect(clean?.ok).toBe(true);
    expect(clean?.differences).toEqual([]);
    expect(await points().reconcile('test-clean')).toBeNull();
    await ledger().plantDifference(accountIdOf(ids['sim-emma']!, 'points'), 3);
    const dirty = await points().reconcile('test-dirty');
    expect(dirty?.ok).toBe(false);
    expect(dirty?.differences).toEqual([
      expect.objectContaining({
        accountId: accountIdOf(ids['sim-emma']!, 'points'),
        balance: 68,
        entries: 65,
      }),
    ]);
    await ledger().plantDifference(accountIdOf(ids['sim-emma']!, 'points'), -3);
  });
});

describe('API', () => {
  it('GET /api/points/me: 401 without a session, 200 with figures', async () => {
    expect((await call('/api/points/me')).status).toBe(401);
    const res = await call('/api/points/me', { as: 'sim-emma' });
    expect(res.status).toBe(200);
    // 45 seeded for the demo, 20 from the check-in above.
    expect(res.json).toMatchObject({ points: 65, serviceMinutes: 120, monthEarned: 65 });
  });

  it('GET /api/points/history: 400 on a bad query, 200 with entries', async () => {
    expect((await call('/api/points/history?limit=0', { as: 'sim-emma' })).status).toBe(400);
    const res = await call('/api/points/history', { as: 'sim-emma' });
    expect(res.status).toBe(200);
    expect((res.json.items as { amount: number }[]).map((e) => e.amount)).toEqual([20, 45]);
  });

  it('POST /api/points/grants: 400, 403 for a resident, 200 for the secretary', async () => {
    const body = { residentId: ids['sim-emma'], amount: 5, reason: 'helped at the fair' };
    expect(
      (await call('/api/points/grants', { method: 'POST', as: 'sim-chen', body: { ...body, reason: '' } }))
        .status,
    ).toBe(400);
    expect((await call('/api/points/grants', { method: 'POST', as: 'sim-wang', body })).status).toBe(403);
    const res = await call('/api/points/grants', { method: 'POST', as: 'sim-chen', body });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'applied', balance: 70 });
    const deduct = await call('/api/points/grants', {
      method: 'POST',
      as: 'sim-chen',
      body: { ...body, amount: -1000, reason: 'too much' },
    });
    expect(deduct.status).toBe(409);
    expect(deduct.json.error).toEqual({
      code: 'insufficient_points',
      message: 'The balance is only 70; this would take it below 0, so nothing was deducted',
    });
    expect(await balance(ids['sim-emma']!)).toBe(70);
  });

  it('GET /api/points/residents: 400, 403 for a resident, 200 by name or address', async () => {
    const find = (q: string, as = 'sim-chen') =>
      call(`/api/points/residents?q=${encodeURIComponent(q)}`, { as });
    expect((await find('')).status).toBe(400);
    expect((await find('王', 'sim-wang')).status).toBe(403);
    const byName = await find('秀英');
    expect(byName.status).toBe(200);
    expect(byName.json.items).toEqual([
      {
        id: ids['sim-wang'],
        name: '王秀英',
        address: '3-2-501',
        phone: '138****5001',
        points: await balance(ids['sim-wang']!),
        serviceMinutes: await balance(ids['sim-wang']!, 'serviceMinutes'),
      },
    ]);
    const byAddress = await find('3-2-501');
    expect((byAddress.json.items as { id: string }[]).map((r) => r.id)).toContain(ids['sim-wang']);
    // Any case; pattern characters are matched as themselves.
    expect((await find('emma')).json.items).toMatchObject([{ name: 'Emma Chen', points: 70 }]);
    expect((await find('.*')).json.items).toEqual([]);
  });

  it('GET/PUT /api/points/rules: 403 for a resident, 200 for staff', async () => {
    expect((await call('/api/points/rules', { as: 'sim-wang' })).status).toBe(403);
    const got = await call('/api/points/rules', { as: 'sim-chen' });
    expect(got.status).toBe(200);
    const rules = (got.json.rules as { rule: string; points: number }[]).map((r) =>
      r.rule === 'noticeAck' ? { ...r, points: 3 } : r,
    );
    expect(
      (await call('/api/points/rules', { method: 'PUT', as: 'sim-chen', body: { rules: rules.slice(1) } }))
        .status,
    ).toBe(400);
    const put = await call('/api/points/rules', { method: 'PUT', as: 'sim-chen', body: { rules } });
    expect(put.status).toBe(200);
    expect((await points().rulesFor(communityId)).find((r) => r.rule === 'noticeAck')?.points).toBe(3);
  });

  it('GET /api/points/leaderboard: ranks residents, households and buildings', async () => {
    for (const by of ['resident', 'household', 'building']) {
      const res = await call(`/api/points/leaderboard?by=${by}`, { as: 'sim-emma' });
      expect(res.status).toBe(200);
      expect((res.json.rows as unknown[]).length).toBeGreaterThan(0);
    }
    expect((await call('/api/points/leaderboard?by=street', { as: 'sim-emma' })).status).toBe(400);
  });

  it('GET /api/points/reconciliation: 403 for the secretary, 200 for the admin', async () => {
    expect((await call('/api/points/reconciliation', { as: 'sim-chen' })).status).toBe(403);
    const res = await call('/api/points/reconciliation', { as: 'sim-admin' });
    expect(res.status).toBe(200);
    expect((res.json.runs as unknown[]).length).toBeGreaterThan(0);
  });

  it("POST /api/points/reconciliation shows an admin only their own community's differences", async () => {
    const emma = accountIdOf(ids['sim-emma']!, 'points');
    const stranger = accountIdOf('resident-of-another-community', 'points');
    await server.container.models.ledgerAccount.create({
      _id: stranger,
      communityId: 'another-community',
      residentId: 'resident-of-another-community',
      currency: 'points',
      balance: 7,
    });
    await ledger().plantDifference(emma, 2);
    try {
      const res = await call('/api/points/reconciliation', { method: 'POST', as: 'sim-admin' });
      expect(res.status).toBe(200);
      const run = res.json as { ok: boolean; differences: { accountId: string }[] };
      expect(run.differences.map((d) => d.accountId)).toEqual([emma]);
      expect(run.ok).toBe(false);
    } finally {
      await ledger().plantDifference(emma, -2);
      await server.container.models.ledgerAccount.deleteOne({ _id: stranger });
    }
  });

  it('rewards: create 403/201, redeem, confirm by code once', async () => {
    expect(
      (
        await call('/api/rewards', {
          method: 'POST',
          as: 'sim-wang',
          body: { title: 'x', price: 1, stock: 1 },
        })
      ).status,
    ).toBe(403);
    const created = await call('/api/rewards', {
      method: 'POST',
      as: 'sim-chen',
      body: { title: 'Soap', price: 5, stock: 3 },
    });
    expect(created.status).toBe(201);
    const redeemed = await call(`/api/rewards/${created.json.id as string}/redeem`, {
      method: 'POST',
      as: 'sim-emma',
      body: { requestId: 'api-redeem-1' },
    });
    expect(redeemed.status).toBe(201);
    expect(redeemed.json.code).toMatch(/^\d{8}$/);
    const code = redeemed.json.code as string;
    expect(
      (await call('/api/rewards/redemptions/confirm', { method: 'POST', as: 'sim-emma', body: { code } }))
        .status,
    ).toBe(403);
    // sim-chen listed it as merchant of record (staff without a merchantId list for themselves).
    const confirmed = await call('/api/rewards/redemptions/confirm', {
      method: 'POST',
      as: 'sim-chen',
      body: { code },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.state).toBe('confirmed');
    expect(
      (await call('/api/rewards/redemptions/confirm', { method: 'POST', as: 'sim-chen', body: { code } }))
        .status,
    ).toBe(409);
  });
});

describe('#积分 in chat', () => {
  it('answers with balance, month and building rank', async () => {
    const client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
    const message = simulatorMessage('#积分', {
      groupId: 'sim-group-all',
      groupName: '',
      senderId: 'sim-emma',
      senderName: 'Emma Chen',
    });
    await client.postMessage(message);
    const entries = await deliverAll(client);
    const reply = replyText(entries.find((e) => e.replyTo === message.channelMessageId));
    expect(reply).toContain('Emma Chen');
    expect(reply).toMatch(/积分 \d+/);
    expect(reply).toContain('120');
  });
});
