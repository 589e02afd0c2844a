import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, type ClaimedEntry } from '../../bot/runtime/gateway-client.js';
import type { AuditList } from '../../shared/schemas/audit.js';
import { bindingListSchema, bindingViewSchema, type BindingView } from '../../shared/schemas/binding.js';
import type { MeView } from '../../shared/schemas/resident.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';

/**
 * The binding endpoints on the demo community, with requests filed the way residents file them: a
 * `#绑定` message through the signed gateway. 刘楼长 leads building 3; 陈书记 is the secretary.
 */

let server: TestServer;
let client: GatewayClient;
let communityId: string;
let ids: Record<string, string>;
let call: ApiClient['call'];
/** Everything the outbox handed out so far, replies and outcome notices alike. */
const delivered: ClaimedEntry[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen', 'sim-admin']);
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
  ({ call } = apiClient(server, { ids, onBody: (text) => bodies.push(text) }));
});

afterAll(async () => {
  await server?.close();
});

/** Claims whatever the outbox holds, as a bot would, and reports it sent. */
async function collect(): Promise<ClaimedEntry[]> {
  const entries = await deliverAll(client);
  delivered.push(...entries);
  return entries;
}

async function say(senderId: string, senderName: string, text: string, groupId: string): Promise<string> {
  const message = simulatorMessage(text, { groupId, groupName: '', senderId, senderName });
  await client.postMessage(message);
  const entries = await collect();
  return replyText(entries.find((e) => e.replyTo === message.channelMessageId));
}

/** A newcomer asks to be bound from a group; returns the request's id and number. */
async function fileRequest(address: string, groupId = 'sim-group-b3', name = '赵新来') {
  const senderId = `newcomer-${randomUUID().slice(0, 8)}`;
  const reply = await say(senderId, name, `#绑定 ${address}`, groupId);
  const number = Number(/B(\d+)/.exec(reply)?.[1]);
  expect(number).toBeGreaterThan(0);
  const request = await server.container.repositories.bindings.findByNumber(communityId, number);
  return { id: request!.id, number, senderId, reply };
}

const approve = (id: string, as?: string, language?: string) =>
  call(`/api/bindings/${id}/approve`, { method: 'POST', as, language });
const reject = (id: string, body: unknown, as?: string, language?: string) =>
  call(`/api/bindings/${id}/reject`, { method: 'POST', as, body, language });

const auditOf = async (requestId: string) => {
  const res = await call('/api/audit?limit=200', { as: 'sim-admin' });
  return (res.json as AuditList).items.filter((i) => i.target.id === requestId);
};

describe('GET /api/bindings', () => {
  let inBuilding3: Awaited<ReturnType<typeof fileRequest>>;
  let inBuilding5: Awaited<ReturnType<typeof fileRequest>>;

  beforeAll(async () => {
    inBuilding3 = await fileRequest('3-2-501');
    inBuilding5 = await fileRequest('5-2-802', 'sim-group-all', '钱多多');
  });

  it('401 without a session', async () => {
    expect((await call('/api/bindings?status=pending')).status).toBe(401);
  });

  it('400 for an unknown status, naming the field', async () => {
    const res = await call('/api/bindings?status=done', { as: 'sim-chen' });
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toMatchObject({ code: 'validation_failed' });
    expect(errorOf(res.json).message).toContain('status');
  });

  it('403 for a resident who may decide nothing, translated', async () => {
    const res = await call('/api/bindings?status=pending', { as: 'sim-wang' });
    expect(res.status).toBe(403);
    expect(errorOf(res.json)).toEqual({ code: 'forbidden', message: '您没有权限审批绑定申请' });
  });

  it('200: the building lead sees the requests of building 3 only, the secretary all of them', async () => {
    const lead = await call('/api/bindings?status=pending', { as: 'sim-liu' });
    expect(lead.status).toBe(200);
    const leadList = bindingListSchema.parse(lead.json);
    expect(leadList.items.map((i) => i.id)).toContain(inBuilding3.id);
    expect(leadList.items.map((i) => i.id)).not.toContain(inBuilding5.id);
    expect(leadList.items.find((i) => i.id === inBuilding3.id)).toEqual({
      id: inBuilding3.id,
      number: `B${inBuilding3.number}`,
      status: 'pending',
      address: '3-2-501',
      requesterName: '赵**',
      platform: 'simulator',
      createdAt: expect.any(String),
    });

    const secretary = bindingListSchema.parse((await call('/api/bindings', { as: 'sim-chen' })).json);
    expect(secretary.items.map((i) => i.id)).toEqual(
      expect.arrayContaining([inBuilding3.id, inBuilding5.id]),
    );
    expect(JSON.stringify(secretary)).not.toContain('newcomer-');
    expect(JSON.stringify(secretary)).not.toContain('钱多多');
  });
});

