import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REASON_LENGTH } from '../../miniprogram/src/bindings-page.js';
import { resources, translator } from '../../shared/i18n/index.js';
import { MAX_BINDING_REASON_LENGTH, type BindingList } from '../../shared/schemas/binding.js';
import type { DemoResidentList } from '../../shared/schemas/resident.js';
import { demoCookieHeader, SCREENSHOTS, useE2eServer } from '../support/e2e.js';
import { eventually, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The mini-app's account pages in real Chromium on a phone-sized screen, against the real server with
 * the embedded bot: demo sign-in, 我的, sign-out, and a building lead deciding binding requests that
 * residents made in the simulator's group chat.
 */

const zh = resources['zh-CN'];
const en = resources.en;
const tZh = translator('zh-CN');

/** 王秀英's phone as seeded; it must never reach the page unmasked. */
const WANG_PHONE = '13812345001';

const e2e = useE2eServer({ demo: true, embedBot: true });
const baseUrl = e2e.url;
const newPage = e2e.newPage;

/** What the phone shows; the tab bar is fixed, so a full-page shot would paint it mid-page. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** What a person types in the simulator's group chat, straight through its API. */
async function say(input: { senderId: string; senderName: string; groupId: string; text: string }) {
  const groupName = input.groupId === 'sim-group-b3' ? '3栋邻里群' : '灵山小区居民群';
  const res = await fetch(`${baseUrl()}/simulator/api/say`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...input, groupName }),
  });
  expect(res.status).toBe(200);
}

async function demoResidents(): Promise<DemoResidentList['residents']> {
  const res = await fetch(`${baseUrl()}/api/auth/demo/residents`);
  return ((await res.json()) as DemoResidentList).residents;
}

