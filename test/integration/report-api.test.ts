import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import type { ReportDetailView, ReportList, ReportStats, RoutingTable } from '../../shared/schemas/report.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/**
 * Reports on the demo community: 陈书记 is the secretary, 刘楼长 leads building 3, 王秀英 (3-2-501) and
 * 李建国 are residents. Groups: 3栋邻里群 (sim-group-b3), 灵山小区居民群 (sim-group-all).
 */

const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let server: TestServer;
let client: GatewayClient;
let communityId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  for (const p of ['sim-wang', 'sim-li', 'sim-liu', 'sim-chen', 'sim-admin'])
    ids[p] = (await server.container.repositories.residents.findByIdentity('simulator', p))!.id;
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
});

afterAll(async () => {
  await server?.close();
});

async function say(
  senderId: string,
  senderName: string,
  text: string,
  extra: Partial<Parameters<typeof simulatorMessage>[1]> = {},
) {
  const message = simulatorMessage(text, { senderId, senderName, ...extra });
  await client.postMessage(message);
  const entries = await deliverAll(client);
  return { reply: replyText(entries.find((e) => e.replyTo === message.channelMessageId)), entries };
}

const cookie = (residentId: string) =>
  `${SESSION_COOKIE}=${server.container.sessionCodec.encode(residentId).value}`;

async function call<T = unknown>(path: string, init: { method?: string; body?: unknown; as?: string } = {}) {
  const headers: Record<string, string> = { 'accept-language': 'en' };
  if (init.as) headers.cookie = cookie(ids[init.as] ?? init.as);
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const type = res.headers.get('content-type') ?? '';
  const raw = Buffer.from(await res.arrayBuffer());
  const json = type.includes('json') && raw.length ? (JSON.parse(raw.toString()) as T) : (null as T);
  return { status: res.status, json, raw, type };
}

const errorOf = (json: unknown) => (json as { error: { code: string; message: string } }).error;
const numberIn = (text: string) => /R\d+/.exec(text)?.[0] ?? '';

async function fileReport(text = '#报事 3栋电梯坏了，困人了') {
  const { reply } = await say('sim-wang', '王秀英', text);
  const number = numberIn(reply);
  expect(number).toMatch(/^R\d{4,}$/);
  return number;
}

describe('chat intake', () => {
  it('#报事 files a ticket with its number; a photo within two minutes attaches to it', async () => {
    const { reply } = await say('sim-wang', '王秀英', '#报事 3栋电梯坏了，困人了');
    expect(reply).toMatch(/^已收到报事，单号 R\d+（电梯，3/);
    const number = numberIn(reply);
    const photo = await say('sim-wang', '王秀英', '', {
      attachments: [{ kind: 'image', url: `data:image/png;base64,${PNG_1PX}` }],
    });
    expect(photo.reply).toBe(`照片已附到报事单 ${number}`);
    const detail = await call<ReportDetailView>(`/api/reports/${number}`, { as: 'sim-wang' });
    expect(detail.status).toBe(200);
    expect(detail.json.serviceType).toBe('elevator');
    expect(detail.json.photos).toHaveLength(1);
    const image = await call(detail.json.photos[0]!.url, { as: 'sim-wang' });
    expect([image.status, image.type]).toEqual([200, 'image/png']);
    expect(image.raw.equals(Buffer.from(PNG_1PX, 'base64'))).toBe(true);
    // Another resident may not see the photo.
    expect((await call(detail.json.photos[0]!.url, { as: 'sim-li' })).status).toBe(403);
  });

  it('a photo that is not an image is refused and nothing is stored', async () => {
    const number = await fileReport();
    const bad = await say('sim-wang', '王秀英', '', {
      attachments: [
        { kind: 'image', url: `data:image/png;base64,${Buffer.from('hello').toString('base64')}` },
      ],
    });
    expect(bad.reply).toContain('照片没有保存');
    const detail = await call<ReportDetailView>(`/api/reports/${number}`, { as: 'sim-wang' });
    expect(detail.json.photos).toHaveLength(0);
  });

  it('a photo from someone with no open report is ignored', async () => {
    const { entries } = await say('sim-li', '李建国', '', {
      attachments: [{ kind: 'image', url: `data:image/png;base64,${PNG_1PX}` }],
    });
    expect(entries).toHaveLength(0);
  });

  it('@bot text that reads like a report asks first; a yes files it', async () => {
    const ask = await say('sim-li', '李建国', '@社区小助手 5栋路灯不亮了', { mentionsBot: true });
    expect(ask.reply).toContain('这是要报事吗');
    const yes = await say('sim-li', '李建国', '@社区小助手 是', { mentionsBot: true });
    expect(yes.reply).toMatch(/^已收到报事，单号 R\d+（照明/);
    // A second yes has nothing to confirm and stays an ordinary opinion.
    const again = await say('sim-li', '李建国', '@社区小助手 是', { mentionsBot: true });
    expect(again.reply).not.toContain('报事');
  });

  it('#进度 answers the state and last note; an unknown number is named', async () => {
    const number = await fileReport();
    expect((await say('sim-wang', '王秀英', `#进度 ${number}`)).reply).toBe(
      `报事单 ${number}：已提交（物业公司）`,
    );
    expect((await say('sim-wang', '王秀英', '#进度 R999999')).reply).toBe('找不到报事单 R999999');
  });

  it('a description over 4,000 characters is refused and nothing is filed', async () => {
    const before = await call<ReportList>('/api/reports?limit=100', { as: 'sim-wang' });
    const { reply } = await say('sim-wang', '王秀英', `#报事 3栋${'漏'.repeat(4001)}`);
    expect(reply).toContain('最多 4000 字');
    const after = await call<ReportList>('/api/reports?limit=100', { as: 'sim-wang' });
    expect(after.json.items.length).toBe(before.json.items.length);
  });
});

