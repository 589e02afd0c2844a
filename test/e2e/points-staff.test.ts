import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { resources } from '../../shared/i18n/index.js';
import type { AccountView, HistoryView, RulesView } from '../../shared/schemas/points.js';
import { demoCookie, SCREENSHOTS, useE2eServer } from '../support/e2e.js';

/**
 * The staff points page in real Chromium: 陈书记 edits the rules and grants points to 王秀英, who sees
 * them; a deduction beyond her balance is refused with the translated reason; a resident is turned
 * away; the admin runs the reconciliation.
 */

const zh = resources['zh-CN'].points;

const e2e = useE2eServer({ demo: true });
const base = e2e.url;
const cookieFor = (platformId: string) => demoCookie(e2e.server(), platformId);

async function getAs<T>(platformId: string, path: string): Promise<T> {
  const { name, value } = await cookieFor(platformId);
  const res = await fetch(`${base()}${path}`, { headers: { cookie: `${name}=${value}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** A phone signed in as a demo resident, showing `hash`. */
async function phoneAs(platformId: string, hash: string): Promise<Page> {
  const page = await e2e.newPage();
  await page.context().addCookies([{ ...(await cookieFor(platformId)), url: base() }]);
  await page.goto(`${base()}/app/${hash}`);
  return page;
}

const fill = (text: string, values: Record<string, string | number>) =>
  Object.entries(values).reduce((s, [k, v]) => s.replace(`{{${k}}}`, String(v)), text);

describe('staff points page', () => {
  it('edits a rule’s points, cap, vanguard flag and on/off, and the change persists', async () => {
    const page = await phoneAs('sim-chen', '#/staff/points');
    const vote = page.locator('.sp-rule[data-rule="voteCast"]');
    await expect.poll(() => vote.locator('.sp-points').inputValue()).toBe('2');
    expect(await page.locator('.tab[data-tab="staff"]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('.sp-updated').textContent()).toBe(zh.staff.rules.defaults);
    // Secretaries do not see the reconciliation; that is for admins.
    expect(await page.locator('.sp-reconcile').count()).toBe(0);

    // An empty points field on a rule that is on is refused before anything is sent.
    await vote.locator('.sp-points').fill('');
    await page.locator('.sp-save').tap();
    expect(await page.locator('.sp-rules-feedback .form-error').textContent()).toBe(
      fill(zh.staff.rules.needPoints, { rule: zh.rules.voteCast }),
    );

    await vote.locator('.sp-points').fill('3');
    await vote.locator('.sp-dayCap').fill('12');
    await vote.locator('.sp-weekCap').fill('40');
    await page.locator('.sp-rule[data-rule="reportAccepted"] .sp-vanguard').check();
    const notice = page.locator('.sp-rule[data-rule="noticeAck"]');
    await notice.locator('.sp-on').uncheck();
    expect(await notice.locator('.sp-points').isDisabled()).toBe(true);
    await page.locator('.sp-save').tap();
    await expect
      .poll(() => page.locator('.sp-rules-feedback .notice-done').textContent())
      .toBe(zh.staff.rules.saved);

    const saved = await getAs<RulesView>('sim-chen', '/api/points/rules');
    expect(saved.updatedAt).not.toBeNull();
    expect(saved.rules.find((r) => r.rule === 'voteCast')).toEqual({
      rule: 'voteCast',
      points: 3,
      dayCap: 12,
      weekCap: 40,
      yearCap: null,
      vanguard: true,
    });
    expect(saved.rules.find((r) => r.rule === 'reportAccepted')).toMatchObject({ points: 5, vanguard: true });
    expect(saved.rules.find((r) => r.rule === 'noticeAck')).toMatchObject({ points: 0, dayCap: 5 });

    await page.reload();
    await expect.poll(() => vote.locator('.sp-points').inputValue()).toBe('3');
    expect(await vote.locator('.sp-dayCap').inputValue()).toBe('12');
    expect(await vote.locator('.sp-yearCap').inputValue()).toBe('');
    expect(await notice.locator('.sp-on').isChecked()).toBe(false);
    expect(await page.locator('.sp-updated').textContent()).not.toBe(zh.staff.rules.defaults);
    await page.locator('.sp-rules').evaluate((n) => n.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `${SCREENSHOTS}points-staff-rules.png` });
  });

  it('grants points with a reason, the resident sees them, and an overdraft changes nothing', async () => {
    const page = await phoneAs('sim-chen', '#/staff/points');
    await page.locator('#sp-q').fill('王秀英');
    await page.locator('.sp-find').tap();
    await page.locator('.sp-result[data-name="王秀英"]').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}points-staff-search.png` });
    await page.locator('.sp-result[data-name="王秀英"]').tap();
    // 王秀英 has 120 seeded points.
    const person = page.locator('.sp-picked .sp-person');
    expect(await person.locator('.sp-balances').textContent()).toBe(
      fill(zh.staff.grant.balances, { points: 120, minutes: 0 }),
    );
    expect(await person.locator('.sp-meta').textContent()).toContain('3-2-501');

    await page.locator('#sp-amount').fill('20');
    await page.locator('#sp-reason').fill('协助楼道清洁');
    await page.locator('.sp-submit').tap();
    await expect
      .poll(() => page.locator('.sp-grant-feedback .notice-done').textContent())
      .toBe(fill(zh.staff.grant.given, { name: '王秀英', amount: 20, unit: '积分', balance: 140 }));
    expect(await person.locator('.sp-balances').textContent()).toBe(
      fill(zh.staff.grant.balances, { points: 140, minutes: 0 }),
    );
    expect(await page.locator('#sp-reason').inputValue()).toBe('');
    // What the phone shows from the top; the tab bar is fixed, so full-page shots paint it mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: '/tmp/staff-points.png' });
    await page.screenshot({ path: `${SCREENSHOTS}points-staff.png` });

    // A deduction of more than she has: the translated reason, and the ledger is untouched.
    await page.locator('.sp-radio', { hasText: zh.staff.grant.take }).tap();
    expect(await page.locator('.sp-submit').textContent()).toBe(zh.staff.grant.submitTake);
    await page.locator('#sp-amount').fill('1000');
    await page.locator('#sp-reason').fill('误发更正');
    await page.locator('.sp-submit').tap();
    await expect
      .poll(() => page.locator('.sp-grant-feedback .notice-failed').textContent())
      .toBe(fill(zh.errors.belowFloor, { balance: 140 }));
    await page.screenshot({ path: `${SCREENSHOTS}points-staff-refused.png` });
    expect((await getAs<AccountView>('sim-wang', '/api/points/me')).points).toBe(140);
    const history = await getAs<HistoryView>('sim-wang', '/api/points/history');
    expect(history.items.map((e) => [e.amount, e.memo])).toEqual([
      [20, '协助楼道清洁'],
      [120, '楼道清洁志愿服务'],
    ]);

    const resident = await phoneAs('sim-wang', '#/points');
    await expect.poll(() => resident.locator('.points-balance strong').textContent()).toBe('140');
    const latest = resident.locator('.points-entry').first();
    expect(await latest.locator('span').textContent()).toBe('协助楼道清洁');
    expect(await latest.locator('strong').textContent()).toBe('+20');
  });

  it('tells a resident they may not manage points', async () => {
    const page = await phoneAs('sim-wang', '#/staff/points');
    await expect
      .poll(() => page.locator('.sp-denied').textContent())
      .toBe(fill(zh.errors.forbidden, { action: zh.actions.points.manage }));
    expect(await page.locator('.sp-grant, .sp-rules').count()).toBe(0);
  });

  it('shows the admin the last reconciliation and runs one now', async () => {
    const page = await phoneAs('sim-admin', '#/staff/points');
    const card = page.locator('.sp-reconcile');
    await expect.poll(() => card.locator('.sp-recon-last').count()).toBe(1);
    await card.locator('.sp-run').tap();
    await expect
      .poll(() => card.locator('.sp-recon-result').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('ok');
    expect(await card.locator('.sp-recon-result').textContent()).toBe(zh.staff.reconcile.ok);
    expect(await card.locator('.sp-recon-last').textContent()).toMatch(/^上次对账：/);
    await page.screenshot({ path: `${SCREENSHOTS}points-staff-reconcile.png`, fullPage: true });
  });
});
