import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { resources } from '../../shared/i18n/index.js';
import type { ReportDetailView, RoutingTable } from '../../shared/schemas/report.js';
import { demoCookie, demoCookieHeader, SCREENSHOTS, useE2eServer } from '../support/e2e.js';

/**
 * The staff routing page (四位一体) in real Chromium: 陈书记 hands greenery to the residents' committee,
 * the table reads back and survives a reload, and a new greenery report goes there; 王秀英 is turned away.
 */

const zh = resources['zh-CN'].reports;

const e2e = useE2eServer({ demo: true });
const base = e2e.url;

async function call<T>(platformId: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: {
      cookie: await demoCookieHeader(e2e.server(), platformId),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

/** A phone signed in as a demo resident, showing `hash`. */
async function phoneAs(platformId: string, hash: string): Promise<Page> {
  const page = await e2e.newPage();
  await page.context().addCookies([{ ...(await demoCookie(e2e.server(), platformId)), url: base() }]);
  await page.goto(`${base()}/app/${hash}`);
  return page;
}

/** Files a report through Open311 with a key the admin issues; returns its number. */
async function fileOpen311(serviceCode: string, description: string): Promise<string> {
  const { key } = await call<{ key: string }>('sim-admin', 'POST', '/api/open311/keys', { name: 'e2e' });
  const res = await fetch(`${base()}/open311/v2/requests.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      api_key: key,
      service_code: serviceCode,
      address_string: '3栋',
      description,
    }).toString(),
  });
  expect(res.status).toBe(201);
  const [created] = (await res.json()) as { service_request_id: string }[];
  return created!.service_request_id;
}

describe('report routing page', () => {
  it('the secretary reroutes a service type; it persists and new reports follow it', async () => {
    const page = await phoneAs('sim-chen', '#/staff/reports');
    const link = page.locator('.report-routing-link');
    expect(await link.textContent()).toBe(zh.page.routingLink);
    await link.tap();
    await page.waitForURL((url) => url.hash === '#/staff/reports/routing');
    const greenery = page.locator('.routing-row[data-type="greenery"] select');
    await expect.poll(() => greenery.inputValue()).toBe('ownersCommittee');
    expect(await page.locator('.tab[data-tab="staff"]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('.routing-row[data-type="greenery"] label').textContent()).toBe(
      zh.serviceTypes.greenery,
    );
    // 'other' has no rule in the demo table, so it shows the fallback.
    expect(await page.locator('.routing-row[data-type="other"] select').inputValue()).toBe('secretary');

    await greenery.selectOption('residentsCommittee');
    await page.locator('.routing-save').tap();
    await expect
      .poll(() => page.locator('.routing-feedback .notice-done').textContent())
      .toBe(zh.page.routing.saved);
    await page.screenshot({ path: `${SCREENSHOTS}report-routing.png`, fullPage: true });

    const table = await call<RoutingTable>('sim-chen', 'GET', '/api/report-routing');
    expect(table.rules.filter((r) => r.serviceType === 'greenery')).toEqual([
      expect.objectContaining({ party: 'residentsCommittee' }),
    ]);
    // The other rules were saved unchanged.
    expect(table.rules.find((r) => r.serviceType === 'noise')?.party).toBe('gridWorker');
    expect(table.rules.some((r) => r.serviceType === 'other')).toBe(false);

    await page.reload();
    await expect.poll(() => greenery.inputValue()).toBe('residentsCommittee');

    const number = await fileOpen311('greenery', '3栋门口的树枝断了挡路');
    const ticket = await call<ReportDetailView>('sim-chen', 'GET', `/api/reports/${number}`);
    expect(ticket.party).toBe('residentsCommittee');
  });

  it('a resident opening the page sees the server’s not-allowed message', async () => {
    const res = await fetch(`${base()}/api/report-routing`, {
      headers: { cookie: await demoCookieHeader(e2e.server(), 'sim-wang'), 'accept-language': 'zh-CN' },
    });
    expect(res.status).toBe(403);
    const { error } = (await res.json()) as { error: { message: string } };

    const page = await phoneAs('sim-wang', '#/staff/reports/routing');
    await expect.poll(() => page.getByText(error.message).count()).toBeGreaterThan(0);
    expect(await page.locator('.routing-save').count()).toBe(0);
  });
});
