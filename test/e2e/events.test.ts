import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import { resources } from '../../shared/i18n/index.js';
import type { EventView } from '../../shared/schemas/event.js';
import type { AccountView, RedemptionView, RewardView } from '../../shared/schemas/points.js';
import { apiClient } from '../support/api-client.js';
import { buildMiniprogram, PhoneBrowser } from '../support/browser.js';
import { startMockWechat } from '../support/mock-wechat.js';
import { confirmAtCounter, redeemInShop } from '../support/rewards-pages.js';
import { eventually, type TestServer } from '../support/test-server.js';

/**
 * Issue 6's "done when" as one story, end to end: two WeChat residents in a mock-puppet group sign up
 * for a one-place event (the second is waitlisted), the first cancels and the second is promoted and
 * told in the group; the organiser's page in real Chromium shows the rotating QR code, the resident's
 * mini-app check-in accepts what was scanned, and the points are credited once. Those points are what
 * let her redeem a reward in the mini-app's shop, whose one-time code the merchant confirms once.
 */

const SCREENSHOTS = 'test-results/screenshots/';
const zh = resources['zh-CN'];
let engine: TestEngine;
let server: TestServer;
let browser: PhoneBrowser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  buildMiniprogram();
  engine = await startTestEngine();
  browser = await PhoneBrowser.launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await engine?.stop();
});

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

async function pageAs(residentId: string): Promise<Page> {
  const page = await browser.newPage();
  await page.context().addCookies([
    {
      name: SESSION_COOKIE,
      value: server.container.sessionCodec.encode(residentId).value,
      url: server.url,
    },
  ]);
  return page;
}