async function bindings(cookie: string, status: 'pending' | 'approved' | 'rejected'): Promise<BindingList> {
  const res = await fetch(`${baseUrl()}/api/bindings?status=${status}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as BindingList;
}

/** Waits for the bot to have stored the request typed in the group, and returns it. */
async function pendingAt(cookie: string, address: string, requesterName: string) {
  return eventually(async () =>
    (await bindings(cookie, 'pending')).items.find(
      (b) => b.address === address && b.requesterName === requesterName,
    ),
  );
}

/** Taps a resident on the sign-in page (which must be showing) and waits to be signed in. */
async function tapResident(page: Page, name: string): Promise<void> {
  await page.locator(`.pick[data-name="${name}"]`).tap();
  await page.waitForFunction(() => location.hash !== '#/sign-in');
}

const hashOf = (page: Page) => page.evaluate(() => location.hash);
const bodyText = (page: Page) => page.evaluate(() => document.body.innerText);
const tabsShown = (page: Page) =>
  page.$$eval('.tab-bar .tab', (tabs) =>
    tabs.filter((tab) => !(tab as HTMLElement).hidden).map((tab) => (tab as HTMLElement).dataset.tab),
  );

/** Every tap target on the page at least 44 px high, as old fingers need. */
async function expectLargeTargets(page: Page, selector: string): Promise<void> {
  const boxes = await page
    .locator(selector)
    .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().height));
  expect(boxes.length).toBeGreaterThan(0);
  for (const height of boxes) expect(height).toBeGreaterThanOrEqual(44);
}

describe('mini-app: sign-in and 我的', () => {
  it('sends a visitor to sign in, and after one tap on 王秀英 shows her household with a masked phone', async () => {
    const page = await newPage();
    const apiBodies: string[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/'))
        void response.text().then(
          (text) => apiBodies.push(text),
          () => undefined,
        );
    });

    await page.goto(`${baseUrl()}/app/#/me`);
    // Not signed in: /api/me answers 401 and the page goes to sign in.
    await page.locator('.pick').first().waitFor();
    expect(await hashOf(page)).toBe('#/sign-in');
    expect(await page.locator('h1').textContent()).toBe(zh.appAccount.signIn.title);
    expect(await page.locator('.sign-in-demo .section-title').textContent()).toBe(
      zh.appAccount.signIn.demoTitle,
    );
    const wang = page.locator('.pick[data-name="王秀英"]');
    expect(await wang.locator('.pick-address').textContent()).toBe('3-2-501');
    expect(await wang.locator('.pick-roles').textContent()).toBe(zh.directory.roles.owner);
    expect(await page.locator('.pick[data-name="陈书记"] .pick-address').textContent()).toBe(
      zh.appAccount.signIn.noAddress,
    );
    expect(await page.locator('.pick[data-name="刘楼长"] .pick-roles').textContent()).toBe(
      [zh.directory.roles.buildingLead, zh.directory.roles.owner].join(zh.appAccount.listSeparator),
    );
    // Demo mode without a configured platform: no platform buttons.
    expect(await page.locator('a.platform').count()).toBe(0);
    expect(await tabsShown(page)).toEqual(['opinions', 'reports', 'events', 'points', 'me']);
    await expectLargeTargets(page, '.pick');
    await expectLargeTargets(page, '.tab-bar .tab:not([hidden])');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-sign-in');

    await tapResident(page, '王秀英');
    // Back on the page that asked for the sign-in.
    expect(await hashOf(page)).toBe('#/me');
    await page.locator('.me-name').waitFor();
    expect(await page.locator('h1').textContent()).toBe(zh.appAccount.me.title);
    expect(await page.locator('.me-name').textContent()).toBe('王秀英');
    expect(await page.locator('.me-community').textContent()).toBe('灵山社区');
    expect(await page.locator('.me-address').textContent()).toBe('3-2-501');
    expect(await page.locator('.me-address-words').textContent()).toBe('3栋2单元501室');
    expect(await page.locator('.me-relation dd').textContent()).toBe(zh.directory.relations.owner);
    expect(await page.locator('.me-floor-area dd').textContent()).toBe('89.56 平方米');
    const phone = (await page.locator('.me-phone dd').textContent()) ?? '';
    expect(phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
    expect(phone).toBe('138****5001');
    expect(await page.locator('.me-roles .role').allTextContents()).toEqual([
      '灵山社区 居民',
      `3-2-501 ${zh.directory.roles.owner}`,
    ]);
    expect(await page.locator('.me-platforms .platform-name').allTextContents()).toEqual([
      zh.appAccount.platforms.simulator,
    ]);
    expect(await page.locator('.tab[data-tab="me"]').getAttribute('aria-current')).toBe('page');
    // A resident holds no staff role: no 工作台 tab.
    expect(await tabsShown(page)).toEqual(['opinions', 'reports', 'events', 'points', 'me']);
    await expectLargeTargets(page, 'button.logout');
    expect(
      await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize)),
    ).toBeGreaterThanOrEqual(17);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The full number is nowhere: not on the page, not in anything the server sent it.
    expect(await bodyText(page)).not.toContain(WANG_PHONE);
    expect(await page.content()).not.toContain(WANG_PHONE);
    expect(apiBodies.some((body) => body.includes('王秀英'))).toBe(true);
    expect(apiBodies.filter((body) => body.includes(WANG_PHONE))).toEqual([]);
    await screenshot(page, 'account-me');
    // 我的 links what she has going on in each feature.
    expect(
      await page.$$eval('.me-links .hub-entry', (links) => links.map((link) => link.getAttribute('href'))),
    ).toEqual(['#/reports', '#/events/mine', '#/points', '#/rewards', '#/polls']);
    await expectLargeTargets(page, '.me-links .hub-entry');
    // Scrolled to the bottom, the sign-out button clears the fixed tab bar.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const logoutBox = await page.locator('button.logout').boundingBox();
    const tabBarBox = await page.locator('.tab-bar').boundingBox();
    expect(logoutBox!.y + logoutBox!.height).toBeLessThanOrEqual(tabBarBox!.y);
    await screenshot(page, 'account-me-bottom');

    await page.locator('button.logout').tap();
    await page.locator('.pick').first().waitFor();
    expect(await hashOf(page)).toBe('#/sign-in');
    const after = await page.evaluate(async () => (await fetch('/api/me')).status);
    expect(after).toBe(401);

    // Signed out for real: 我的 asks to sign in again.
    await page.locator('.tab[data-tab="me"]').tap();
    await eventually(async () => (await hashOf(page)) === '#/sign-in');
    await page.locator('.pick').first().waitFor();
  });

  it('shows 刘楼长 her role in plain words and the 工作台 tab with her tools', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl()}/app/#/sign-in`);
    await tapResident(page, '刘楼长');
    // Nothing asked for sign-in, so she lands on 我的.
    expect(await hashOf(page)).toBe('#/me');
    await page.locator('.me-name').waitFor();
    expect(await page.locator('.me-roles .role').allTextContents()).toContain(
      `3栋 ${zh.directory.roles.buildingLead}`,
    );
    expect(await page.locator('.me-address').textContent()).toBe('3-1-203');
    expect(await tabsShown(page)).toEqual(['opinions', 'reports', 'events', 'points', 'me', 'staff']);
    expect(await page.locator('.tab[data-tab="staff"] .tab-label').textContent()).toBe(
      zh.appAccount.tabs.staff,
    );
    await expectLargeTargets(page, '.tab-bar .tab:not([hidden])');
    expect(await bodyText(page)).not.toContain('18612345004');
    await screenshot(page, 'account-me-building-lead');

    // A reload keeps both the session and the staff tab.
    await page.reload();
    await page.locator('.me-name').waitFor();
    await eventually(async () => (await tabsShown(page)).includes('staff'));

    // 工作台 offers a building lead her tools, not the secretary's or a merchant's.
    await page.locator('.tab[data-tab="staff"]').tap();
    // Scoped to the 工作台's list: 我的, just left, has links of the same look.
    await page.locator('.staff-hub .hub-entry').first().waitFor();
    const entries = await page.$$eval('.staff-hub .hub-entry', (links) =>
      links.map((link) => (link as HTMLElement).dataset.entry),
    );
    expect(entries).toContain('bindings');
    expect(entries).not.toContain('merchant');
    expect(entries).not.toContain('points');
    expect(await page.locator('.tab[data-tab="staff"]').getAttribute('aria-current')).toBe('page');
    await expectLargeTargets(page, '.staff-hub .hub-entry');
    await screenshot(page, 'staff-hub-building-lead');
    await page.locator('.staff-hub .hub-entry[data-entry="bindings"]').tap();
    expect(await hashOf(page)).toBe('#/staff/bindings');
    expect(await page.locator('.tab[data-tab="staff"]').getAttribute('aria-current')).toBe('page');

    await page.locator('.tab[data-tab="opinions"]').tap();
    await page.locator('.section-title').filter({ hasText: zh.app.recentOpinions }).waitFor();
    expect(await hashOf(page)).toBe('#/opinions');
    expect(await page.locator('.tab[data-tab="opinions"]').getAttribute('aria-current')).toBe('page');

    // 议事 covers the committees' polls: the link opens them and 议事 stays the current tab.
    await page.locator('.opinions-polls-link').tap();
    expect(await hashOf(page)).toBe('#/polls');
    expect(await page.locator('.tab[data-tab="opinions"]').getAttribute('aria-current')).toBe('page');
    // A ticket list belongs under 报事, not 我的.
    await page.goto(`${baseUrl()}/app/#/reports`);
    await eventually(
      async () => (await page.locator('.tab[data-tab="reports"]').getAttribute('aria-current')) === 'page',
    );
  });

  it('tells a resident who opens the staff page that she may not decide binding requests', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl()}/app/#/sign-in`);
    await tapResident(page, '王秀英');
    await page.goto(`${baseUrl()}/app/#/staff/bindings`);
    await page.locator('.load-failed').waitFor();
    expect(await page.locator('.load-failed-title').textContent()).toBe(zh.appAccount.bindings.loadError);
    expect(await page.locator('.load-failed-detail').textContent()).toBe(
      tZh('access.forbidden', { action: tZh('access.actions.binding.decide') }),
    );
    expect(await tabsShown(page)).toEqual(['opinions', 'reports', 'events', 'points', 'me']);
  });

  it('speaks English with ?lang=en', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl()}/app/?lang=en#/me`);
    await page.locator('.pick').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe(en.appAccount.signIn.title);
    expect(await page.locator('.tab[data-tab="me"] .tab-label').textContent()).toBe(en.appAccount.tabs.me);
    expect(await page.locator('.pick[data-name="刘楼长"] .pick-roles').textContent()).toBe(
      `${en.directory.roles.buildingLead}, ${en.directory.roles.owner}`,
    );
    await tapResident(page, '刘楼长');
    await page.locator('.me-name').waitFor();
    expect(await page.locator('h1').textContent()).toBe(en.appAccount.me.title);
    expect(await page.locator('.me-roles .role').allTextContents()).toContain('Building lead, building 3');
    expect(await page.locator('.me-address-words').textContent()).toBe('Building 3, unit 1, room 203');
    expect(await page.locator('button.logout').textContent()).toBe(en.appAccount.me.logout);
    expect(await page.locator('.tab[data-tab="staff"] .tab-label').textContent()).toBe(
      en.appAccount.tabs.staff,
    );
    await screenshot(page, 'account-me-english');

    const traditional = await newPage({ locale: 'zh-TW' });
    await traditional.goto(`${baseUrl()}/app/#/sign-in`);
    await traditional.locator('.pick').first().waitFor();
    expect(await traditional.locator('h1').textContent()).toBe(resources['zh-TW'].appAccount.signIn.title);
    await tapResident(traditional, '刘楼长');
    await traditional.locator('.me-name').waitFor();
    expect(await traditional.locator('.me-roles .role').allTextContents()).toContain('3棟 樓道長');
    expect(await traditional.locator('.tab[data-tab="staff"] .tab-label').textContent()).toBe('工作台');
  });
});

