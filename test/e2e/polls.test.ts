import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { resources } from '../../shared/i18n/index.js';
import type { CreatePollInput, PollResults, PollView } from '../../shared/schemas/poll.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import { demoCookie, SCREENSHOTS, type Cookie, useE2eServer } from '../support/e2e.js';
import { TEST_GATEWAY_SECRET } from '../support/test-server.js';

/**
 * Polls in the mini-app, in real Chromium over a real server and engine. Demo cast: 陈书记 is the
 * secretary; owners 王秀英 (3-2-501, 89.56 m²), 李建国 (5-1-302, 102.3 m²), 刘楼长 (3-1-203, 76.8 m²);
 * tenants 张老师 and Emma Chen.
 */

const zh = resources['zh-CN'].polls.page;

const e2e = useE2eServer({ demo: true });
let client: GatewayClient;
const cookies = new Map<string, Cookie>();

const base = e2e.url;

beforeAll(() => {
  client = new GatewayClient(e2e.url(), TEST_GATEWAY_SECRET);
});

/** A seeded resident's session cookie, signed in once per file. */
async function cookieFor(platformId: string): Promise<Cookie> {
  const known = cookies.get(platformId);
  if (known) return known;
  const cookie = await demoCookie(e2e.server(), platformId);
  cookies.set(platformId, cookie);
  return cookie;
}

async function call<T>(as: string, method: string, path: string, body?: unknown): Promise<T> {
  const cookie = await cookieFor(as);
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: {
      cookie: `${cookie.name}=${cookie.value}`,
      'accept-language': 'zh-CN',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600_000).toISOString();

async function createPoll(input: Omit<CreatePollInput, 'closesAt'>): Promise<PollView> {
  const poll = await call<PollView>('sim-chen', 'POST', '/api/polls', { closesAt: inAWeek(), ...input });
  await deliverAll(client);
  return poll;
}

/** A phone page whose every wait fails after 10 s with the locator it was waiting for. */
async function newPage(): Promise<Page> {
  const page = await e2e.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** A phone page signed in as a seeded resident, at a hash of the mini-app. */
async function phoneAs(platformId: string, hash: string): Promise<Page> {
  const page = await newPage();
  await page.context().addCookies([{ ...(await cookieFor(platformId)), url: base() }]);
  await page.goto(`${base()}/app/${hash}`);
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Sends a chat message as a resident in a seeded simulator group; returns the bot's reply to it. */
async function say(senderId: string, senderName: string, text: string, groupId = 'sim-group-all') {
  const message = simulatorMessage(text, { senderId, senderName, groupId, groupName: '' });
  await client.postMessage(message);
  const entries = await deliverAll(client);
  return replyText(entries.find((e) => e.replyTo === message.channelMessageId));
}

/** Every cell of every sheet of a downloaded workbook, as text. */
async function workbookText(as: string, number: number): Promise<string> {
  const cookie = await cookieFor(as);
  const res = await fetch(`${base()}/api/polls/${number}/export.xlsx`, {
    headers: { cookie: `${cookie.name}=${cookie.value}` },
  });
  expect(res.status).toBe(200);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(await res.arrayBuffer());
  const cells: string[] = [];
  book.eachSheet((sheet) =>
    sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.value ?? '')))),
  );
  return cells.join('\n');
}

const votesOf = (page: Page, letter: string) =>
  page.locator(`.poll-count[data-option="${letter}"]`).getAttribute('data-votes');
const barOf = (page: Page, letter: string) =>
  page.locator(`.poll-chart-row[data-option="${letter}"]`).getAttribute('data-value');