describe('events and points: sign-up, waitlist, promotion, QR check-in, redemption', () => {
  it('a WeChat resident is waitlisted, promoted, checks in by QR, and spends the points at a merchant', async () => {
    const wechat = await startMockWechat({ engine, dbPrefix: 'nbtest_events' });
    server = wechat.server;
    const { communities, households, residents } = server.container.repositories;
    const community = await communities.create({
      code: 'lingshan',
      name: '灵山社区',
      compounds: [
        { code: 'garden', name: '灵山花园', buildings: [{ code: '3', name: '3栋', units: ['1', '2'] }] },
      ],
    });
    const homeOf = async (room: string) =>
      households.ensure({ communityId: community.id, compound: 'garden', building: '3', unit: '2', room });
    const secretary = await residents.create({
      communityId: community.id,
      name: '陈书记',
      roles: [assignment('secretary', scopeId.community(community.id))],
    });
    const resident = async (name: string, room: string) => {
      const contact = wechat.mocker.createContact({ name });
      const home = await homeOf(room);
      const record = await residents.create({
        communityId: community.id,
        name,
        membership: { householdId: home.id, householdScope: home.scope, relation: 'owner', floorArea: null },
        identities: [{ channel: 'wechat', kind: 'contactId', platformId: contact.id }],
      });
      return { contact, record };
    };
    const li = await resident('李大爷', '501');
    const wang = await resident('王阿姨', '502');
    const group = wechat.room('3栋邻里群', [li.contact, wang.contact]);

    // The group becomes known to the server with its first message.
    wang.contact.say('#帮助').to(group.chat);
    await eventually(() => group.botTexts().length >= 1);

    const api = apiClient(server);

    // The corner shop lists a reward priced at exactly what two hours' check-in earns (10 an hour).
    const shop = await residents.create({
      communityId: community.id,
      name: '灵山便民超市',
      roles: [assignment('merchant', scopeId.community(community.id))],
    });
    const listed = await api.call<RewardView>('/api/rewards', {
      as: shop.id,
      method: 'POST',
      body: { title: '洗衣液一瓶', price: 20, stock: 3 },
    });
    expect(listed.status).toBe(201);
    const reward = listed.json;

    const start = Date.now() - 5 * 60_000;
    const created = await api.call<{ event: EventView }>('/api/events', {
      as: secretary.id,
      method: 'POST',
      body: {
        title: '楼道清洁志愿活动',
        place: '3栋大堂',
        startsAt: new Date(start).toISOString(),
        endsAt: new Date(start + 2 * 3_600_000).toISOString(),
        capacity: 1,
        category: 'neighbourhood',
        scope: community.id,
        volunteer: true,
      },
    });
    expect(created.status).toBe(201);
    const event = created.json.event;
    const n = event.number;
    await eventually(() =>
      group.botTexts().some((text) => text.startsWith(`【社区活动 ${n}】楼道清洁志愿活动`)),
    );

    li.contact.say(`#报名 ${n}`).to(group.chat);
    await eventually(() => group.botTexts().some((text) => text.includes(`已报名活动 ${n}`)));
    wang.contact.say(`#报名 ${n}`).to(group.chat);
    await eventually(() => group.botTexts().some((text) => text.includes('候补第 1 位')));

    li.contact.say(`#取消报名 ${n}`).to(group.chat);
    await eventually(() => group.botTexts().some((text) => text.includes('好消息：您已从候补转为正式报名')));
    const promoted = group.botTexts().filter((text) => text.includes('好消息'));
    expect(promoted).toHaveLength(1);
    expect(promoted[0]).toMatch(
      new RegExp(`^@王阿姨 好消息：您已从候补转为正式报名！活动 ${n}「楼道清洁志愿活动」`),
    );
    expect(group.botTexts().some((text) => text.includes(`已取消活动 ${n}「楼道清洁志愿活动」的报名`))).toBe(
      true,
    );

    // Her mini-app shows the place.
    const phone = await pageAs(wang.record.id);
    await phone.goto(`${server.url}/app/#/events/${n}`);
    await expect.poll(() => phone.locator('.event-status').getAttribute('data-status')).toBe('confirmed');
    await screenshot(phone, 'events-detail-promoted');

    // Before she has checked in she has no points, and the shop shows the reward out of her reach.
    const balance = async () => (await api.call<AccountView>('/api/points/me', { as: wang.record.id })).json;
    expect(await balance()).toMatchObject({ points: 0, serviceMinutes: 0 });
    await phone.goto(`${server.url}/app/#/rewards`);
    await expect.poll(() => phone.locator('.shop-balance-value').textContent()).toBe('0');
    const unaffordable = phone.locator('.reward', { hasText: '洗衣液一瓶' });
    expect(await unaffordable.locator('.redeem').isDisabled()).toBe(true);
    expect(await unaffordable.locator('.reward-reason').textContent()).toBe(
      zh.points.page.shortBy.replace('{{short}}', String(reward.price)),
    );
    await screenshot(phone, 'events-rewards-insufficient');

    // The organiser's phone shows the rotating QR code and its six digits.
    const organiser = await pageAs(secretary.id);
    await organiser.goto(`${server.url}/app/#/staff/events/${n}/qr`);
    await expect.poll(() => organiser.locator('.event-qr svg').count()).toBe(1);
    const payload = (await organiser.locator('.event-qr').getAttribute('data-payload'))!;
    const code = (await organiser.locator('.event-qr-code').textContent())!;
    expect(payload).toMatch(new RegExp(`^${server.url}/app/#/checkin\\?t=${event.id}\\.\\d+\\.`));
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(organiser, 'events-organiser-qr');

    // She scans it: the scanned text goes through the scanner page's manual entry.
    await phone.goto(`${server.url}/app/#/events/${n}/checkin`);
    await phone.locator('#checkin-code').fill(payload);
    await phone.locator('.checkin-submit').click();
    await expect
      .poll(() => phone.locator('.checkin-result').textContent())
      .toMatch(/^签到成功！获得 \d+ 积分/);
    await screenshot(phone, 'events-checkin-success');

    const record = await server.container.repositories.events.findCheckin(event.id, wang.record.id);
    expect(record).toMatchObject({ via: 'qr', pointsStatus: 'credited', serviceMinutes: 120 });
    expect(record!.points).toBe(reward.price);
    expect(await balance()).toMatchObject({ points: reward.price, serviceMinutes: 120 });

    // Scanning again is refused with its own reason, and nothing more is credited.
    await phone.locator('#checkin-code').fill(payload);
    await phone.locator('.checkin-submit').click();
    await expect
      .poll(() => phone.locator('.checkin-error').textContent())
      .toBe('您已经签到过了，积分不会重复发放');
    expect(await server.container.repositories.events.findCheckin(event.id, wang.record.id)).toEqual(record);
    const attempts = await server.container.repositories.events.listAttempts(event.id);
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['ok', 'reused']);

    // The organiser's attendance page lists her as checked in.
    await organiser.goto(`${server.url}/app/#/staff/events/${n}/attendance`);
    await expect.poll(() => organiser.locator('.attendance-row[data-checked-in="true"]').count()).toBe(1);
    expect(await organiser.locator('.event-export').getAttribute('href')).toBe(
      `/api/events/${n}/attendance.xlsx`,
    );
    await screenshot(organiser, 'events-attendance');

    // Residents' list and my events.
    await phone.goto(`${server.url}/app/#/events/mine`);
    await expect.poll(() => phone.locator(`.event-item[data-number="${n}"]`).count()).toBe(1);
    await screenshot(phone, 'events-mine');

    // The check-in points now buy the reward: she redeems it in the shop and gets a one-time code.
    await phone.goto(`${server.url}/app/#/rewards`);
    const voucher = await redeemInShop(phone, '洗衣液一瓶');
    expect(voucher).toMatch(/^\d{8}$/);
    expect(await balance()).toMatchObject({ points: 0 });
    await screenshot(phone, 'events-rewards-redeemed');

    // The shopkeeper, signed in on a phone at the counter, confirms her code once.
    const counter = await pageAs(shop.id);
    await counter.goto(`${server.url}/app/#/merchant`);
    expect(await confirmAtCounter(counter, voucher)).toEqual({
      ok: true,
      text: zh.points.page.confirmed.replace('{{title}}', '洗衣液一瓶'),
    });
    await screenshot(counter, 'events-merchant-confirmed');
    await phone.reload();
    await expect.poll(() => phone.locator('.redemption[data-state="confirmed"]').count()).toBe(1);
    expect(await phone.locator('.redemption-code').count()).toBe(0);
    await screenshot(phone, 'events-rewards-confirmed');

    const assertSettled = async () => {
      const mine = await api.call<{ items: RedemptionView[] }>('/api/rewards/redemptions/mine', {
        as: wang.record.id,
      });
      expect(mine.json.items.map(({ state, code, price }) => ({ state, code, price }))).toEqual([
        { state: 'confirmed', code: null, price: reward.price },
      ]);
      expect(await balance()).toMatchObject({ points: 0, serviceMinutes: 120 });
      const shelf = await api.call<{ items: RewardView[] }>('/api/rewards', { as: wang.record.id });
      expect(shelf.json.items.find((r) => r.id === reward.id)).toMatchObject({ stock: 2 });
    };
    await assertSettled();

    // The same code again is refused with its reason, at the counter and through the API; nothing moves.
    expect(await confirmAtCounter(counter, voucher)).toEqual({
      ok: false,
      text: zh.points.errors.redemptionClosed,
    });
    await screenshot(counter, 'events-merchant-reused');
    const again = await api.call('/api/rewards/redemptions/confirm', {
      as: shop.id,
      method: 'POST',
      body: { code: voucher },
    });
    expect(again).toEqual({
      status: 409,
      json: { error: { code: 'redemption_closed', message: zh.points.errors.redemptionClosed } },
    });
    await assertSettled();

    // The organiser publishes a second event from the mini-app's form; the group hears of it.
    await organiser.goto(`${server.url}/app/#/staff/events/new`);
    await organiser.locator('input[name="title"]').fill('重阳节敬老茶话会');
    await organiser.locator('input[name="place"]').fill('社区活动中心');
    await organiser.locator('input[name="startsAt"]').fill('2030-10-05T14:00');
    await organiser.locator('input[name="endsAt"]').fill('2030-10-05T16:00');
    await organiser.locator('input[name="capacity"]').fill('40');
    await organiser.locator('select[name="category"]').selectOption('health');
    await screenshot(organiser, 'events-create-form');
    await organiser.locator('.event-submit').click();
    await organiser.waitForURL(new RegExp(`#/events/${n + 1}$`));
    await expect
      .poll(() => organiser.locator('.event-detail .event-title').textContent())
      .toBe('重阳节敬老茶话会');
    await eventually(() =>
      group.botTexts().some((text) => text.startsWith(`【社区活动 ${n + 1}】重阳节敬老茶话会`)),
    );
    await screenshot(organiser, 'events-created-detail');

    expect(await browser.closePages()).toEqual([]);
    expect(wechat.log.error).not.toHaveBeenCalled();
  });
});