describe('mini-app: 工作台 — binding requests', () => {
  it('lets the building lead approve a request made in the 3栋 group, after which the list is empty', async () => {
    const lead = await demoCookieHeader(e2e.server(), 'sim-liu');
    await say({
      senderId: 'sim-newcomer',
      senderName: '赵新民',
      groupId: 'sim-group-b3',
      text: '#绑定 3-1-203',
    });
    const request = await pendingAt(lead, '3-1-203', '赵**');

    const page = await newPage();
    // Straight to the staff page: sign in first, then come back here.
    await page.goto(`${baseUrl()}/app/#/staff/bindings`);
    await page.locator('.pick').first().waitFor();
    await tapResident(page, '刘楼长');
    expect(await hashOf(page)).toBe('#/staff/bindings');
    const card = page.locator(`.binding[data-id="${request.id}"]`);
    await card.waitFor();
    expect(await page.locator('h1').textContent()).toBe(zh.appAccount.bindings.title);
    expect(await page.locator('.tab[data-tab="staff"]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('.binding').count()).toBe(1);
    expect(await card.locator('.code').textContent()).toBe(request.number);
    expect(request.number).toMatch(/^B\d+$/);
    expect(await card.locator('.binding-address').textContent()).toBe('3-1-203');
    expect(await card.locator('.binding-address-words').textContent()).toBe('3栋1单元203室');
    expect(await card.locator('.requester-name').textContent()).toBe('赵**');
    expect(await card.locator('.tag').textContent()).toBe(
      tZh('appAccount.bindings.platform', { platform: zh.appAccount.platforms.simulator }),
    );
    expect(await card.locator('time').textContent()).toBe(zh.app.justNow);
    expect(await bodyText(page)).not.toContain('赵新民');
    await expectLargeTargets(page, '.binding button');
    await screenshot(page, 'account-bindings');

    await card.locator('button.approve').tap();
    const dialog = page.locator('.dialog');
    await dialog.waitFor();
    expect(await dialog.locator('.dialog-title').textContent()).toBe(
      tZh('appAccount.bindings.approveTitle', { number: request.number }),
    );
    expect(await dialog.locator('.dialog-text').textContent()).toContain('3-1-203');
    await expectLargeTargets(page, '.dialog button');
    await screenshot(page, 'account-bindings-approve');

    // Cancel changes nothing.
    await dialog.locator('button.dialog-cancel').tap();
    expect(await page.locator('.dialog').count()).toBe(0);
    expect(await card.isVisible()).toBe(true);

    await card.locator('button.approve').tap();
    await dialog.locator('button.dialog-confirm').tap();
    await page.locator('.notice-done').waitFor();
    expect(await page.locator('.notice-done').textContent()).toBe(
      tZh('appAccount.bindings.approved', { number: request.number, name: '赵**', address: '3-1-203' }),
    );
    expect(await page.locator('.binding').count()).toBe(0);
    expect(await page.locator('.empty-title').textContent()).toBe(zh.appAccount.bindings.empty);
    await screenshot(page, 'account-bindings-empty');

    // The server agrees: nothing pending, the request approved, and 赵新民 now lives at 3-1-203.
    expect((await bindings(lead, 'pending')).items).toEqual([]);
    const approved = (await bindings(lead, 'approved')).items.find((b) => b.id === request.id);
    expect(approved?.decidedBy).toBe('刘楼长');
    expect((await demoResidents()).find((r) => r.name === '赵新民')?.address).toBe('3-1-203');

    await page.reload();
    await page.locator('.empty').waitFor();
    expect(await page.locator('.binding').count()).toBe(0);
  });

  it('asks for a reason to reject, and puts a card back with a translated error when the server fails', async () => {
    const lead = await demoCookieHeader(e2e.server(), 'sim-liu');
    await say({
      senderId: 'sim-newcomer-2',
      senderName: '孙一鸣',
      groupId: 'sim-group-b3',
      text: '#绑定 3-2-501',
    });
    await say({
      senderId: 'sim-newcomer-3',
      senderName: '钱红',
      groupId: 'sim-group-b3',
      text: '#绑定 3-1-203',
    });
    const first = await pendingAt(lead, '3-2-501', '孙**');
    const second = await pendingAt(lead, '3-1-203', '钱*');

    const page = await newPage();
    await page.goto(`${baseUrl()}/app/#/sign-in`);
    await tapResident(page, '刘楼长');
    await page.locator('.tab[data-tab="staff"]').tap();
    await page.locator('.staff-hub .hub-entry[data-entry="bindings"]').tap();
    await page.locator('.binding').nth(1).waitFor();
    const firstCard = page.locator(`.binding[data-id="${first.id}"]`);
    const secondCard = page.locator(`.binding[data-id="${second.id}"]`);

    // The server fails the approval; the card leaves at once and comes back when the answer arrives.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/bindings/*/approve', async (route) => {
      await held;
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'engine_unavailable', message: zh.errors.engineUnavailable },
        }),
      });
    });
    const order = () => page.$$eval('.binding', (cards) => cards.map((c) => (c as HTMLElement).dataset.id));
    const before = await order();
    await firstCard.locator('button.approve').tap();
    await page.locator('.dialog button.dialog-confirm').tap();
    await eventually(async () => (await firstCard.count()) === 0);
    release();
    await page.locator('.notice-failed').waitFor();
    expect(await page.locator('.notice-failed').textContent()).toBe(
      tZh('appAccount.bindings.failed', { number: first.number, reason: zh.errors.engineUnavailable }),
    );
    expect(await order()).toEqual(before);
    await screenshot(page, 'account-bindings-failed');
    await page.unroute('**/api/bindings/*/approve');
    expect((await bindings(lead, 'pending')).items.map((b) => b.id).sort()).toEqual(
      [first.id, second.id].sort(),
    );

    // Rejecting needs a reason.
    await secondCard.locator('button.reject').tap();
    const dialog = page.locator('.dialog');
    await dialog.waitFor();
    const reason = dialog.locator('textarea');
    expect(await reason.getAttribute('maxlength')).toBe(String(MAX_BINDING_REASON_LENGTH));
    expect(MAX_REASON_LENGTH).toBe(MAX_BINDING_REASON_LENGTH);
    await dialog.locator('button.dialog-confirm').tap();
    expect(await dialog.locator('.dialog-error').textContent()).toBe(zh.appAccount.bindings.reasonRequired);
    await reason.fill('   ');
    await dialog.locator('button.dialog-confirm').tap();
    expect(await dialog.locator('.dialog-error').isVisible()).toBe(true);
    expect(await secondCard.count()).toBe(1);
    await reason.fill('该户没有这位居民');
    expect(await dialog.locator('.dialog-error').isVisible()).toBe(false);
    expect(await dialog.locator('.dialog-count').textContent()).toBe(
      tZh('appAccount.bindings.reasonCount', { count: 8, max: MAX_BINDING_REASON_LENGTH }),
    );
    await screenshot(page, 'account-bindings-reject');
    await dialog.locator('button.dialog-confirm').tap();
    await page.locator('.notice-done').waitFor();
    expect(await page.locator('.notice-done').textContent()).toBe(
      tZh('appAccount.bindings.rejected', { number: second.number }),
    );
    expect(await secondCard.count()).toBe(0);
    const rejected = (await bindings(lead, 'rejected')).items.find((b) => b.id === second.id);
    expect(rejected?.reason).toBe('该户没有这位居民');

    // With the server back, the approval goes through and the list empties.
    await firstCard.locator('button.approve').tap();
    await page.locator('.dialog button.dialog-confirm').tap();
    // The card leaves at once; the notice waits for the server's yes.
    await page.locator('.empty').waitFor();
    await page
      .locator('.notice-done')
      .filter({
        hasText: tZh('appAccount.bindings.approved', {
          number: first.number,
          name: '孙**',
          address: '3-2-501',
        }),
      })
      .waitFor();
    expect((await bindings(lead, 'pending')).items).toEqual([]);
  });
});

