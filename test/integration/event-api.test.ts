import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import type { AttendanceReport, CheckinQrView, EventView, SignupResult } from '../../shared/schemas/event.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/**
 * Events on the demo community: 陈书记 (secretary) organises; 王秀英 (3-2-501), 张老师 (1-1-101) and
 * 刘楼长 (3-1-203) sign up. Seeded groups: 灵山小区居民群, 3栋邻里群 (building 3), Lingshan International.
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
  ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen', 'sim-zhang', 'sim-li', 'sim-emma']);
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
  ({ call, raw } = apiClient(server, { ids, language: 'en' }));
});

afterAll(async () => {
  await server?.close();
});

/** An event body starting `startInMin` minutes from now and lasting two hours. */
const eventBody = (over: Record<string, unknown> = {}, startInMin = 60 * 48) => {
  const start = Date.now() + startInMin * 60_000;
  return {
    title: '垃圾分类宣传',
    place: '社区广场',
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 2 * 3_600_000).toISOString(),
    capacity: 1,
    category: 'lowCarbon',
    scope: communityId,
    ...over,
  };
};

async function createEvent(over: Record<string, unknown> = {}, startInMin?: number) {
  const res = await call('/api/events', {
    method: 'POST',
    as: 'sim-chen',
    body: eventBody(over, startInMin),
  });
  expect(res.status).toBe(201);
  return (res.json as { event: EventView; groups: number }).event;
}

async function say(senderId: string, text: string, groupId = 'sim-group-all') {
  const message = simulatorMessage(text, { groupId, groupName: '', senderId, senderName: senderId });
  await client.postMessage(message);
  const entries = await deliverAll(client);
  return { reply: replyText(entries.find((e) => e.replyTo === message.channelMessageId)), entries };
}

/** Extra residents of the community (no household needed for community-wide events). */
async function extraResidents(count: number, tag: string): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await server.container.repositories.residents.create({ communityId, name: `${tag}${i}` });
    made.push(r.id);
  }
  return made;
}

