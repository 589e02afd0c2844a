import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import type {
  NoticeDetail,
  NoticeList,
  NoticePreview,
  NoticeTargets,
  ScheduledNoticeList,
  ScheduledNoticeView,
} from '../../shared/schemas/notice.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { deliverAll } from '../support/chat.js';
import { eventually, startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/**
 * The staff pages' endpoints on the demo community: 陈书记 (secretary), 刘楼长 (lead of building 3),
 * 王秀英 (resident of 3-2-501). Groups: 灵山小区居民群, 3栋邻里群, Lingshan International (en).
 */

let server: TestServer;
let client: GatewayClient;
let communityId: string;
let ids: Record<string, string>;
let call: ApiClient['call'];
let raw: ApiClient['raw'];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen']);
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
  ({ call, raw } = apiClient(server, { ids, language: 'en' }));
  // The scheduler is ticked by hand below, with clocks of the test's choosing.
  await server.container.scheduler.stop();
});

afterAll(async () => {
  await server?.close();
});

const building3 = () => `${communityId}/lingshan-garden/3`;
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function sendNotice(body: Record<string, unknown>) {
  const res = await call('/api/notices', { method: 'POST', as: 'sim-chen', body });
  expect(res.status).toBe(201);
  return res.json as { id: string; number: string; code: string; groups: number };
}

describe('GET /api/notices/targets', () => {
  it('401 without a session', async () => {
    expect((await call('/api/notices/targets')).status).toBe(401);
  });

  it('403 for a resident', async () => {
    expect((await call('/api/notices/targets', { as: 'sim-wang' })).status).toBe(403);
  });

  it('200: the secretary picks from the community, its buildings and groups; a lead from their building', async () => {
    const res = await call('/api/notices/targets', { as: 'sim-chen' });
    expect(res.status).toBe(200);
    const targets = res.json as NoticeTargets;
    expect(targets.scopes[0]).toMatchObject({ id: communityId, kind: 'community' });
    expect(targets.scopes.map((s) => s.id)).toContain(building3());
    expect(targets.groups.map((g) => g.name).sort()).toEqual(
      ['3栋邻里群', 'Lingshan International', '灵山小区居民群'].sort(),
    );
    const lead = (await call('/api/notices/targets', { as: 'sim-liu' })).json as NoticeTargets;
    expect(lead.scopes.map((s) => s.id)).toEqual([building3()]);
    expect(lead.groups.map((g) => g.name)).toEqual(['3栋邻里群']);
  });
});

describe('POST /api/notices/preview', () => {
  it('401 without a session', async () => {
    const res = await call('/api/notices/preview', {
      method: 'POST',
      body: { scope: communityId, text: 'x' },
    });
    expect(res.status).toBe(401);
  });

  it('400 on an empty text or a malformed scope', async () => {
    for (const body of [
      { scope: communityId, text: '' },
      { scope: 'nope', text: 'x' },
    ]) {
      const res = await call('/api/notices/preview', { method: 'POST', as: 'sim-chen', body });
      expect(res.status).toBe(400);
    }
  });

  it('403 for a resident, and for a lead outside their building', async () => {
    const body = { scope: communityId, text: 'x' };
    expect((await call('/api/notices/preview', { method: 'POST', as: 'sim-wang', body })).status).toBe(403);
    expect((await call('/api/notices/preview', { method: 'POST', as: 'sim-liu', body })).status).toBe(403);
  });

  it('200 renders each platform per language with the short link; WeCom cuts what its robot would', async () => {
    const res = await call('/api/notices/preview', {
      method: 'POST',
      as: 'sim-chen',
      body: { scope: communityId, text: '周六消防演练', translations: { en: 'Fire drill on Saturday' } },
    });
    expect(res.status).toBe(200);
    const preview = res.json as NoticePreview;
    expect(preview.groups).toHaveLength(3);
    expect(preview.items.map((i) => `${i.language}:${i.platform}`)).toEqual([
      'zh-CN:wechat',
      'zh-CN:wecom',
      'zh-CN:dingtalk',
      'en:wechat',
      'en:wecom',
      'en:dingtalk',
    ]);
    const zhWechat = preview.items.find((i) => i.language === 'zh-CN' && i.platform === 'wechat')!;
    expect(zhWechat).toMatchObject({ format: 'text', groups: 2, truncated: false });
    expect(zhWechat.body).toMatch(/^【社区通知 N…】周六消防演练\n/);
    expect(zhWechat.body).toContain(`${server.url}/app/#/n/`);
    const en = preview.items.find((i) => i.language === 'en' && i.platform === 'dingtalk')!;
    expect(en.body).toContain('Fire drill on Saturday');
    expect(en.groups).toBe(0);

    const long = (
      await call('/api/notices/preview', {
        method: 'POST',
        as: 'sim-chen',
        body: { scope: building3(), text: '长'.repeat(1000) },
      })
    ).json as NoticePreview;
    const wecom = long.items.find((i) => i.platform === 'wecom')!;
    expect(wecom.truncated).toBe(true);
    expect(Buffer.byteLength(wecom.body)).toBeLessThanOrEqual(2048);
    expect(long.items.find((i) => i.platform === 'wechat')!.truncated).toBe(false);
  });
});

