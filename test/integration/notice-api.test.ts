import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import type { NoticeAckReport, NoticeList, NoticePublicView } from '../../shared/schemas/notice.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import type { HistoryView } from '../../shared/schemas/points.js';

/**
 * Notices on the demo community: 陈书记 is the secretary, 刘楼长 leads building 3, 王秀英 lives at
 * 3-2-501. Seeded groups: 灵山小区居民群 (community), 3栋邻里群 (building 3), Lingshan International (en).
 */

let server: TestServer;
let client: GatewayClient;
let communityId: string;
let call: ApiClient['call'];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  const ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen']);
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
  ({ call } = apiClient(server, { ids, language: 'en' }));
});

afterAll(async () => {
  await server?.close();
});

const collect = () => deliverAll(client);

async function say(senderId: string, senderName: string, text: string, groupId: string) {
  const message = simulatorMessage(text, { groupId, groupName: '', senderId, senderName });
  await client.postMessage(message);
  const entries = await collect();
  return { reply: replyText(entries.find((e) => e.replyTo === message.channelMessageId)), entries };
}

const building3 = () => `${communityId}/lingshan-garden/3`;

async function sendNotice(body: Record<string, unknown>) {
  const res = await call('/api/notices', { method: 'POST', as: 'sim-chen', body });
  expect(res.status).toBe(201);
  const sent = res.json as { id: string; number: string; code: string; groups: number };
  return { ...sent, entries: await collect() };
}

