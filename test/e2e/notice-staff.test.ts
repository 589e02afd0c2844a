import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { resources } from '../../shared/i18n/index.js';
import type { NoticeList } from '../../shared/schemas/notice.js';
import { demoCookieHeader, SCREENSHOTS, useE2eServer } from '../support/e2e.js';
import { eventually } from '../support/test-server.js';

/**
 * The staff notice pages in real Chromium, with the embedded bot delivering through the simulator:
 * 陈书记 composes a notice to 全部, sees the preview per platform, sends it, watches each group reach
 * "sent", 王秀英 acknowledges through the short link, and the report shows it.
 */

const zh = resources['zh-CN'].staffNotices;

const e2e = useE2eServer({ demo: true, embedBot: true });
const base = e2e.url;

/** What the phone shows; the tab bar is fixed, so a full-page shot would paint it mid-page. */
async function screenshot(page: Page, name: string, scrollTo?: string): Promise<void> {
  if (scrollTo)
    await page
      .locator(scrollTo)
      .first()
      .evaluate((n) => n.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** Taps a resident on the sign-in page (which must be showing) and waits to be signed in. */
async function signInAs(page: Page, name: string): Promise<void> {
  await page.waitForURL(/#\/sign-in$/);
  await page.locator(`.pick[data-name="${name}"]`).tap();
  await page.waitForFunction(() => location.hash !== '#/sign-in');
}

describe('staff notice pages', () => {
  it('compose with preview, send, live delivery, acknowledgement in the report', async () => {
    const text = `本周六上午九点消防演练，请各户准时参加 ${Date.now()}`;
    const page = await e2e.newPage();
    await page.goto(`${base()}/app/#/staff/notices/new`);
    await signInAs(page, '陈书记');
    await page.waitForURL(/#\/staff\/notices\/new$/);

    // 全部 is the first choice; the preview follows the text as it is typed.
    const picker = page.locator('#sn-scope');
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe(zh.compose.everyone);
    await page.locator('#sn-text').fill(text);
    await page.locator('.sn-more summary').tap();
    await page.locator('#sn-text-en').fill('Fire drill this Saturday at 9 am');
    const wechat = page.locator('.sn-bubble-card[data-platform="wechat"][data-language="zh-CN"] .sn-bubble');
    await expect.poll(() => wechat.textContent(), { timeout: 10_000 }).toContain(text);
    expect(await wechat.textContent()).toMatch(/^【社区通知 N…】/);
    expect(await wechat.textContent()).toContain('/app/#/n/');
    await expect.poll(() => page.locator('.sn-bubble-card').count()).toBe(6);
    expect(
      await page
        .locator('.sn-bubble-card[data-platform="dingtalk"][data-language="en"] .sn-bubble')
        .textContent(),
    ).toContain('Fire drill this Saturday');
    expect(await page.locator('.sn-targets').textContent()).toContain('3');
    await screenshot(page, 'notice-staff-compose');
    await screenshot(page, 'notice-staff-preview', '.sn-preview');

    await page.locator('.sn-submit').tap();
    await page.locator('.dialog-confirm').tap();
    await page.waitForURL(/#\/staff\/notices$/);

    // The list shows the notice and each group reaching "sent" as the simulator delivers.
    const card = page.locator('.sn-notice', { hasText: text });
    await expect.poll(() => card.locator('.sn-group').count(), { timeout: 15_000 }).toBe(3);
    await expect
      .poll(() => card.locator('.sn-group[data-state="sent"]').count(), { timeout: 20_000 })
      .toBe(3);
    expect(await card.locator('.sn-progress').textContent()).toBe(
      resources['zh-CN'].staffNotices.list.progress
        .replace('{{sent}}', '3')
        .replace('{{queued}}', '0')
        .replace('{{failed}}', '0'),
    );
    await screenshot(page, 'notice-staff-list');

    // 王秀英 taps the short link the groups received.
    const cookie = await demoCookieHeader(e2e.server(), 'sim-chen');
    const list = (await (await fetch(`${base()}/api/notices`, { headers: { cookie } })).json()) as NoticeList;
    const notice = list.items.find((n) => n.text === text)!;
    const resident = await e2e.newPage();
    await resident.goto(`${base()}/app/#/n/${notice.code}`);
    await signInAs(resident, '王秀英');
    await resident.locator('.notice-ack').tap();
    await expect.poll(() => resident.locator('.notice-acked').count()).toBe(1);

    // The secretary opens the report; it refreshes by itself and shows the household as read.
    await card.locator('.sn-open').tap();
    await page.waitForURL(new RegExp(`#/staff/notices/${notice.id}$`));
    const wang = page.locator(
      '.sn-report-group[data-group="3栋邻里群"] .sn-household[data-address="3-2-501"]',
    );
    await expect.poll(() => wang.getAttribute('data-read'), { timeout: 15_000 }).toBe('true');
    expect(await wang.locator('.sn-by').textContent()).toContain('王秀英');
    expect(
      await page
        .locator('.sn-report-group[data-group="3栋邻里群"] .sn-household[data-address="3-1-203"]')
        .getAttribute('data-read'),
    ).toBe('false');
    expect(await page.locator('.sn-export').getAttribute('href')).toBe(
      `/api/notices/${notice.id}/export.xlsx`,
    );
    await screenshot(page, 'notice-staff-report', '.sn-totals');

    // One follow-up to the unread, then the button says it was sent.
    await page.locator('.sn-follow-up').tap();
    await page.locator('.dialog-confirm').tap();
    await expect.poll(() => page.locator('.sn-follow-up').textContent()).toBe(zh.detail.followedUp);
    expect(await page.locator('.sn-follow-up').isDisabled()).toBe(true);
    await eventually(
      async () =>
        (await e2e.server().container.models.delivery.countDocuments({
          _id: { $regex: `^notice:${notice.id}:followup:` },
        })) > 0,
    );
  });

  it('schedules a notice for later and cancels it from the list', async () => {
    const text = `下周二上午停水 ${Date.now()}`;
    const page = await e2e.newPage();
    await page.goto(`${base()}/app/#/staff/notices/new`);
    await signInAs(page, '陈书记');
    await page.waitForURL(/#\/staff\/notices\/new$/);
    await page.locator('#sn-text').fill(text);
    await page.locator('#sn-when-later').check();
    expect(await page.locator('.sn-submit').textContent()).toBe(zh.compose.schedule);
    expect(await page.locator('#sn-send-at').inputValue()).not.toBe('');
    await page.locator('.sn-submit').tap();
    await page.waitForURL(/#\/staff\/notices$/);

    const item = page.locator('.sn-schedule-scheduled', { hasText: text });
    await expect.poll(() => item.count()).toBe(1);
    await screenshot(page, 'notice-staff-scheduled');
    await item.locator('.sn-cancel').tap();
    await page.locator('.dialog-confirm').tap();
    await expect.poll(() => page.locator('.sn-schedule-cancelled', { hasText: text }).count()).toBe(1);
    expect(await page.locator('.feedback').textContent()).toBe(zh.list.cancelled);
  });
});