describe('GET /api/notices: delivery progress follows the outbox', () => {
  it('queued, then sent or failed per group as the delivery worker reports', async () => {
    await deliverAll(client);
    const sent = await sendNotice({ scope: communityId, text: `进度 ${randomUUID()}` });
    const progressOf = async () =>
      ((await call('/api/notices', { as: 'sim-chen' })).json as NoticeList).items.find(
        (n) => n.id === sent.id,
      )!;
    const before = await eventually(async () => {
      const item = await progressOf();
      return item.progress.queued === 3 ? item : null;
    });
    expect(before.groups.every((g) => g.state === 'queued')).toBe(true);

    const claimed = await client.claim('simulator', 'simulator', { max: 50, waitMs: 0 });
    const mine = claimed.filter((e) => e.id.startsWith(`notice:${sent.id}:`));
    expect(mine).toHaveLength(3);
    const failing = mine.find((e) => e.groupId === 'sim-group-intl')!;
    await client.report(
      claimed.map((e) =>
        e === failing
          ? { id: e.id, claimToken: e.claimToken, ok: false, error: 'kicked out', retryable: false }
          : { id: e.id, claimToken: e.claimToken, ok: true },
      ),
    );
    const after = await progressOf();
    expect(after.progress).toEqual({ queued: 0, sent: 2, failed: 1 });
    expect(after.groups.find((g) => g.name === 'Lingshan International')!.state).toBe('failed');
    expect(after.groups.find((g) => g.name === '3栋邻里群')!.state).toBe('sent');
  });
});

describe('GET /api/notices/:id', () => {
  it('401 without a session', async () => {
    expect((await call(`/api/notices/${'0'.repeat(24)}`)).status).toBe(401);
  });

  it('400 on a malformed id, 404 on an unknown one', async () => {
    expect((await call('/api/notices/zz', { as: 'sim-chen' })).status).toBe(400);
    expect((await call(`/api/notices/${'0'.repeat(24)}`, { as: 'sim-chen' })).status).toBe(404);
  });

  it('403 for a resident, and for a lead on a community-wide notice', async () => {
    const sent = await sendNotice({ scope: communityId, text: '居委会开放日' });
    const resident = await call(`/api/notices/${sent.id}`, { as: 'sim-wang' });
    expect(resident.status).toBe(403);
    expect(errorOf(resident.json).message).toContain('see notices and who has read them');
    expect((await call(`/api/notices/${sent.id}`, { as: 'sim-liu' })).status).toBe(403);
  });

  it('200 shows delivery and who acknowledged, when, by name', async () => {
    const sent = await sendNotice({ scope: building3(), text: '楼顶防水施工' });
    await deliverAll(client);
    await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-wang' });
    const res = await call(`/api/notices/${sent.id}`, { as: 'sim-liu' });
    expect(res.status).toBe(200);
    const detail = res.json as NoticeDetail;
    expect(detail.notice).toMatchObject({ number: sent.number, text: '楼顶防水施工' });
    expect(detail.notice.progress.sent).toBe(1);
    expect(detail.report).toMatchObject({ read: 1, unread: 1 });
    const rows = detail.report.groups[0]!.households;
    expect(rows.find((h) => h.address === '3-2-501')).toMatchObject({ read: true, by: '王秀英' });
    expect(Date.now() - Date.parse(rows.find((h) => h.read)!.at!)).toBeLessThan(60_000);
    expect(rows.find((h) => h.address === '3-1-203')).toMatchObject({ read: false, at: null, by: null });
  });

  it('200 counts each household once in the totals, though several groups list it', async () => {
    const sent = await sendNotice({ scope: communityId, text: '全体住户大会' });
    await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-wang' });
    const { report } = (await call(`/api/notices/${sent.id}`, { as: 'sim-chen' })).json as NoticeDetail;
    expect(report.groups).toHaveLength(3);
    // 3-2-501 is in the community group, 3栋邻里群 and the international group: one household, read.
    expect(report.groups.map((g) => g.read)).toEqual([1, 1, 1]);
    const households = new Set(report.groups.flatMap((g) => g.households.map((h) => h.id)));
    expect(report).toMatchObject({ read: 1, unread: households.size - 1 });
    expect(households.size).toBeGreaterThan(2);
  });
});