describe('mini-app: sign-in outside the demo', () => {
  let real: TestServer | undefined;

  beforeAll(async () => {
    const server = e2e.server();
    // Same engine, another database: a deployment with no demo and no platform configured.
    real = await startTestServer({ engine: server.testEngine, dbName: `${server.dbName}_real`, demo: false });
  });

  afterAll(async () => {
    await real?.close();
  });

  it('sends a visitor to sign in and offers only the platforms the server names', async () => {
    if (!real) throw new Error('the second server did not start');
    const page = await newPage();
    // Reading opinions needs a session here: the 401 leads to the sign-in page.
    await page.goto(`${real.url}/app/?community=lingshan#/opinions`);
    await page.locator('.sign-in-platforms, .notice').first().waitFor();
    expect(await hashOf(page)).toBe('#/sign-in');
    expect(await page.locator('.pick').count()).toBe(0);
    expect(await page.locator('a.platform').count()).toBe(0);
    expect(await page.locator('main .notice').textContent()).toBe(zh.appAccount.signIn.noPlatforms);
    expect(await page.locator('.bind-hint').textContent()).toBe(zh.appAccount.signIn.bindHint);

    // Opened bare, the page cannot know the community without a sign-in either.
    const bare = await newPage();
    await bare.goto(`${real.url}/app/`);
    await eventually(async () => (await hashOf(bare)) === '#/sign-in');

    // The server's list of sign-in platforms (stubbed until the server offers it): DingTalk signs in
    // through its own app, so only WeCom and WeChat get buttons, each starting the platform's OAuth.
    const offered = await newPage();
    await offered.route('**/api/auth/platforms', (route) =>
      route.fulfill({ json: { platforms: ['wecom', 'dingtalk', 'wechat'] } }),
    );
    await offered.goto(`${real.url}/app/#/sign-in`);
    await offered.locator('a.platform').first().waitFor();
    expect(
      await offered.$$eval('a.platform', (links) =>
        links.map((a) => [(a as HTMLAnchorElement).dataset.platform, a.getAttribute('href'), a.textContent]),
      ),
    ).toEqual([
      ['wecom', '/api/auth/wecom/start', zh.appAccount.signIn.wecom],
      ['wechat', '/api/auth/wechat/start', zh.appAccount.signIn.wechat],
    ]);
    await expectLargeTargets(offered, 'a.platform');
    await screenshot(offered, 'account-sign-in-platforms');
  });
});