describe('GET /api/reports', () => {
  it('401 without a session', async () => {
    expect((await call('/api/reports')).status).toBe(401);
  });

  it('400 on a bad filter', async () => {
    const res = await call('/api/reports?state=nope', { as: 'sim-chen' });
    expect([res.status, errorOf(res.json).code]).toEqual([400, 'validation_failed']);
  });

  it('200: a resident sees only their own; staff see their scope with filters', async () => {
    const number = await fileReport();
    const mine = await call<ReportList>('/api/reports', { as: 'sim-wang' });
    expect(mine.json.items.every((r) => r.mine)).toBe(true);
    expect(mine.json.items.map((r) => r.number)).toContain(number);
    const li = await call<ReportList>('/api/reports', { as: 'sim-li' });
    expect(li.json.items.map((r) => r.number)).not.toContain(number);
    const staff = await call<ReportList>('/api/reports?state=submitted&serviceType=elevator&limit=2', {
      as: 'sim-chen',
    });
    expect(staff.status).toBe(200);
    expect(staff.json.items).toHaveLength(2);
    expect(staff.json.items.every((r) => r.state === 'submitted' && r.serviceType === 'elevator')).toBe(true);
    const next = await call<ReportList>(
      `/api/reports?state=submitted&serviceType=elevator&limit=2&before=${staff.json.nextCursor}`,
      { as: 'sim-chen' },
    );
    expect(next.json.items[0]!.number < staff.json.items[1]!.number || next.json.items.length === 0).toBe(
      true,
    );
  });
});

describe('GET /api/reports/:number', () => {
  it('404 for an unknown number; 403 for another resident; phone masked only for staff', async () => {
    const number = await fileReport();
    const missing = await call('/api/reports/R9999999', { as: 'sim-wang' });
    expect(missing.status).toBe(404);
    expect((await call(`/api/reports/${number}`, { as: 'sim-li' })).status).toBe(403);
    const own = await call<ReportDetailView>(`/api/reports/${number}`, { as: 'sim-wang' });
    expect(own.json.reporter).toEqual({ name: '王秀英' });
    const staff = await call<ReportDetailView>(`/api/reports/${number}`, { as: 'sim-chen' });
    expect(staff.json.reporter.phone).toBe('138****5001');
    expect(staff.json.location.address).not.toBe('');
  });
});

describe('POST /api/reports/:number/transition and /assign', () => {
  it('401, 400, 403 and the full lifecycle, each change posted to the group', async () => {
    const number = await fileReport();
    const path = `/api/reports/${number}/transition`;
    expect((await call(path, { method: 'POST', body: { to: 'accepted' } })).status).toBe(401);
    expect((await call(path, { method: 'POST', as: 'sim-chen', body: { to: 'flying' } })).status).toBe(400);
    const resident = await call(path, { method: 'POST', as: 'sim-li', body: { to: 'accepted' } });
    expect([resident.status, errorOf(resident.json).code]).toEqual([403, 'not_yours']);
    const ownButStaffMove = await call(path, { method: 'POST', as: 'sim-wang', body: { to: 'accepted' } });
    expect(ownButStaffMove.status).toBe(400);
    const skip = await call(path, { method: 'POST', as: 'sim-chen', body: { to: 'confirmed' } });
    expect([skip.status, errorOf(skip.json).code]).toEqual([400, 'bad_transition']);

    const updates: string[] = [];
    const step = async (as: string, body: Record<string, unknown>, url = path) => {
      const res = await call<ReportDetailView>(url, { method: 'POST', as, body });
      expect(res.status).toBe(200);
      const sent = (await deliverAll(client)).filter((e) => e.id.startsWith(`report:${number.slice(1)}:`));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.groupId).toBe('sim-group-b3');
      expect(sent[0]!.mentions).toEqual(['sim-wang']);
      updates.push(replyText(sent[0]));
      return res.json;
    };
    await step('sim-chen', { to: 'accepted', note: '已联系物业' });
    const assigned = await step(
      'sim-chen',
      { party: 'propertyCompany', note: '请物业维修' },
      `/api/reports/${number}/assign`,
    );
    expect([assigned.state, assigned.party]).toEqual(['assigned', 'propertyCompany']);
    await step('sim-liu', { to: 'in_progress' });
    await step('sim-chen', { to: 'resolved', note: '已修好' });
    await step('sim-wang', { to: 'reopened', note: '又坏了' });
    await step('sim-chen', { to: 'resolved', note: '换了主板' });
    const confirmed = await step('sim-wang', { to: 'confirmed' });
    expect(confirmed.state).toBe('confirmed');
    expect(confirmed.history.map((h) => h.to)).toEqual([
      'submitted',
      'accepted',
      'assigned',
      'in_progress',
      'resolved',
      'reopened',
      'resolved',
      'confirmed',
    ]);
    expect(updates[0]).toBe(`【报事 ${number}】已受理：已联系物业`);
    expect(updates[3]).toBe(`【报事 ${number}】已解决：已修好`);
  });

  it('reject, duplicate and not_responsible need a reason; duplicate links the original', async () => {
    const original = await fileReport();
    const copy = await fileReport();
    const noReason = await call(`/api/reports/${copy}/transition`, {
      method: 'POST',
      as: 'sim-chen',
      body: { to: 'rejected' },
    });
    expect([noReason.status, errorOf(noReason.json).code]).toEqual([400, 'reason_required']);
    const dup = await call<ReportDetailView>(`/api/reports/${copy}/transition`, {
      method: 'POST',
      as: 'sim-chen',
      body: { to: 'duplicate', reason: '同一部电梯', duplicateOf: original },
    });
    expect([dup.status, dup.json.state, dup.json.duplicateOf]).toEqual([200, 'duplicate', original]);
    await deliverAll(client);
  });
});