describe('POST /api/bindings/:id/approve', () => {
  it('401 without a session', async () => {
    const { id } = await fileRequest('3-2-501');
    expect((await approve(id)).status).toBe(401);
  });

  it('400 for a malformed id', async () => {
    const res = await approve('123', 'sim-chen', 'en');
    expect(res.status).toBe(400);
    expect(errorOf(res.json).message).toContain('id');
  });

  it('403 for a resident, and for the lead of building 3 on a request in building 5; 404 for an unknown id', async () => {
    const { id } = await fileRequest('5-2-802', 'sim-group-all');
    expect((await approve(id, 'sim-wang')).status).toBe(403);
    const lead = await approve(id, 'sim-liu', 'en');
    expect(lead.status).toBe(403);
    expect(errorOf(lead.json)).toEqual({
      code: 'forbidden',
      message: 'You are not allowed to decide binding requests',
    });
    expect((await server.container.repositories.bindings.findById(id))!.status).toBe('pending');

    const missing = await approve('f'.repeat(24), 'sim-chen', 'en');
    expect(missing.status).toBe(404);
    expect(errorOf(missing.json)).toEqual({
      code: 'not_found',
      message: 'The binding request was not found',
    });
  });

  it('200: the lead approves; the newcomer is a resident of the household, told in the group, and it is audited', async () => {
    const request = await fileRequest('3-2-501');
    const res = await approve(request.id, 'sim-liu');
    expect(res.status).toBe(200);
    expect(bindingViewSchema.parse(res.json)).toMatchObject({
      id: request.id,
      status: 'approved',
      decidedBy: '刘楼长',
      address: '3-2-501',
    });

    const newcomer = await server.container.repositories.residents.findByIdentity(
      'simulator',
      request.senderId,
    );
    expect(newcomer).toMatchObject({ name: '赵新来', relation: 'family' });
    const me = await call('/api/me', { as: newcomer!.id });
    expect(me.status).toBe(200);
    expect((me.json as MeView).resident.household).toMatchObject({ address: '3-2-501', relation: 'family' });
    expect((me.json as MeView).platforms).toEqual([expect.objectContaining({ channel: 'simulator' })]);

    await collect();
    const told = delivered.filter((e) => e.id === `binding:${request.id}:decided`);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ groupId: 'sim-group-b3', mentions: [request.senderId], replyTo: null });
    expect(replyText(told[0])).toBe(`您的绑定申请 B${request.number} 已通过，已绑定到 3-2-501`);

    const audit = await auditOf(request.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'binding.approve',
        actor: { id: ids['sim-liu'], name: '刘楼长' },
        before: expect.objectContaining({ status: 'pending', residentId: null }),
        after: expect.objectContaining({ status: 'approved', residentId: newcomer!.id }),
      }),
    ]);
  });

  it('200 for every one of several approvals at once, and the binding happens once', async () => {
    const request = await fileRequest('3-1-203');
    const household = (await server.container.repositories.bindings.findById(request.id))!.householdId;
    const before = await server.container.repositories.residents.listByHousehold(household);

    const results = await Promise.all(
      ['sim-liu', 'sim-chen', 'sim-liu', 'sim-chen', 'sim-admin', 'sim-liu'].map((as) =>
        approve(request.id, as),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const r of results) expect((r.json as BindingView).status).toBe('approved');

    const after = await server.container.repositories.residents.listByHousehold(household);
    expect(after).toHaveLength(before.length + 1);
    expect(await server.container.models.identity.countDocuments({ platformId: request.senderId })).toBe(1);
    expect(await auditOf(request.id)).toHaveLength(1);
    await collect();
    expect(delivered.filter((e) => e.id === `binding:${request.id}:decided`)).toHaveLength(1);
  });

  it('an approval racing a rejection: one wins, the other is told it was already decided', async () => {
    const request = await fileRequest('3-2-501');
    const [a, r] = await Promise.all([
      approve(request.id, 'sim-liu'),
      reject(request.id, { reason: '重复申请' }, 'sim-chen'),
    ]);
    expect([a.status, r.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : r;
    expect(errorOf(loser.json).code).toBe('binding_already_decided');
    expect(await auditOf(request.id)).toHaveLength(1);
  });
});

describe('POST /api/bindings/:id/reject', () => {
  it('401 without a session', async () => {
    const { id } = await fileRequest('3-2-501');
    expect((await reject(id, { reason: 'x' })).status).toBe(401);
  });

  it('400 for a reason that is too long or not text', async () => {
    const { id } = await fileRequest('3-2-501');
    const long = await reject(id, { reason: '字'.repeat(201) }, 'sim-chen');
    expect(long.status).toBe(400);
    expect(errorOf(long.json).message).toContain('reason');
    expect((await reject(id, { reason: 42 }, 'sim-chen')).status).toBe(400);
    expect((await server.container.repositories.bindings.findById(id))!.status).toBe('pending');
  });

  it('403 for a resident', async () => {
    const { id } = await fileRequest('3-2-501');
    expect((await reject(id, { reason: '不认识' }, 'sim-wang')).status).toBe(403);
  });

  it('200: the secretary rejects with a reason, told in the group language; approving it afterwards is a 409', async () => {
    const request = await fileRequest('5-2-802', 'sim-group-intl', 'Tom Li');
    expect(request.reply).toBe(
      `Binding request B${request.number} for 5-2-802 sent; a building lead or the secretary will confirm it`,
    );
    const res = await reject(request.id, { reason: '  No such tenant on file  ' }, 'sim-chen');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'rejected',
      reason: 'No such tenant on file',
      decidedBy: '陈书记',
    });
    expect(
      await server.container.repositories.residents.findByIdentity('simulator', request.senderId),
    ).toBeNull();

    await collect();
    const told = delivered.find((e) => e.id === `binding:${request.id}:decided`);
    expect(told).toMatchObject({ groupId: 'sim-group-intl', mentions: [request.senderId] });
    expect(replyText(told)).toBe(
      `Your binding request B${request.number} for 5-2-802 was not approved: No such tenant on file`,
    );

    const late = await approve(request.id, 'sim-admin', 'en');
    expect(late.status).toBe(409);
    expect(errorOf(late.json)).toEqual({
      code: 'binding_already_decided',
      message: 'This binding request was already decided by 陈书记: rejected',
    });
    expect((await reject(request.id, {}, 'sim-chen')).status).toBe(200);
  });
});

describe('privacy', () => {
  it('no response above carried a platform id or a full phone number', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      expect(body).not.toMatch(/newcomer-/);
      expect(body).not.toMatch(/1[3-9]\d{9}/);
    }
  });
});
