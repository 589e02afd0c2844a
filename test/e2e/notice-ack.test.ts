import { type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../shared/i18n/index.js';
import type { NoticePublicView } from '../../shared/schemas/notice.js';
import { buildMiniprogram, launchChromium } from '../support/browser.js';
import { demoCookie } from '../support/e2e.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The notice short link in real Chromium: a resident opens it, taps 收到 once, and it is recorded. */

let server: TestServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
const zh = resources['zh-CN'];

const base = () => server!.url;

const cookieFor = (platformId: string) => demoCookie(server!, platformId);

beforeAll(async () => {
  buildMiniprogram();
  server = await startTestServer({ demo: true });
  browser = await launchChromium();
});

afterAll(async () => {
  try {
    await context?.close();
    await browser?.close();
  } finally {
    await server?.close();
  }
});

describe('notice ack page', () => {
  it('shows the notice and records one tap on 收到', async () => {
    const community = await server!.container.repositories.communities.findByCode('lingshan');
    const secretary = await cookieFor('sim-chen');
    const sent = await fetch(`${base()}/api/notices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${secretary.name}=${secretary.value}` },
      body: JSON.stringify({ scope: community!.id, text: '周六上午九点消防演练' }),
    });
    expect(sent.status).toBe(201);
    const { code } = (await sent.json()) as { code: string };

    const wang = await cookieFor('sim-wang');
    context = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    await context.addCookies([{ ...wang, url: base() }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base()}/app/#/n/${code}`);
    await expect.poll(() => page.locator('.notice-text').textContent()).toBe('周六上午九点消防演练');
    await page.locator('.notice-ack').click();
    await expect.poll(() => page.locator('.notice-acked').textContent()).toBe(zh.notices.page.acked);

    const view = await fetch(`${base()}/api/notices/by-code/${code}`, {
      headers: { cookie: `${wang.name}=${wang.value}` },
    });
    expect(((await view.json()) as NoticePublicView).acknowledged).toBe(true);
    // Opening the link again shows the confirmation instead of the button.
    await page.reload();
    await expect.poll(() => page.locator('.notice-acked').count()).toBe(1);
    expect(await page.locator('.notice-ack').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('sends a signed-out resident to sign in and back to the same notice', async () => {
    const community = await server!.container.repositories.communities.findByCode('lingshan');
    const secretary = await cookieFor('sim-chen');
    const sent = await fetch(`${base()}/api/notices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${secretary.name}=${secretary.value}` },
      body: JSON.stringify({ scope: community!.id, text: '下周二停水通知' }),
    });
    expect(sent.status).toBe(201);
    const { code } = (await sent.json()) as { code: string };

    const fresh = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    try {
      const page = await fresh.newPage();
      await page.goto(`${base()}/app/#/n/${code}`);
      // No session: the link asks to sign in first, then comes back to this notice, not to 我的.
      await page.waitForURL(/#\/sign-in$/);
      await page.locator('.pick[data-name="王秀英"]').click();
      await page.waitForURL(new RegExp(`#/n/${code}$`));
      await expect.poll(() => page.locator('.notice-text').textContent()).toBe('下周二停水通知');
      await page.locator('.notice-ack').click();
      await expect.poll(() => page.locator('.notice-acked').count()).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