describe('GET /api/notices/:id/export.xlsx', () => {
  it('401 without a session, 403 for a resident', async () => {
    expect((await call(`/api/notices/${'0'.repeat(24)}/export.xlsx`)).status).toBe(401);
    const sent = await sendNotice({ scope: building3(), text: '导出测试' });
    expect((await call(`/api/notices/${sent.id}/export.xlsx`, { as: 'sim-wang' })).status).toBe(403);
  });

  it('200: one sheet, a row per group and household, with a Chinese file name', async () => {
    const sent = await sendNotice({ scope: building3(), text: '电梯年检' });
    await call(`/api/notices/${sent.code}/ack`, { method: 'POST', as: 'sim-wang' });
    const res = await raw(`/api/notices/${sent.id}/export.xlsx`, { as: 'sim-chen', language: 'zh-CN' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const disposition = res.headers.get('content-disposition')!;
    expect(disposition).toContain(`filename="notice-${sent.number}-acks.xlsx"`);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!)).toBe(
      `通知${sent.number}确认情况.xlsx`,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(workbook.worksheets.map((w) => w.name)).toEqual([`通知${sent.number}`]);
    const rows = workbook.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
    expect(rows[0]!.slice(1)).toEqual(['群', '住户地址', '已确认', '确认时间', '确认人']);
    const body = rows.slice(1).map((r) => r.slice(1));
    expect(body).toHaveLength(2);
    const wang = body.find((r) => r[1] === '3-2-501')!;
    expect(wang[0]).toBe('3栋邻里群');
    expect(wang[2]).toBe('是');
    expect(wang[3]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(wang[4]).toBe('王秀英');
    expect(body.find((r) => r[1] === '3-1-203')!.slice(2)).toEqual(['否']);
  });
});

describe('POST /api/notices/scheduled, GET /api/notices/scheduled', () => {
  it('401 without a session', async () => {
    const res = await call('/api/notices/scheduled', {
      method: 'POST',
      body: { scope: communityId, text: 'x', sendAt: inAnHour() },
    });
    expect(res.status).toBe(401);
    expect((await call('/api/notices/scheduled')).status).toBe(401);
  });

  it('400 without a time, with a past one, or one too far ahead', async () => {
    const post = (body: Record<string, unknown>) =>
      call('/api/notices/scheduled', {
        method: 'POST',
        as: 'sim-chen',
        body: { scope: communityId, text: 'x', ...body },
      });
    expect((await post({})).status).toBe(400);
    const past = await post({ sendAt: new Date(Date.now() - 60_000).toISOString() });
    expect([past.status, errorOf(past.json).code]).toEqual([400, 'send_at_past']);
    const far = await post({ sendAt: new Date(Date.now() + 400 * 86_400_000).toISOString() });
    expect([far.status, errorOf(far.json).code]).toEqual([400, 'send_at_too_far']);
  });

  it('403 for a resident', async () => {
    const res = await call('/api/notices/scheduled', {
      method: 'POST',
      as: 'sim-wang',
      body: { scope: communityId, text: 'x', sendAt: inAnHour() },
    });
    expect(res.status).toBe(403);
    expect((await call('/api/notices/scheduled', { as: 'sim-wang' })).status).toBe(403);
  });

  it('201 stores it for later; it is listed and nothing is sent yet', async () => {
    const token = randomUUID();
    const res = await call('/api/notices/scheduled', {
      method: 'POST',
      as: 'sim-chen',
      body: { scope: communityId, text: `预约 ${token}`, sendAt: inAnHour() },
    });
    expect(res.status).toBe(201);
    const view = res.json as ScheduledNoticeView;
    expect(view).toMatchObject({ status: 'scheduled', groups: 3, noticeId: null });
    const list = (await call('/api/notices/scheduled', { as: 'sim-chen' })).json as ScheduledNoticeList;
    expect(list.items.find((i) => i.id === view.id)).toMatchObject({ status: 'scheduled' });
    expect(await server.container.models.outbox.countDocuments({ 'content.text': { $regex: token } })).toBe(
      0,
    );
  });
});

describe('DELETE /api/notices/scheduled/:id', () => {
  async function schedule(text: string, sendAt = inAnHour()) {
    const res = await call('/api/notices/scheduled', {
      method: 'POST',
      as: 'sim-chen',
      body: { scope: communityId, text, sendAt },
    });
    expect(res.status).toBe(201);
    return res.json as ScheduledNoticeView;
  }

  it('401 without a session, 400 on a malformed id, 404 on an unknown one', async () => {
    expect((await call(`/api/notices/scheduled/${'0'.repeat(24)}`, { method: 'DELETE' })).status).toBe(401);
    expect((await call('/api/notices/scheduled/x', { method: 'DELETE', as: 'sim-chen' })).status).toBe(400);
    expect(
      (await call(`/api/notices/scheduled/${'0'.repeat(24)}`, { method: 'DELETE', as: 'sim-chen' })).status,
    ).toBe(404);
  });

  it('403 for a resident', async () => {
    const s = await schedule('取消测试');
    expect((await call(`/api/notices/scheduled/${s.id}`, { method: 'DELETE', as: 'sim-wang' })).status).toBe(
      403,
    );
  });

  it('204 cancels once: a cancelled notice never fires, a second cancel is 409', async () => {
    const token = randomUUID();
    const s = await schedule(`取消 ${token}`);
    expect((await call(`/api/notices/scheduled/${s.id}`, { method: 'DELETE', as: 'sim-chen' })).status).toBe(
      204,
    );
    const again = await call(`/api/notices/scheduled/${s.id}`, { method: 'DELETE', as: 'sim-chen' });
    expect([again.status, errorOf(again.json).code]).toEqual([409, 'not_cancellable']);
    await server.container.noticeScheduler.tick(new Date(Date.now() + 2 * 3_600_000));
    expect(await server.container.models.outbox.countDocuments({ 'content.text': { $regex: token } })).toBe(
      0,
    );
    const list = (await call('/api/notices/scheduled', { as: 'sim-chen' })).json as ScheduledNoticeList;
    expect(list.items.find((i) => i.id === s.id)!.status).toBe('cancelled');
  });
});

describe('a scheduled notice fires exactly once', () => {
  it('two server processes ticking at the same moment: one notice, one message per group', async () => {
    const b = await startTestServer({ engine: server.testEngine, dbName: server.dbName });
    try {
      await b.container.scheduler.stop();
      const token = randomUUID();
      // Earlier than every other schedule of this file (an hour ahead), so it alone is due.
      const sendAt = new Date(Date.now() + 600_000);
      const res = await call('/api/notices/scheduled', {
        method: 'POST',
        as: 'sim-chen',
        body: { scope: communityId, text: `消防 ${token}`, sendAt: sendAt.toISOString() },
      });
      const { id } = res.json as ScheduledNoticeView;
      const now = new Date(sendAt.getTime() + 30_000);
      const fired = await Promise.all([
        server.container.noticeScheduler.tick(now),
        b.container.noticeScheduler.tick(now),
      ]);
      expect(fired[0] + fired[1]).toBe(1);
      const posts = () =>
        server.container.models.outbox.countDocuments({ 'content.text': { $regex: token } });
      expect(await posts()).toBe(3);
      const stored = await server.container.repositories.noticeSchedules.findById(id);
      expect(stored).toMatchObject({ status: 'sent', nextRunAt: null });
      const notice = await server.container.repositories.notices.findById(stored!.noticeId!);
      expect(notice!.text).toBe(`消防 ${token}`);
      // Ticking again, on either process, sends nothing more.
      expect(await server.container.noticeScheduler.tick(now)).toBe(0);
      expect(await b.container.noticeScheduler.tick(new Date(now.getTime() + 60_000))).toBe(0);
      expect(await posts()).toBe(3);
    } finally {
      await b.close();
    }
  });

  it('a notice due while the server was down is sent once when it comes back', async () => {
    const engine = server.testEngine;
    const dbName = `notice_sched_${randomUUID().slice(0, 8)}`;
    let other = await startTestServer({ engine, dbName, demo: true });
    const community = (await other.container.repositories.communities.findByCode('lingshan'))!.id;
    const creator = (await other.container.repositories.residents.findByIdentity('simulator', 'sim-chen'))!
      .id;
    await other.container.scheduler.stop();
    const token = randomUUID();
    // Due three hours ago, while (as far as the schedule knows) nothing was running.
    const schedule = await other.container.repositories.noticeSchedules.create({
      communityId: community,
      scopeId: community,
      text: `停电 ${token}`,
      translations: [],
      groupIds: [],
      sendAt: new Date(Date.now() - 3 * 3_600_000),
      origin: null,
      createdBy: creator,
    });
    await other.close();

    other = await startTestServer({ engine, dbName });
    try {
      const posts = () => other.container.models.outbox.countDocuments({ 'content.text': { $regex: token } });
      const stored = await eventually(async () => {
        const s = await other.container.repositories.noticeSchedules.findById(schedule.id);
        return s?.status === 'sent' ? s : null;
      });
      expect(stored.noticeId).toBeTruthy();
      await eventually(async () => (await posts()) === 3);
      expect(await other.container.scheduler.tick()).toBe(0);
      expect(await posts()).toBe(3);
    } finally {
      await other.close();
    }
  });
});

describe('a scheduled notice whose process died mid-send', () => {
  it('is taken over once the claim is stale, and sent once', async () => {
    const token = randomUUID();
    const sendAt = new Date(Date.now() + 30 * 86_400_000);
    const s = await server.container.repositories.noticeSchedules.create({
      communityId,
      scopeId: communityId,
      text: `接管 ${token}`,
      translations: [],
      groupIds: [],
      sendAt,
      origin: null,
      createdBy: ids['sim-chen']!,
    });
    // Another process claimed it and died before sending anything.
    const claimedAt = new Date(sendAt.getTime() + 10_000);
    expect(await server.container.repositories.noticeSchedules.claim(s.id, sendAt, null, claimedAt)).toBe(
      true,
    );
    const posts = () => server.container.models.outbox.countDocuments({ 'content.text': { $regex: token } });
    expect(await server.container.noticeScheduler.tick(new Date(claimedAt.getTime() + 60_000))).toBe(0);
    expect(await posts()).toBe(0);
    const later = new Date(claimedAt.getTime() + 6 * 60_000);
    expect(await server.container.noticeScheduler.tick(later)).toBe(1);
    expect(await posts()).toBe(3);
    expect(await server.container.repositories.noticeSchedules.findById(s.id)).toMatchObject({
      status: 'sent',
    });
    expect(await server.container.noticeScheduler.tick(new Date(later.getTime() + 20 * 60_000))).toBe(0);
    expect(await posts()).toBe(3);
  });
});

describe('NoticeScheduleRepository on the engine', () => {
  async function waiting(sendAt: Date) {
    return server.container.repositories.noticeSchedules.create({
      communityId,
      scopeId: communityId,
      text: `repo ${randomUUID()}`,
      translations: [],
      groupIds: [],
      sendAt,
      origin: null,
      createdBy: ids['sim-chen']!,
    });
  }

  it('of racing claims exactly one wins; a claimed schedule cannot be cancelled until released', async () => {
    const repo = server.container.repositories.noticeSchedules;
    for (let i = 0; i < 5; i++) {
      const sendAt = new Date(Date.now() + 7 * 86_400_000 + i * 60_000);
      const s = await waiting(sendAt);
      const wins = await Promise.all([
        repo.claim(s.id, sendAt, null, new Date()),
        repo.claim(s.id, sendAt, null, new Date()),
      ]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await repo.cancel(s.id)).toBe(false);
      expect(await repo.release(s.id, null, sendAt)).toBe(true);
      expect((await repo.findById(s.id))!.nextRunAt).toEqual(sendAt);
      expect(await repo.cancel(s.id)).toBe(true);
      expect(await repo.claim(s.id, sendAt, null, new Date())).toBe(false);
    }
  });
});
