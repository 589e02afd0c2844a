import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MAX_ADOPT_NOTE_LENGTH } from '../../miniprogram/src/opinions-page.js';
import { resources } from '../../shared/i18n/index.js';
import {
  MAX_ADOPT_NOTE_LENGTH as SERVER_MAX_NOTE,
  type OpinionList,
  type OpinionView,
} from '../../shared/schemas/opinion.js';
import { demoCookieHeader, SCREENSHOTS, useE2eServer } from '../support/e2e.js';
import { eventually } from '../support/test-server.js';

/**
 * Adopting an opinion (意见采纳) in the mini-app, in real Chromium on a phone-sized screen against the
 * real server with the embedded bot: 王秀英 raises an opinion in 3栋邻里群, 陈书记 adopts it with a note
 * from the opinions page, and the card shows 已采纳 with the note; a plain resident never sees the button.
 */

const zh = resources['zh-CN'];

const e2e = useE2eServer({ demo: true, embedBot: true });
const baseUrl = e2e.url;
const newPage = e2e.newPage;

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** 王秀英 types an opinion in 3栋邻里群 through the simulator; resolves once the bot has filed it. */
async function raiseOpinion(text: string): Promise<OpinionView> {
  const res = await fetch(`${baseUrl()}/simulator/api/say`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      senderId: 'sim-wang',
      senderName: '王秀英',
      groupId: 'sim-group-b3',
      groupName: '3栋邻里群',
      text: `#意见 ${text}`,
    }),
  });
  expect(res.status).toBe(200);
  return eventually(async () => {
    const list = (await (await fetch(`${baseUrl()}/api/opinions?community=lingshan`)).json()) as OpinionList;
    return list.items.find((o) => o.text === text);
  });
}

/** Signs in as a seeded resident by one tap on the demo's sign-in page, then opens the opinions tab. */
async function openOpinionsAs(name: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${baseUrl()}/app/#/sign-in`);
  await page.locator(`.pick[data-name="${name}"]`).tap();
  await page.waitForFunction(() => location.hash !== '#/sign-in');
  await page.locator('.tab[data-tab="opinions"]').tap();
  await page.locator('.opinion').first().waitFor();
  return page;
}

describe('mini-app: adopting an opinion', () => {
  it('the page allows the same note length as the server', () => {
    expect(MAX_ADOPT_NOTE_LENGTH).toBe(SERVER_MAX_NOTE);
  });

  it('the secretary adopts with a note; the card shows 已采纳 and the note in place', async () => {
    const opinion = await raiseOpinion('3栋楼道的灯一直不亮');
    const page = await openOpinionsAs('陈书记');
    const card = page.locator(`.opinion[data-code="${opinion.code}"]`);
    const button = card.locator('button.opinion-adopt');
    expect(await button.textContent()).toBe(zh.opinionReview.page.adopt);
    expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await card.locator('.status').textContent()).toBe(zh.app.status.received);

    await button.tap();
    const dialog = page.locator('.dialog');
    await dialog.waitFor();
    expect(await dialog.locator('.dialog-title').textContent()).toBe(`采纳意见 ${opinion.code}？`);
    expect(await dialog.locator('.dialog-label').textContent()).toBe(zh.opinionReview.page.noteLabel);
    await dialog.locator('.dialog-input').fill('已列入下周议事会');
    await screenshot(page, 'opinion-adopt-sheet');
    await dialog.locator('.dialog-confirm').tap();

    await card.locator('.status-adopted').waitFor();
    expect(await card.locator('.status').textContent()).toBe(zh.app.status.adopted);
    expect(await card.locator('.opinion-adopted-note').textContent()).toBe('采纳说明：已列入下周议事会');
    expect(await card.locator('button.opinion-adopt').count()).toBe(0);
    expect(await page.locator('.feedback .notice-done').textContent()).toBe(`已采纳 ${opinion.code}`);
    expect(await page.locator('.dialog').count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'opinion-adopted');

    // The server agrees, and a reload shows the same.
    const stored = (
      (await (await fetch(`${baseUrl()}/api/opinions?community=lingshan`)).json()) as OpinionList
    ).items.find((o) => o.id === opinion.id);
    expect(stored).toMatchObject({ status: 'adopted', adopted: { note: '已列入下周议事会' } });
    await page.reload();
    await card.locator('.status-adopted').waitFor();
    expect(await card.locator('button.opinion-adopt').count()).toBe(0);
  });

  it('cancelling the sheet adopts nothing', async () => {
    const opinion = await raiseOpinion('垃圾分类点的灯坏了');
    const page = await openOpinionsAs('陈书记');
    const card = page.locator(`.opinion[data-code="${opinion.code}"]`);
    await card.locator('button.opinion-adopt').tap();
    await page.locator('.dialog').waitFor();
    await page.locator('.dialog-cancel').tap();
    expect(await page.locator('.dialog').count()).toBe(0);
    expect(await card.locator('button.opinion-adopt').count()).toBe(1);
    const list = (await (await fetch(`${baseUrl()}/api/opinions?community=lingshan`)).json()) as OpinionList;
    expect(list.items.find((o) => o.id === opinion.id)?.adopted).toBeNull();
  });

  it('a plain resident sees the adoption but no adopt button; nor does a visitor', async () => {
    const open = await raiseOpinion('希望小区多装几个长椅');
    const adopted = await raiseOpinion('希望周末开放活动室');
    const res = await fetch(`${baseUrl()}/api/opinions/${adopted.id}/adopt`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: await demoCookieHeader(e2e.server(), 'sim-chen'),
      },
      body: JSON.stringify({ note: '下周起开放' }),
    });
    expect(res.status).toBe(200);

    const resident = await openOpinionsAs('王秀英');
    await resident.locator(`.opinion[data-code="${open.code}"]`).waitFor();
    const card = resident.locator(`.opinion[data-code="${adopted.code}"]`);
    expect(await card.locator('.status-adopted').textContent()).toBe(zh.app.status.adopted);
    expect(await card.locator('.opinion-adopted-note').textContent()).toBe('采纳说明：下周起开放');
    expect(await resident.locator('button.opinion-adopt').count()).toBe(0);
    await screenshot(resident, 'opinion-adopted-resident');

    const visitor = await newPage();
    await visitor.goto(`${baseUrl()}/app/#/opinions`);
    await visitor.locator('.opinion').first().waitFor();
    expect(await visitor.locator('button.opinion-adopt').count()).toBe(0);
  });
});
