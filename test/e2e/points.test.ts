import { type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../shared/i18n/index.js';
import { buildMiniprogram, launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Points in real Chromium: a resident sees balance and history, redeems; the demo shop confirms. */

let server: TestServer | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const zh = resources['zh-CN'];
const base = () => server!.url;

async function cookieFor(platformId: string): Promise<{ name: string; value: string }> {
  const resident = await server!.container.repositories.residents.findByIdentity('simulator', platformId);
  const res = await fetch(`${base()}/api/auth/demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ residentId: resident!.id }),
  });
  expect(res.status).toBe(200);
  const [name, value] = (res.headers.get('set-cookie') ?? '').split(';')[0]!.split('=');
  return { name: name!, value: value! };
}

async function phoneAs(platformId: string) {
  const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  contexts.push(context);
  await context.addCookies([{ ...(await cookieFor(platformId)), url: base() }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
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
    const eggs = page.locator('.reward', { hasText: '鸡蛋一盒' });
    await eggs.locator('.redeem').click();
    await expect.poll(() => page.locator('.redemption-code').count()).toBe(1);
    const code = (await page.locator('.redemption-code').textContent())!;
    expect(code).toMatch(/^\d{8}$/);
    await page.screenshot({ path: 'test-results/screenshots/points-redeemed.png', fullPage: true });

    const shop = await phoneAs('sim-shop');
    await shop.page.goto(`${base()}/app/#/merchant`);
    await shop.page.locator('.code-input').fill(code);
    await shop.page.locator('.confirm-code').click();
    await expect
      .poll(() => shop.page.locator('.notice-done').textContent())
      .toBe(zh.points.page.confirmed.replace('{{title}}', '鸡蛋一盒'));
    await shop.page.screenshot({ path: 'test-results/screenshots/points-merchant.png', fullPage: true });

    await page.reload();
    await expect.poll(() => page.locator('.redemption[data-state="confirmed"]').count()).toBe(1);
    await page.goto(`${base()}/app/#/points`);
    await expect.poll(() => page.locator('.points-balance strong').textContent()).toBe('90');
    expect([...errors, ...shop.errors]).toEqual([]);
  });
});