describe('a named poll from the mini-app', () => {
  it('is created by the secretary, voted on the page (and changed) and in chat, closed, and charted', async () => {
    // 陈书记 signs in through the demo's picker and creates the poll on the form.
    const staff = await newPage();
    await staff.goto(`${base()}/app/#/sign-in`);
    await staff.locator('.pick[data-name="陈书记"]').click();
    await staff.waitForURL((url) => !url.hash.startsWith('#/sign-in'));
    await staff.goto(`${base()}/app/#/staff/polls/new`);
    await staff.locator('.poll-question-input').fill('东门夜间是否关闭？');
    await staff.locator('.poll-option-input').nth(0).fill('夜间关闭');
    await staff.locator('.poll-option-input').nth(1).fill('保持开放');
    await staff.locator('.poll-add-option').click();
    await staff.locator('.poll-option-input').nth(2).fill('再商量');
    // A blank option is caught on the page before anything is sent.
    await staff.locator('.poll-add-option').click();
    await staff.locator('.poll-option-input').nth(3).fill('再商量');
    await staff.locator('.poll-create').click();
    await expect.poll(() => staff.locator('.poll-form-error').textContent()).toBe(zh.form.errors.options);
    await staff.locator('.poll-option-row[data-option="D"] .poll-remove-option').click();
    await shoot(staff, 'polls-create');
    await staff.locator('.poll-create').click();
    await staff.waitForURL(/#\/staff\/polls\?created=\d+$/);
    const number = Number(/created=(\d+)/.exec(staff.url())![1]);
    const card = staff.locator(`.poll-staff-card[data-number="${number}"]`);
    await expect.poll(() => card.getAttribute('data-state')).toBe('open');
    await expect.poll(() => card.locator('.poll-live-turnout').getAttribute('data-voted')).toBe('0');
    const posted = await deliverAll(client);
    // The message in each group carries the poll page's link.
    expect(posted.some((e) => replyText(e).includes(`/app/#/polls/${number}`))).toBe(true);

    // 王秀英 opens the link, votes A, then changes to B before closing.
    const wang = await phoneAs('sim-wang', `#/polls/${number}`);
    await expect.poll(() => wang.locator('.poll-choice').count()).toBe(3);
    expect(await wang.locator('.poll-choice-input[type="radio"]').count()).toBe(3);
    expect(await wang.locator('.poll-results-link').count()).toBe(0);
    await wang.locator('.poll-choice[data-option="A"]').click();
    await wang.locator('.poll-submit').click();
    await expect
      .poll(() => wang.locator('.poll-status').textContent())
      .toBe(zh.cast.replace('{{choices}}', 'A. 夜间关闭'));
    await expect.poll(() => wang.locator('.poll-submit').textContent()).toBe(zh.change);
    expect(await wang.locator('.poll-choice[data-option="A"] input').isChecked()).toBe(true);
    await wang.locator('.poll-choice[data-option="B"]').click();
    await wang.locator('.poll-submit').click();
    await expect
      .poll(() => wang.locator('.poll-status').textContent())
      .toBe(zh.changed.replace('{{choices}}', 'B. 保持开放'));
    await shoot(wang, 'polls-vote-changed');
    const wangView = await call<PollView>('sim-wang', 'GET', `/api/polls/${number}`);
    expect(wangView.viewer.choices).toEqual(['B']);

    // 李建国 votes in the group chat instead.
    expect(await say('sim-li', '李建国', `#投票 ${number} B`)).toContain(String(number));

    // The secretary sees the live turnout, schedules a reminder, then closes the poll.
    await staff.reload();
    await expect.poll(() => card.locator('.poll-live-turnout').getAttribute('data-voted')).toBe('2');
    await card.locator('.poll-remind').click();
    await expect.poll(() => staff.locator('.notice-done').count()).toBe(1);
    expect((await call<PollView>('sim-chen', 'GET', `/api/polls/${number}`)).reminders).toHaveLength(1);
    await card.locator('.poll-close').click();
    await staff.locator('.dialog-confirm').click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('closed');
    expect(await card.locator('.poll-export').getAttribute('href')).toBe(`/api/polls/${number}/export.xlsx`);
    await shoot(staff, 'polls-staff-list');

    // After closing the resident sees the results: B has both votes, the chart agrees.
    await wang.reload();
    await expect.poll(() => wang.locator('.poll-closed-reason').textContent()).toBe(zh.closedMessage);
    await wang.locator('.poll-results-link').click();
    await wang.waitForURL(new RegExp(`#/polls/${number}/results$`));
    await expect.poll(() => votesOf(wang, 'B')).toBe('2');
    expect(await votesOf(wang, 'A')).toBe('0');
    expect(await votesOf(wang, 'C')).toBe('0');
    expect(await barOf(wang, 'B')).toBe('2');
    expect(await barOf(wang, 'A')).toBe('0');
    const widthOf = async (letter: string) =>
      Number(
        await wang.locator(`.poll-chart-row[data-option="${letter}"] .poll-chart-bar`).getAttribute('width'),
      );
    expect(await widthOf('B')).toBeGreaterThan(300);
    expect(await widthOf('A')).toBe(0);
    const results = await call<PollResults>('sim-wang', 'GET', `/api/polls/${number}/results`);
    expect(await wang.locator('.poll-turnout .turnout-row').getAttribute('data-voted')).toBe(
      String(results.turnout.voted),
    );
    expect(results.turnout.voted).toBe(2);
    await shoot(wang, 'polls-results');

    // A named poll's export lists who voted.
    expect(await workbookText('sim-chen', number)).toContain('王秀英');
  });
});

describe('the ballot', () => {
  it('stops multiple choice at the maximum and explains who may not vote', async () => {
    const poll = await createPoll({
      question: '周末活动选哪些？',
      options: ['包饺子', '观影', '义剪'],
      multi: { max: 2 },
    });
    const wang = await phoneAs('sim-wang', `#/polls/${poll.number}`);
    await expect.poll(() => wang.locator('.poll-choice-input[type="checkbox"]').count()).toBe(3);
    await wang.locator('.poll-choice[data-option="A"]').click();
    await wang.locator('.poll-choice[data-option="C"]').click();
    expect(await wang.locator('.poll-choice[data-option="B"] input').isDisabled()).toBe(true);
    expect(await wang.locator('.poll-hint').textContent()).toBe(
      zh.multiHint.replace('{{max}}', '2').replace('{{count}}', '2'),
    );
    await wang.locator('.poll-submit').click();
    await expect
      .poll(async () => (await call<PollView>('sim-wang', 'GET', `/api/polls/${poll.number}`)).viewer.choices)
      .toEqual(['A', 'C']);
    await shoot(wang, 'polls-multi');

    // The list shows the poll as voted; a tap on its card opens it again.
    await wang.goto(`${base()}/app/#/polls`);
    const item = wang.locator(`.poll-item[data-number="${poll.number}"]`);
    await expect.poll(() => item.locator('.poll-badge').textContent()).toBe(zh.voted);
    await item.locator('.poll-card').click();
    await wang.waitForURL(new RegExp(`#/polls/${poll.number}$`));
    await expect.poll(() => wang.locator('.poll-own').textContent()).toContain('A. 包饺子');

    // Owners only: the tenant 张老师 is told why, with no ballot to fill in.
    const owners = await createPoll({
      question: '是否更换物业？',
      options: ['是', '否'],
      eligibility: 'owners',
    });
    const zhang = await phoneAs('sim-zhang', `#/polls/${owners.number}`);
    await expect.poll(() => zhang.locator('.poll-closed-reason').textContent()).toBe(zh.ineligible.notOwner);
    expect(await zhang.locator('.poll-submit').count()).toBe(0);
  });
});

describe('an anonymous poll', () => {
  it('shows counts but never who voted what, on the page or in the export', async () => {
    const poll = await createPoll({
      question: '是否增设快递柜？',
      options: ['同意', '反对'],
      anonymous: true,
    });
    for (const [who, letter] of [
      ['sim-wang', 'A'],
      ['sim-li', 'A'],
      ['sim-liu', 'B'],
    ] as const) {
      const page = await phoneAs(who, `#/polls/${poll.number}`);
      await expect.poll(() => page.locator('.poll-anonymous-note').textContent()).toBe(zh.anonymousNote);
      await page.locator(`.poll-choice[data-option="${letter}"]`).click();
      await page.locator('.poll-submit').click();
      await expect.poll(() => page.locator('.notice-done').count()).toBe(1);
    }
    await call('sim-chen', 'POST', `/api/polls/${poll.number}/close`, {});

    const wang = await phoneAs('sim-wang', `#/polls/${poll.number}/results`);
    await expect.poll(() => votesOf(wang, 'A')).toBe('2');
    expect(await votesOf(wang, 'B')).toBe('1');
    const text = (await wang.locator('body').textContent()) ?? '';
    for (const name of ['王秀英', '李建国', '刘楼长']) expect(text).not.toContain(name);
    await shoot(wang, 'polls-anonymous-results');
    // Once closed not even the voter's own choice is shown back.
    await wang.goto(`${base()}/app/#/polls/${poll.number}`);
    await expect.poll(() => wang.locator('.poll-closed-reason').count()).toBe(1);
    expect((await wang.locator('.poll-own').allTextContents()).join('')).not.toContain('同意');

    const book = await workbookText('sim-chen', poll.number);
    expect(book).toContain('同意');
    for (const name of ['王秀英', '李建国', '刘楼长']) expect(book).not.toContain(name);
  });
});

describe("an owners' vote", () => {
  it('is created on the form and its results state the art. 278 verdict in plain words', async () => {
    const staff = await phoneAs('sim-chen', '#/staff/polls/new');
    await staff.locator('.poll-question-input').fill('是否使用维修基金更换电梯？');
    await staff.locator('.poll-option-input').nth(0).fill('同意');
    await staff.locator('.poll-option-input').nth(1).fill('反对');
    await staff.locator('.poll-kind-ownersVote').check();
    await staff.locator('.poll-matter-major').check();
    expect(await staff.locator('.poll-owners-hint').isVisible()).toBe(true);
    await staff.locator('.poll-create').click();
    await staff.waitForURL(/#\/staff\/polls\?created=\d+$/);
    const number = Number(/created=(\d+)/.exec(staff.url())![1]);
    const view = await call<PollView>('sim-chen', 'GET', `/api/polls/${number}`);
    expect(view).toMatchObject({ kind: 'ownersVote', matter: 'major' });

    // Owners holding 191.86 of 268.66 m² agree, 76.8 m² disagree: all took part, but 71% of the area
    // and 2 of 3 owners fall short of the three quarters a major matter needs.
    for (const [who, letter] of [
      ['sim-wang', 'A'],
      ['sim-li', 'A'],
      ['sim-liu', 'B'],
    ] as const)
      await call(who, 'POST', `/api/polls/${number}/votes`, { choices: [letter] });
    await call('sim-chen', 'POST', `/api/polls/${number}/close`, {});

    const wang = await phoneAs('sim-wang', `#/polls/${number}/results`);
    const verdict = wang.locator('.art278');
    await expect.poll(() => verdict.getAttribute('data-verdict')).toBe('failed');
    expect(await wang.locator('.art278-verdict').textContent()).toBe(zh.art278.failed);
    expect(await wang.locator('.art278-quorum').textContent()).toBe(zh.art278.quorumYes);
    expect(await wang.locator('.art278-area').textContent()).toContain('268.66');
    expect(await wang.locator('.art278-for-area').textContent()).toBe(
      zh.art278.approvalArea.replace('{{percent}}', '71.41'),
    );
    expect(await wang.locator('.art278-for-owners').textContent()).toBe(
      zh.art278.approvalOwners.replace('{{percent}}', '66.67'),
    );
    const results = await call<PollResults>('sim-wang', 'GET', `/api/polls/${number}/results`);
    expect(results.art278).toMatchObject({ quorumReached: true, passed: false, matter: 'major' });
    await shoot(wang, 'polls-owners-vote');
  });
});