describe('routing, SLA escalation and follow-up', () => {
  it('routes by the table, escalates an overdue ticket and lists it as overdue', async () => {
    const put = await call<RoutingTable>('/api/report-routing', {
      method: 'PUT',
      as: 'sim-chen',
      body: {
        rules: [{ serviceType: 'water', scope: communityId, party: 'propertyCompany' }],
        slaHours: { water: 1 },
      },
    });
    expect(put.status).toBe(200);
    expect((await call('/api/report-routing', { as: 'sim-wang' })).status).toBe(403);
    const parties = await call<{ items: { party: string }[] }>('/api/report-routing/parties', {
      as: 'sim-chen',
    });
    expect(parties.json.items.map((p) => p.party)).toContain('gridWorker');

    const { reply } = await say('sim-wang', '王秀英', '#报事 3栋地下室漏水');
    expect(reply).toContain('物业公司');
    const number = numberIn(reply);
    const fired = await server.container.reportScheduler.tick(new Date(Date.now() + 2 * 3_600_000));
    expect(fired).toBeGreaterThanOrEqual(1);
    const escalation = (await deliverAll(client)).find((e) => e.id.startsWith(`report:${number.slice(1)}:`));
    expect(replyText(escalation)).toBe(`【报事 ${number}】已超时，已升级给居委会`);
    const detail = await call<ReportDetailView>(`/api/reports/${number}`, { as: 'sim-chen' });
    expect(detail.json.party).toBe('residentsCommittee');
    // A second tick at the same time does nothing more: the timer was claimed once.
    await server.container.reportScheduler.tick(new Date(Date.now() + 2 * 3_600_000));
    expect(
      (await deliverAll(client)).filter((e) => e.id.startsWith(`report:${number.slice(1)}:`)),
    ).toHaveLength(0);
  });

  it('asks "is it fixed?" once, seven days after resolution', async () => {
    const number = await fileReport();
    for (const to of ['accepted', 'resolved'])
      await call(`/api/reports/${number}/transition`, { method: 'POST', as: 'sim-chen', body: { to } });
    await deliverAll(client);
    await server.container.reportScheduler.tick(new Date(Date.now() + 8 * 86_400_000));
    const asked = (await deliverAll(client)).filter((e) => e.id === `report:${number.slice(1)}:followup`);
    expect(replyText(asked[0])).toContain('问题解决了吗');
    await server.container.reportScheduler.tick(new Date(Date.now() + 9 * 86_400_000));
    expect(
      (await deliverAll(client)).filter((e) => e.id.includes(`${number.slice(1)}:followup`)),
    ).toHaveLength(0);
  });
});

describe('GET /api/reports/export.xlsx and /stats', () => {
  it('403 for a resident; staff get a workbook and the counts', async () => {
    await fileReport();
    expect((await call('/api/reports/export.xlsx', { as: 'sim-wang' })).status).toBe(403);
    const xlsx = await call('/api/reports/export.xlsx?serviceType=elevator', { as: 'sim-chen' });
    expect(xlsx.status).toBe(200);
    expect(xlsx.raw.subarray(0, 2).toString()).toBe('PK');
    const stats = await call<ReportStats>('/api/reports/stats', { as: 'sim-chen' });
    expect(stats.status).toBe(200);
    expect(stats.json.byCategory.find((c) => c.category === 'buildings')!.count).toBeGreaterThan(0);
    expect(stats.json.byWeek[0]!.week).toMatch(/^\d{4}-W\d{2}$/);
  });
});
