import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../miniprogram/src/api.js';
import { resources, translator } from '../../shared/i18n/index.js';
import type { OpinionList } from '../../shared/schemas/opinion.js';
import { SCREENSHOTS, useE2eServer } from '../support/e2e.js';
import { eventually } from '../support/test-server.js';

/**
 * The mini-app's first page in real Chromium on a phone-sized screen, against the real server with the
 * embedded bot: an opinion typed into the simulator must show up in the mini-app under its category.
 */

const zh = resources['zh-CN'];
const en = resources.en;

const e2e = useE2eServer({ demo: true, embedBot: true });
const baseUrl = e2e.url;
const newPage = e2e.newPage;

/** What a resident types in the simulator, straight through its API (no page needed). */
async function say(input: {
  senderId: string;
  senderName: string;
  groupId: string;
  groupName: string;
  text: string;
}) {
  const res = await fetch(`${baseUrl()}/simulator/api/say`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  expect(res.status).toBe(200);
}

async function opinionCounts(): Promise<Record<string, number>> {
  const res = await fetch(`${baseUrl()}/api/opinions?community=lingshan&limit=1`);
  return ((await res.json()) as OpinionList).counts;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** Each chip's count as shown, keyed by its category (`all` for 全部). */
function chipCounts(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.chip', (chips) =>
    Object.fromEntries(
      chips.map((chip) => [
        (chip as HTMLElement).dataset.category,
        chip.querySelector('.chip-count')?.textContent,
      ]),
    ),
  );
}

function shownCodes(page: Page): Promise<string[]> {
  return page.$$eval('.opinion', (items) => items.map((item) => (item as HTMLElement).dataset.code ?? ''));
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

describe('mini-app: recent opinions by category', () => {
  it('lists an opinion typed in the simulator under its category, with counts and a working filter', async () => {
    // Another category first, so the 交通 filter has something to hide.
    await say({
      senderId: 'sim-li',
      senderName: '李建国',
      groupId: 'sim-group-all',
      groupName: '灵山小区居民群',
      text: '#意见 建筑: 3栋电梯经常坏，老人上下楼不方便',
    });
    await eventually(async () => (await opinionCounts()).buildings === 1);

    const simulator = await newPage();
    await simulator.goto(`${baseUrl()}/simulator/`);
    await simulator.locator('#resident option[value="sim-wang"]').waitFor({ state: 'attached' });
    await simulator.selectOption('#resident', 'sim-wang');
    await simulator.selectOption('#group', 'sim-group-b3');
    await simulator.fill('#text', '#意见 交通: 南门口早上车太多了');
    await simulator.locator('#composer button[type="submit"]').tap();
    const reply = simulator.locator('.msg.bot .bubble').filter({ hasText: /Y\d+/ });
    await reply.waitFor();
    const replyText = (await reply.textContent()) ?? '';
    const code = /Y\d+/.exec(replyText)?.[0];
    expect(code).toBe('Y2');
    expect(replyText).toContain(zh.categories.transport);
    await expect
      .poll(() => simulator.locator('.msg.me .bubble').textContent())
      .toContain('南门口早上车太多了');
    await screenshot(simulator, 'simulator-after-reply');

    const app = await newPage();
    await app.goto(`${baseUrl()}/app/`);
    const item = app.locator(`.opinion[data-code="${code}"]`);
    await item.waitFor();
    expect(await app.title()).toBe(zh.app.title);
    expect(await app.locator('h1').textContent()).toBe(zh.app.title);
    expect(await item.locator('.opinion-text').textContent()).toBe('南门口早上车太多了');
    expect(await item.locator('.tag').textContent()).toBe(zh.categories.transport);
    expect(await item.locator('.status').textContent()).toBe(zh.app.status.received);
    expect(await item.locator('.author').textContent()).toBe('王**');
    expect(await app.locator('body').textContent()).not.toContain('王秀英');
    expect(await item.locator('.group').textContent()).toContain('3栋邻里群');
    expect(await item.locator('time').textContent()).toBe(zh.app.justNow);
    // Newest first.
    expect(await shownCodes(app)).toEqual(['Y2', 'Y1']);
    expect(await chipCounts(app)).toMatchObject({ all: '2', transport: '1', buildings: '1', health: '0' });
    expect(await app.locator('.chip[data-category="all"]').getAttribute('aria-pressed')).toBe('true');
    expect(await app.locator('.list-end').textContent()).toBe(zh.app.noMore);

    // Big enough for old eyes and fingers.
    expect(
      await app.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize)),
    ).toBeGreaterThanOrEqual(17);
    for (const box of await app
      .locator('.chip')
      .evaluateAll((chips) => chips.map((c) => c.getBoundingClientRect())))
      expect(box.height).toBeGreaterThanOrEqual(44);
    // The chip row scrolls sideways; the page itself never does.
    expect(await app.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await app.locator('.chips').evaluate((row) => row.scrollWidth > row.clientWidth)).toBe(true);
    await screenshot(app, 'miniapp-list');

    await app.locator('.chip[data-category="transport"]').tap();
    await eventually(async () => (await shownCodes(app)).join() === 'Y2');
    expect(await app.locator('.chip[data-category="transport"]').getAttribute('aria-pressed')).toBe('true');
    expect(await app.locator('.chip[data-category="all"]').getAttribute('aria-pressed')).toBe('false');
    expect(await app.locator('.opinion .tag').allTextContents()).toEqual([zh.categories.transport]);
    expect(await chipCounts(app)).toMatchObject({ all: '2', transport: '1' });
    await screenshot(app, 'miniapp-filtered-transport');

    await app.locator('.chip[data-category="health"]').tap();
    await app.locator('.empty').waitFor();
    expect(await app.locator('.empty-title').textContent()).toBe(zh.app.emptyCategory);
    expect(await app.locator('.opinion').count()).toBe(0);

    await app.locator('.chip[data-category="all"]').tap();
    await eventually(async () => (await shownCodes(app)).join() === 'Y2,Y1');
  });

  it('speaks English with ?lang=en and Traditional Chinese on a zh-TW phone', async () => {
    const english = await newPage();
    await english.goto(`${baseUrl()}/app/?lang=en`);
    await english.locator('.opinion[data-code="Y2"]').waitFor();
    expect(await english.locator('html').getAttribute('lang')).toBe('en');
    expect(await english.title()).toBe(en.app.title);
    expect(await english.locator('h1').textContent()).toBe(en.app.title);
    expect(await english.locator('.section-title').textContent()).toBe(en.app.recentOpinions);
    expect(await english.locator('.chip[data-category="all"] .chip-name').textContent()).toBe(en.app.all);
    expect(await english.locator('.chip[data-category="lowCarbon"] .chip-name').textContent()).toBe(
      en.categories.lowCarbon,
    );
    const item = english.locator('.opinion[data-code="Y2"]');
    expect(await item.locator('.tag').textContent()).toBe(en.categories.transport);
    expect(await item.locator('.status').textContent()).toBe(en.app.status.received);
    expect(await item.locator('.group').textContent()).toBe('from 3栋邻里群');
    await screenshot(english, 'miniapp-english');

    const traditional = await newPage({ locale: 'zh-TW' });
    await traditional.goto(`${baseUrl()}/app/`);
    await traditional.locator('.opinion[data-code="Y2"]').waitFor();
    expect(await traditional.locator('h1').textContent()).toBe(resources['zh-TW'].app.title);
    expect(await traditional.locator('.opinion[data-code="Y2"] .tag').textContent()).toBe('交通');
    expect(await traditional.locator('.opinion[data-code="Y1"] .tag').textContent()).toBe(
      resources['zh-TW'].categories.buildings,
    );
  });

  it('shows a translated error with a retry button for an unknown community', async () => {
    const page = await newPage();
    const listCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/opinions')) listCalls.push(request.url());
    });
    await page.goto(`${baseUrl()}/app/?community=nope`);
    await page.locator('.load-failed').waitFor();
    const t = translator('zh-CN');
    expect(await page.locator('.load-failed-title').textContent()).toBe(zh.app.loadError);
    expect(await page.locator('.load-failed-detail').textContent()).toBe(
      t('errors.notFound', { what: t('what.community') }),
    );
    const retry = page.locator('.load-failed button.retry');
    expect(await retry.textContent()).toBe(zh.app.retry);
    expect((await retry.boundingBox())?.height).toBeGreaterThanOrEqual(44);
    expect(await page.locator('.opinion').count()).toBe(0);
    // No chips with made-up zero counts for a community that never loaded.
    expect(await page.locator('.chips').isVisible()).toBe(false);
    expect(listCalls).toHaveLength(1);
    await screenshot(page, 'miniapp-load-failed');

    await retry.tap();
    await eventually(() => listCalls.length === 2);
    await page.locator('.load-failed').waitFor();
    expect(await page.locator('.load-failed-title').textContent()).toBe(zh.app.loadError);
  });

  it('loads older opinions with "load more" until there are no more', async () => {
    const before = total(await opinionCounts());
    // One at a time, so every opinion gets its own creation time.
    for (let i = 1; i <= PAGE_SIZE; i++) {
      await say({
        senderId: 'sim-zhang',
        senderName: '张老师',
        groupId: 'sim-group-all',
        groupName: '灵山小区居民群',
        text: `#意见 邻里: 第${i}条建议，周末办一次邻居聚会`,
      });
      await eventually(async () => total(await opinionCounts()) === before + i);
    }
    const expected = before + PAGE_SIZE;

    const page = await newPage();
    await page.goto(`${baseUrl()}/app/`);
    await page.locator('.opinion').first().waitFor();
    expect(await page.locator('.opinion').count()).toBe(PAGE_SIZE);
    expect(await chipCounts(page)).toMatchObject({ all: String(expected), neighbourhood: String(PAGE_SIZE) });
    const loadMore = page.locator('button.load-more');
    expect(await loadMore.textContent()).toBe(zh.app.loadMore);
    await screenshot(page, 'miniapp-load-more');

    await loadMore.tap();
    await eventually(async () => (await page.locator('.opinion').count()) === expected);
    const codes = await shownCodes(page);
    expect(new Set(codes).size).toBe(expected);
    expect(codes.at(-1)).toBe('Y1');
    expect(await page.locator('button.load-more').count()).toBe(0);
    expect(await page.locator('.list-end').textContent()).toBe(zh.app.noMore);
  });
});