describe('POST /api/events', () => {
  it('401 without a session', async () => {
    expect((await call('/api/events', { method: 'POST', body: eventBody() })).status).toBe(401);
  });

  it('400 when it ends before it starts, or lacks a title', async () => {
    const start = Date.now() + 3_600_000;
    const backwards = await call('/api/events', {
      method: 'POST',
      as: 'sim-chen',
      body: eventBody({
        endsAt: new Date(start - 60_000).toISOString(),
        startsAt: new Date(start).toISOString(),
      }),
    });
    expect(backwards.status).toBe(400);
    expect(errorOf(backwards.json).code).toBe('validation_failed');
    const untitled = await call('/api/events', {
      method: 'POST',
      as: 'sim-chen',
      body: eventBody({ title: '' }),
    });
    expect(untitled.status).toBe(400);
  });

  it('403 for a resident, translated', async () => {
    const res = await call('/api/events', { method: 'POST', as: 'sim-wang', body: eventBody() });
    expect(res.status).toBe(403);
    expect(errorOf(res.json).message).toBe('You are not allowed to manage events');
  });

  it('201 numbers the event and announces it to every group of the scope in its language', async () => {
    const res = await call('/api/events', {
      method: 'POST',
      as: 'sim-chen',
      body: eventBody({ capacity: 30 }),
    });
    expect(res.status).toBe(201);
    const { event, groups } = res.json as { event: EventView; groups: number };
    expect(groups).toBe(3);
    expect(event).toMatchObject({ title: '垃圾分类宣传', capacity: 30, confirmed: 0, canManage: true });
    const announced = (await deliverAll(client)).filter((e) =>
      e.id.startsWith(`event:${event.id}:announce:`),
    );
    expect(announced.map((e) => e.groupId).sort()).toEqual([
      'sim-group-all',
      'sim-group-b3',
      'sim-group-intl',
    ]);
    expect(replyText(announced.find((e) => e.groupId === 'sim-group-b3'))).toMatch(
      new RegExp(`^【社区活动 ${event.number}】垃圾分类宣传\\n时间：`),
    );
    expect(replyText(announced.find((e) => e.groupId === 'sim-group-intl'))).toContain(
      `Reply #signup ${event.number}`,
    );
    expect(replyText(announced[0])).toContain(`/app/#/events/${event.number}`);
  });

  it('a building event is announced in that building’s group only and refused to other buildings', async () => {
    const event = await createEvent({ scope: `${communityId}/lingshan-garden/3` });
    const announced = (await deliverAll(client)).filter((e) =>
      e.id.startsWith(`event:${event.id}:announce:`),
    );
    expect(announced.map((e) => e.groupId)).toEqual(['sim-group-b3']);
    expect(
      (await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-wang' })).status,
    ).toBe(201);
    // 张老师 lives in building 1: the event is not even visible to him.
    expect(
      (await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-zhang' })).status,
    ).toBe(404);
  });
});

describe('PATCH /api/events/:number', () => {
  it('401, 400 on nothing to change, 403 for a resident', async () => {
    const event = await createEvent({ capacity: 2 });
    expect(
      (await call(`/api/events/${event.number}`, { method: 'PATCH', body: { place: 'x' } })).status,
    ).toBe(401);
    const empty = await call(`/api/events/${event.number}`, { method: 'PATCH', as: 'sim-chen', body: {} });
    expect(empty.status).toBe(400);
    const resident = await call(`/api/events/${event.number}`, {
      method: 'PATCH',
      as: 'sim-wang',
      body: { place: 'x' },
    });
    expect(resident.status).toBe(403);
  });

  it('200: more places promote the waitlist at once; fewer than taken is refused', async () => {
    const event = await createEvent({ capacity: 1 });
    await deliverAll(client);
    await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-wang' });
    await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-zhang' });
    const grown = await call(`/api/events/${event.number}`, {
      method: 'PATCH',
      as: 'sim-chen',
      body: { capacity: 3, place: '活动中心二楼' },
    });
    expect(grown.status).toBe(200);
    expect(grown.json).toMatchObject({ capacity: 3, confirmed: 2, waitlisted: 0, place: '活动中心二楼' });
    const told = (await deliverAll(client)).filter((e) => e.id.startsWith(`event:${event.id}:promoted:`));
    expect(told.map((e) => e.mentions)).toEqual([['sim-zhang']]);
    const shrunk = await call(`/api/events/${event.number}`, {
      method: 'PATCH',
      as: 'sim-chen',
      body: { capacity: 1 },
    });
    expect(shrunk.status).toBe(409);
    expect(errorOf(shrunk.json).message).toBe('Places cannot be fewer than those already taken');
    expect(await server.container.repositories.events.findById(event.id)).toMatchObject({
      capacity: 3,
      seatsLeft: 1,
    });
  });
});

describe('sign-up, waitlist and promotion', () => {
  it('401 and 404', async () => {
    expect((await call('/api/events/1/signup', { method: 'POST' })).status).toBe(401);
    expect((await call('/api/events/99999/signup', { method: 'POST', as: 'sim-wang' })).status).toBe(404);
    expect((await call('/api/events/abc', { as: 'sim-wang' })).status).toBe(400);
  });

  it('over capacity waitlists; a cancellation promotes exactly the first and tells them', async () => {
    const event = await createEvent({ capacity: 1 });
    await deliverAll(client);
    const first = await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-wang' });
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ status: 'confirmed', position: null, duplicate: false });
    const second = await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-zhang' });
    expect(second.json).toEqual({ status: 'waitlisted', position: 1, duplicate: false });
    const third = await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-li' });
    expect(third.json).toMatchObject({ status: 'waitlisted', position: 2 });
    const again = await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-zhang' });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ status: 'waitlisted', position: 1, duplicate: true });

    const cancel = await call(`/api/events/${event.number}/cancel`, { method: 'POST', as: 'sim-wang' });
    expect(cancel.json).toEqual({ cancelled: true, promoted: true });
    const told = (await deliverAll(client)).filter((e) => e.id.startsWith(`event:${event.id}:promoted:`));
    expect(told).toHaveLength(1);
    expect(told[0]!.mentions).toEqual(['sim-zhang']);
    expect(replyText(told[0])).toMatch(/^好消息：您已从候补转为正式报名！活动 \d+「垃圾分类宣传」/);

    const detail = (await call(`/api/events/${event.number}`, { as: 'sim-li' })).json as EventView;
    expect(detail).toMatchObject({
      confirmed: 1,
      waitlisted: 1,
      mine: { status: 'waitlisted', position: 1 },
    });
    const mine = (await call('/api/events/mine', { as: 'sim-zhang' })).json as { items: EventView[] };
    expect(mine.items.find((e) => e.id === event.id)?.mine?.status).toBe('confirmed');
    // Cancelling twice changes nothing.
    const twice = await call(`/api/events/${event.number}/cancel`, { method: 'POST', as: 'sim-wang' });
    expect(twice.json).toEqual({ cancelled: false, promoted: false });
  });

  it('concurrent sign-ups never exceed the capacity; concurrent cancellations promote one each', async () => {
    const event = await createEvent({ capacity: 3 });
    const people = await extraResidents(12, '并发');
    const results = await Promise.all(
      people.map((p) => call(`/api/events/${event.number}/signup`, { method: 'POST', as: p })),
    );
    const statuses = results.map((r) => (r.json as SignupResult).status);
    expect(statuses.filter((s) => s === 'confirmed')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'waitlisted')).toHaveLength(9);
    const positions = results.flatMap((r) => (r.json as SignupResult).position ?? []).sort((a, b) => a - b);
    expect(new Set(positions).size).toBe(9);

    const confirmed = people.filter((_, i) => statuses[i] === 'confirmed');
    await Promise.all(
      confirmed.map((p) => call(`/api/events/${event.number}/cancel`, { method: 'POST', as: p })),
    );
    const signups = await server.container.repositories.events.listSignups(event.id);
    expect(signups.filter((s) => s.status === 'confirmed')).toHaveLength(3);
    expect(signups.filter((s) => s.status === 'waitlisted')).toHaveLength(6);
    expect((await server.container.repositories.events.findById(event.id))!.seatsLeft).toBe(0);
  });
});

