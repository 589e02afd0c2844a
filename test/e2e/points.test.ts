import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../shared/i18n/index.js';
import { buildMiniprogram, launchChromium } from '../support/browser.js';
import { demoCookie } from '../support/e2e.js';
import { confirmAtCounter, redeemInShop } from '../support/rewards-pages.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Points in real Chromium: a resident sees balance and history, sees in the shop what her points buy
 * and why the rest is out of reach, redeems; the demo shop confirms.
 */

let server: TestServer | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const zh = resources['zh-CN'];
const base = () => server!.url;

const cookieFor = (platformId: string) => demoCookie(server!, platformId);

async function phoneAs(platformId: string) {
  const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  contexts.push(context);
  await context.addCookies([{ ...(await cookieFor(platformId)), url: base() }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

/** Calls the API as a demo resident; the answer's status and body. */
async function apiAs(platformId: string, method: string, path: string, body?: unknown) {
  const { name, value } = await cookieFor(platformId);
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: { cookie: `${name}=${value}`, 'content-type': 'application/json', 'accept-language': 'zh-CN' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The shop's reward card titled `title`: whether 兑换 can be tapped, and the reason shown when not. */
async function rewardCard(page: Page, title: string) {
  const card = page.locator('.reward', { hasText: title });
  return {
    enabled: await card.locator('.redeem').isEnabled(),
    reason: (await card.locator('.reward-reason').count())
      ? await card.locator('.reward-reason').textContent()
      : null,
  };
}

beforeAll(async () => {
  buildMiniprogram();
  server = await startTestServer({ demo: true });
  browser = await launchChromium();
});

afterAll(async () => {
  try {
    for (const c of contexts) await c.close();
    await browser?.close();
  } finally {
    await server?.close();
  }
});

describe('points pages', () => {
  it('shows the balance, redeems a reward, and the merchant confirms the code', async () => {
    const { page, errors } = await phoneAs('sim-wang');
    await page.goto(`${base()}/app/#/points`);
    // 王秀英 has 120 seeded points for her volunteering.
    await expect.poll(() => page.locator('.points-balance strong').textContent()).toBe('120');
    await expect.poll(() => page.locator('.points-entry').count()).toBe(1);
    await page.screenshot({ path: 'test-results/screenshots/points-mine.png', fullPage: true });

    await page.goto(`${base()}/app/#/rewards`);
    await expect.poll(() => page.locator('.shop-balance-value').textContent()).toBe('120');
    // 120 points buy any of the demo shop's rewards (30, 60 and 100).
    expect(await page.locator('.reward[data-available="true"] .redeem:not([disabled])').count()).toBe(3);
    expect(await page.locator('.reward-reason').count()).toBe(0);
    const code = await redeemInShop(page, '鸡蛋一盒');
    expect(code).toMatch(/^\d{8}$/);
    await expect.poll(() => page.locator('.shop-balance-value').textContent()).toBe('90');
    // 理发券 costs 100: after the eggs she is 10 short.
    expect(await rewardCard(page, '理发券')).toEqual({
      enabled: false,
      reason: zh.points.page.shortBy.replace('{{short}}', '10'),
    });
    await page.screenshot({ path: 'test-results/screenshots/points-redeemed.png', fullPage: true });

    const shop = await phoneAs('sim-shop');
    await shop.page.goto(`${base()}/app/#/merchant`);
    expect(await confirmAtCounter(shop.page, code)).toEqual({
      ok: true,
      text: zh.points.page.confirmed.replace('{{title}}', '鸡蛋一盒'),
    });
    await shop.page.screenshot({ path: 'test-results/screenshots/points-merchant.png', fullPage: true });

    await page.reload();
    await expect.poll(() => page.locator('.redemption[data-state="confirmed"]').count()).toBe(1);
    await page.goto(`${base()}/app/#/points`);
    await expect.poll(() => page.locator('.points-balance strong').textContent()).toBe('90');
    expect([...errors, ...shop.errors]).toEqual([]);
  });

  it('shows why a reward is out of reach, and keeps a refused attempt out of 我的兑换', async () => {
    // The shop lists something nobody can have: none left.
    const listed = await apiAs('sim-shop', 'POST', '/api/rewards', {
      title: '中秋月饼',
      price: 10,
      stock: 0,
    });
    expect(listed.status).toBe(201);

    // 李建国 has 80 seeded points: 理发券 (100) is out of reach, and the refused attempt is kept out of sight.
    const refused = await apiAs('sim-li', 'POST', `/api/rewards/${(await shopItem('理发券')).id}/redeem`, {
      requestId: 'points-e2e-refused-1',
    });
    expect(refused).toEqual({
      status: 409,
      json: { error: { code: 'insufficient_points', message: zh.points.errors.insufficient } },
    });

    const { page, errors } = await phoneAs('sim-li');
    await page.goto(`${base()}/app/#/rewards`);
    await expect.poll(() => page.locator('.shop-balance-value').textContent()).toBe('80');
    expect(await rewardCard(page, '鸡蛋一盒')).toEqual({ enabled: true, reason: null });
    expect(await rewardCard(page, '洗衣液一瓶')).toEqual({ enabled: true, reason: null });
    expect(await rewardCard(page, '理发券')).toEqual({
      enabled: false,
      reason: zh.points.page.shortBy.replace('{{short}}', '20'),
    });
    expect(await rewardCard(page, '中秋月饼')).toEqual({ enabled: false, reason: zh.points.page.soldOut });
    // 我的兑换 does not carry the refused attempt as a 未成功 entry.
    expect(await page.locator('.redemption').count()).toBe(0);
    expect(await page.locator('.empty').textContent()).toBe(zh.points.page.noRedemptions);
    await page.screenshot({ path: 'test-results/screenshots/points-shop-out-of-reach.png', fullPage: true });

    // A reward she can afford still redeems; her list then holds that one only.
    const code = await redeemInShop(page, '洗衣液一瓶');
    expect(code).toMatch(/^\d{8}$/);
    await expect.poll(() => page.locator('.shop-balance-value').textContent()).toBe('20');
    expect(await page.locator('.redemption').count()).toBe(1);
    expect(await page.locator('.redemption[data-state="failed"]').count()).toBe(0);
    expect(await page.locator('.redemptions').textContent()).not.toContain('理发券');
    expect(await rewardCard(page, '鸡蛋一盒')).toEqual({
      enabled: false,
      reason: zh.points.page.shortBy.replace('{{short}}', '10'),
    });
    expect(errors).toEqual([]);
  });
});

/** A reward of the demo shop, by title, as the API lists it. */
async function shopItem(title: string): Promise<{ id: string; stock: number }> {
  const { json } = await apiAs('sim-li', 'GET', '/api/rewards');
  return (json.items as { id: string; title: string; stock: number }[]).find((r) => r.title === title)!;
}