describe('chat: #通知 and #收到', () => {
  it('a secretary broadcasts to every group in its language; a bound resident acks once', async () => {
    const { reply, entries } = await say('sim-chen', '陈书记', '#通知 全部 周六消防演练', 'sim-group-all');
    expect(reply).toMatch(/^通知 N\d+ 已发往 3 个群$/);
    const notices = entries.filter((e) => e.id.startsWith('notice:'));
    expect(notices.map((e) => e.groupId).sort()).toEqual(['sim-group-all', 'sim-group-b3', 'sim-group-intl']);
    const intl = notices.find((e) => e.groupId === 'sim-group-intl');
    expect(replyText(intl)).toMatch(/^\[Notice N\d+\] 周六消防演练\nReply #ack/);
    expect(replyText(notices.find((e) => e.groupId === 'sim-group-b3'))).toMatch(
      /^【社区通知 N\d+】周六消防演练/,
    );
    expect(replyText(intl)).toMatch(/\/app\/#\/n\/[A-Za-z0-9_-]{12}$/);

    const first = await say('sim-wang', '王秀英', '#收到', 'sim-group-b3');
    expect(first.reply).toMatch(/^已确认收到通知 N\d+/);
    const again = await say('sim-wang', '王秀英', '1', 'sim-group-b3');
    expect(again.reply).toMatch(/已经确认过/);
    const number = Number(/N(\d+)/.exec(reply)![1]);
    const notice = (await server.container.repositories.notices.listByCommunity(communityId)).find(
      (n) => n.number === number,
    )!;
    expect(await server.container.repositories.notices.listAcks(notice.id)).toHaveLength(1);
  });

  it('a resident may not send notices; an unbound member is told to bind', async () => {
    const { reply, entries } = await say('sim-wang', '王秀英', '#通知 全部 测试', 'sim-group-all');
    expect(reply).toContain('您没有权限');
    expect(entries.filter((e) => e.id.startsWith('notice:'))).toHaveLength(0);
    const stranger = await say('stranger-1', '路人', '#收到', 'sim-group-all');
    expect(stranger.reply).toContain('#绑定');
  });

  it('a building lead sends to their building by its name', async () => {
    const { reply, entries } = await say('sim-liu', '刘楼长', '#通知 3栋 停水通知', 'sim-group-b3');
    expect(reply).toMatch(/已发往 1 个群/);
    expect(entries.filter((e) => e.id.startsWith('notice:')).map((e) => e.groupId)).toEqual(['sim-group-b3']);
  });
});

describe('POST /api/notices', () => {
  it('401 without a session', async () => {
    const res = await call('/api/notices', { method: 'POST', body: { scope: communityId, text: 'x' } });
    expect(res.status).toBe(401);
  });

  it('400 on an empty or too long text', async () => {
    for (const text of ['', 'x'.repeat(1001)]) {
      const res = await call('/api/notices', {
        method: 'POST',
        as: 'sim-chen',
        body: { scope: communityId, text },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res.json).code).toBe('validation_failed');
    }
  });

  it('403 for a resident, and for a building lead outside their building, translated', async () => {
    const resident = await call('/api/notices', {
      method: 'POST',
      as: 'sim-wang',
      body: { scope: communityId, text: 'x' },
    });
    expect(resident.status).toBe(403);
    expect(errorOf(resident.json).message).toMatch(/not allowed|permission/i);
    const lead = await call('/api/notices', {
      method: 'POST',
      as: 'sim-liu',
      body: { scope: communityId, text: 'x' },
    });
    expect(lead.status).toBe(403);
  });

  it('201 sends each group its translation, with the short link', async () => {
    const sent = await sendNotice({
      scope: communityId,
      text: '周日停电',
      translations: { en: 'Power cut on Sunday' },
    });
    expect(sent.groups).toBe(3);
    const byGroup = new Map(sent.entries.map((e) => [e.groupId, replyText(e)]));
    expect(byGroup.get('sim-group-intl')).toContain('Power cut on Sunday');
    expect(byGroup.get('sim-group-all')).toContain('周日停电');
    expect(byGroup.get('sim-group-all')).toContain(`${server.url}/app/#/n/${sent.code}`);
  });
});

describe('GET /api/notices', () => {
  it('401 without a session', async () => {
    expect((await call('/api/notices')).status).toBe(401);
  });

  it('403 for a resident', async () => {
    expect((await call('/api/notices', { as: 'sim-wang' })).status).toBe(403);
  });

  it('200 lists notices with delivery progress per group', async () => {
    const sent = await sendNotice({ scope: building3(), text: '电梯检修' });
    const res = await call('/api/notices', { as: 'sim-chen' });
    expect(res.status).toBe(200);
    const item = (res.json as NoticeList).items.find((n) => n.id === sent.id)!;
    expect(item.progress).toEqual({ queued: 0, sent: 1, failed: 0 });
    expect(item.groups).toEqual([expect.objectContaining({ name: '3栋邻里群', state: 'sent' })]);
    // The building lead sees notices of building 3 but not the community-wide ones.
    const lead = (await call('/api/notices', { as: 'sim-liu' })).json as NoticeList;
    expect(lead.items.every((n) => n.scope.startsWith(building3()))).toBe(true);
  });
});

describe('POST /api/notices/:code/ack and GET /api/notices/by-code/:code', () => {
  it('401 without a session', async () => {
    expect((await call('/api/notices/abcdefghijkl/ack', { method: 'POST' })).status).toBe(401);
    expect((await call('/api/notices/by-code/abcdefghijkl')).status).toBe(401);
  });

  it('400 on a malformed code, 404 on an unknown one', async () => {
    expect((await call('/api/notices/x/ack', { method: 'POST', as: 'sim-wang' })).status).toBe(400);
    const missing = await call('/api/notices/abcdefghijkl/ack', { method: 'POST', as: 'sim-wang' });
    expect(missing.status).toBe(404);
    expect(errorOf(missing.json).message).toBe('The notice was not found');
  });

  it('403 for someone without a household', async () => {
    const sent = await sendNotice({ scope: communityId, text: '垃圾分类' });
    const res = await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-chen' });
    expect(res.status).toBe(403);
    expect(errorOf(res.json).code).toBe('no_household');
  });

  it('200 acknowledges once per household and shows on the page', async () => {
    const sent = await sendNotice({ scope: communityId, text: '疫苗接种' });
    const before = await call(`/api/notices/by-code/${sent.code}`, { as: 'sim-wang' });
    expect(before.json).toMatchObject({ text: '疫苗接种', acknowledged: false, number: sent.number });
    const first = await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-wang' });
    expect(first).toEqual({ status: 200, json: { acknowledged: true, duplicate: false } });
    const second = await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-wang' });
    expect(second.json).toEqual({ acknowledged: true, duplicate: true });
    const after = (await call(`/api/notices/by-code/${sent.code}`, { as: 'sim-wang' }))
      .json as NoticePublicView;
    expect(after.acknowledged).toBe(true);
    // The household's acknowledgement earns the noticeAck rule's points once, not per tap.
    const history = (await call('/api/points/history', { as: 'sim-wang' })).json as HistoryView;
    const credits = history.items.filter((e) => e.rule === 'noticeAck' && e.memo?.includes('疫苗接种'));
    expect(credits).toHaveLength(1);
    expect(credits[0]!.amount).toBeGreaterThan(0);
  });
});

describe('GET /api/notices/:id/acks and POST /api/notices/:id/follow-up', () => {
  it('401 without a session', async () => {
    expect((await call(`/api/notices/${'0'.repeat(24)}/acks`)).status).toBe(401);
    expect((await call(`/api/notices/${'0'.repeat(24)}/follow-up`, { method: 'POST' })).status).toBe(401);
  });

  it('400 on a malformed id, 404 on an unknown one', async () => {
    expect((await call('/api/notices/nope/acks', { as: 'sim-chen' })).status).toBe(400);
    expect((await call(`/api/notices/${'0'.repeat(24)}/acks`, { as: 'sim-chen' })).status).toBe(404);
  });

  it('403 for a resident', async () => {
    const sent = await sendNotice({ scope: communityId, text: '开会' });
    expect((await call(`/api/notices/${sent.id}/acks`, { as: 'sim-wang' })).status).toBe(403);
    expect((await call(`/api/notices/${sent.id}/follow-up`, { method: 'POST', as: 'sim-wang' })).status).toBe(
      403,
    );
  });

  it('200 reports read households per group and follows up the unread once', async () => {
    const sent = await sendNotice({ scope: building3(), text: '楼道清理' });
    await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-wang' });
    const report = (await call(`/api/notices/${sent.id}/acks`, { as: 'sim-chen' })).json as NoticeAckReport;
    // Building 3 has two seeded households: 3-2-501 (王秀英, read) and 3-1-203 (刘楼长, unread).
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]!.households).toEqual(
      expect.arrayContaining([
        { id: expect.any(String), address: '3-2-501', read: true },
        { id: expect.any(String), address: '3-1-203', read: false },
      ]),
    );
    expect([report.read, report.unread]).toEqual([1, 1]);

    const first = await call(`/api/notices/${sent.id}/follow-up`, { method: 'POST', as: 'sim-chen' });
    expect(first.json).toEqual({ groups: 1, duplicate: false });
    const followUps = (await collect()).filter((e) => e.id.includes(':followup:'));
    expect(followUps.map((e) => e.groupId)).toEqual(['sim-group-b3']);
    const second = await call(`/api/notices/${sent.id}/follow-up`, { method: 'POST', as: 'sim-chen' });
    expect(second.json).toEqual({ groups: 0, duplicate: true });
    expect((await collect()).filter((e) => e.id.includes(':followup:'))).toHaveLength(0);
  });
});