describe('check-in', () => {
  /** An event that started ten minutes ago, with 王秀英 signed up. */
  async function ongoing(over: Record<string, unknown> = {}) {
    const event = await createEvent({ capacity: 5, ...over }, -10);
    expect(
      (await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-wang' })).status,
    ).toBe(201);
    return event;
  }

  it('401 and 403 on the organiser’s QR code', async () => {
    const event = await ongoing();
    expect((await call(`/api/events/${event.number}/qr`)).status).toBe(401);
    expect((await call(`/api/events/${event.number}/qr`, { as: 'sim-wang' })).status).toBe(403);
  });

  it('the scanned QR checks in once and credits points once; reuse, forgery and expiry are refused and logged', async () => {
    const event = await ongoing({ volunteer: true });
    const qr = (await call(`/api/events/${event.number}/qr`, { as: 'sim-chen' })).json as CheckinQrView;
    expect(qr.code).toMatch(/^\d{6}$/);
    expect(qr.svg).toContain('<svg');
    expect(qr.payload).toMatch(/\/app\/#\/checkin\?t=[0-9a-f]{24}\.\d+\./);

    const ok = await call('/api/events/checkin', {
      method: 'POST',
      as: 'sim-wang',
      body: { token: qr.payload },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, number: event.number, serviceMinutes: 120 });
    const record = await server.container.repositories.events.findCheckin(event.id, ids['sim-wang']!);
    expect(record).toMatchObject({ via: 'qr', pointsStatus: 'credited', serviceMinutes: 120 });
    expect(record!.points).toBeGreaterThan(0);

    const reused = await call('/api/events/checkin', {
      method: 'POST',
      as: 'sim-wang',
      body: { token: qr.payload },
    });
    expect(reused.status).toBe(409);
    expect(errorOf(reused.json)).toEqual({
      code: 'checkin_reused',
      message: 'You have already checked in; points are not given twice',
    });
    const forged = await call(`/api/events/${event.number}/checkin`, {
      method: 'POST',
      as: 'sim-zhang',
      body: { token: qr.payload.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
    });
    expect(forged.status).toBe(400);
    expect(errorOf(forged.json).code).toBe('checkin_forged');
    const tokens = server.container.services.events.tokens;
    const stale = tokens.code(event.id, tokens.currentWindow() - 4);
    const expired = await call(`/api/events/${event.number}/checkin`, {
      method: 'POST',
      as: 'sim-zhang',
      body: { code: stale },
    });
    expect(expired.status).toBe(400);
    expect(errorOf(expired.json).code).toBe('checkin_expired');
    // Not signed up: a genuine current code is still refused.
    const stranger = await call(`/api/events/${event.number}/checkin`, {
      method: 'POST',
      as: 'sim-zhang',
      body: { code: tokens.code(event.id) },
    });
    expect(errorOf(stranger.json).code).toBe('checkin_notSignedUp');

    const attempts = await server.container.repositories.events.listAttempts(event.id);
    expect(attempts.map((a) => a.outcome).sort()).toEqual([
      'expired',
      'forged',
      'notSignedUp',
      'ok',
      'reused',
    ]);
    const balance = await call('/api/events/mine', { as: 'sim-wang' });
    expect(
      (balance.json as { items: EventView[] }).items.find((e) => e.id === event.id)?.mine?.checkedIn,
    ).toBe(true);
  });

  it('refuses check-in before it opens', async () => {
    const event = await createEvent({ capacity: 5 }, 180);
    await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-wang' });
    const code = server.container.services.events.tokens.code(event.id);
    const res = await call(`/api/events/${event.number}/checkin`, {
      method: 'POST',
      as: 'sim-wang',
      body: { code },
    });
    expect(res.status).toBe(409);
    expect(errorOf(res.json).code).toBe('checkin_notOpen');
  });

  it('attendance lists who came with their points, and exports as .xlsx', async () => {
    const event = await ongoing();
    const code = server.container.services.events.tokens.code(event.id);
    await call(`/api/events/${event.number}/checkin`, { method: 'POST', as: 'sim-wang', body: { code } });
    expect((await call(`/api/events/${event.number}/attendance`, { as: 'sim-wang' })).status).toBe(403);
    const report = (await call(`/api/events/${event.number}/attendance`, { as: 'sim-chen' }))
      .json as AttendanceReport;
    expect(report.totals).toMatchObject({ confirmed: 1, checkedIn: 1 });
    expect(report.rows).toEqual([
      expect.objectContaining({ name: '王秀英', address: '3-2-501', status: 'confirmed', via: 'code' }),
    ]);

    const res = await raw(`/api/events/${event.number}/attendance.xlsx`, { as: 'sim-chen' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="event-\d+-attendance\.xlsx"; filename\*=UTF-8''/,
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('Name');
    expect(sheet.getRow(2).getCell(1).value).toBe('王秀英');
    expect(sheet.getRow(2).getCell(2).value).toBe('3-2-501');
  });
});

describe('chat: #报名, #取消报名, #签到', () => {
  it('signs up, waitlists, promotes in the group, and checks in by the six digits once', async () => {
    const event = await createEvent({ capacity: 1 }, -5);
    await deliverAll(client);
    const n = event.number;
    expect((await say('sim-wang', `#报名 ${n}`)).reply).toMatch(
      new RegExp(`^已报名活动 ${n}「垃圾分类宣传」`),
    );
    expect((await say('sim-liu', `#报名 ${n}`, 'sim-group-b3')).reply).toContain('候补第 1 位');
    expect((await say('sim-wang', `#报名 ${n}`)).reply).toBe(`您已经报名了活动 ${n}「垃圾分类宣传」`);

    const { reply, entries } = await say('sim-wang', `#取消报名 ${n}`);
    expect(reply).toBe(`已取消活动 ${n}「垃圾分类宣传」的报名`);
    const promoted = entries.filter((e) => e.id.startsWith(`event:${event.id}:promoted:`));
    expect(promoted).toHaveLength(1);
    // Told where they signed up: the building 3 group, mentioning them.
    expect(promoted[0]).toMatchObject({ groupId: 'sim-group-b3', mentions: ['sim-liu'] });

    const code = server.container.services.events.tokens.code(event.id);
    const wrong = code === '000000' ? '000001' : '000000';
    expect((await say('sim-liu', `#签到 ${n} ${wrong}`, 'sim-group-b3')).reply).toMatch(
      /签到失败：签到码(无效|已过期)/,
    );
    expect((await say('sim-liu', `#签到 ${n} ${code}`, 'sim-group-b3')).reply).toMatch(
      new RegExp(`^签到成功：活动 ${n}「垃圾分类宣传」，获得 \\d+ 积分$`),
    );
    expect((await say('sim-liu', `#签到 ${n} ${code}`, 'sim-group-b3')).reply).toBe(
      `活动 ${n} 签到失败：您已经签到过了，积分不会重复发放`,
    );
    expect((await say('sim-wang', `#签到 ${n} ${code}`)).reply).toContain('您没有报名这个活动');
    expect((await say('stranger-1', `#报名 ${n}`)).reply).toContain('#绑定');
    expect((await say('sim-wang', '#报名 99999')).reply).toBe('找不到活动 99999');
  });
});

describe('demo data', () => {
  it('seeds two events without posting them; 李建国 holds one of the volunteer shift’s two places', async () => {
    const list = (await call('/api/events', { as: 'sim-li' })).json as { items: EventView[] };
    const shift = list.items.find((e) => e.title === '楼道清洁志愿服务');
    expect(list.items.some((e) => e.title === '垃圾分类宣传讲座')).toBe(true);
    expect(shift).toMatchObject({
      capacity: 2,
      confirmed: 1,
      volunteer: true,
      mine: { status: 'confirmed' },
    });
    expect((await call('/api/events', { as: 'sim-chen' })).json).toMatchObject({
      createScopes: [communityId],
    });
    expect((await call('/api/events', { as: 'sim-li' })).json).toMatchObject({ createScopes: [] });
    const groups = await server.container.repositories.notices.groupsOfCommunity(communityId);
    const keys = list.items.flatMap((e) => groups.map((g) => `event:${e.id}:announce:${g.id}`));
    expect(keys.length).toBeGreaterThan(0);
    const states = await server.container.repositories.notices.deliveryStates(keys);
    const seeded = list.items.filter((e) => e.title === '楼道清洁志愿服务' || e.title === '垃圾分类宣传讲座');
    expect(
      seeded.flatMap((e) => groups.map((g) => states.get(`event:${e.id}:announce:${g.id}`) ?? 'none')),
    ).toEqual(Array(seeded.length * groups.length).fill('none'));
  });
});

describe('reminders', () => {
  it('sends the hour-before reminder once to those signed up', async () => {
    const event = await createEvent({ capacity: 5 }, 50);
    await call(`/api/events/${event.number}/signup`, { method: 'POST', as: 'sim-emma' });
    const events = server.container.services.events;
    await events.sendDueReminders(new Date());
    await events.sendDueReminders(new Date());
    const sent = (await deliverAll(client)).filter((e) => e.id.startsWith(`event:${event.id}:remind-`));
    expect(sent).toHaveLength(1);
    // She signed up in the mini-app: told in the community's group (closest to her home), mentioning her.
    expect(sent[0]).toMatchObject({ groupId: 'sim-group-all', mentions: ['sim-emma'] });
    expect(replyText(sent[0])).toMatch(/^活动提醒：活动 \d+「垃圾分类宣传」一小时后/);
  });
});
