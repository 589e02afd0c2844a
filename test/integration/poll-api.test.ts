import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, type ClaimedEntry } from '../../bot/runtime/gateway-client.js';
import type { PollResults, PollView, VoteResult } from '../../shared/schemas/poll.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/**
 * Polls on the demo community. Owners: 王秀英 3-2-501 (89.56 m²), 李建国 5-1-302 (102.30 m², party
 * member), 刘楼长 3-1-203 (76.80 m², building lead of 3). Tenants: 张老师 1-1-101, Emma 5-2-802.
 * 陈书记 (secretary) and 周管理员 (admin) have no household. Groups: 灵山小区居民群 (all), 3栋邻里群 (b3),
 * Lingshan International (en, all).
 */

let server: TestServer;
let client: GatewayClient;
let ids: Record<string, string>;
let call: ApiClient['call'];
let raw: ApiClient['raw'];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen', 'sim-zhang', 'sim-li', 'sim-emma']);
  ({ call, raw } = apiClient(server, { ids, language: 'en' }));
  // The demo's own open poll was posted at startup; take those messages out of the way.
  await deliverAll(client);
});

afterAll(async () => {
  await server?.close();
});

const NAMES: Record<string, string> = {
  'sim-wang': '王秀英',
  'sim-liu': '刘楼长',
  'sim-chen': '陈书记',
  'sim-zhang': '张老师',
  'sim-li': '李建国',
  'sim-emma': 'Emma Chen',
};

async function say(senderId: string, text: string, groupId = 'sim-group-all') {
  const message = simulatorMessage(text, {
    groupId,
    groupName: '',
    senderId,
    senderName: NAMES[senderId] ?? '路人',
  });
  await client.postMessage(message);
  const entries = await deliverAll(client);
  return { reply: replyText(entries.find((e) => e.replyTo === message.channelMessageId)), entries, message };
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
/** `M月D日` a week ahead, China time. */
function chinaDate(at: Date) {
  const china = new Date(at.getTime() + 8 * 3_600_000);
  return `${china.getUTCMonth() + 1}月${china.getUTCDate()}日`;
}

async function createPoll(body: Record<string, unknown>, as = 'sim-chen') {
  const res = await call<PollView>('/api/polls', {
    method: 'POST',
    as,
    body: { closesAt: inDays(7), ...body },
  });
  expect(res.status).toBe(201);
  const posted = await deliverAll(client);
  return { poll: res.json, posted };
}

const vote = (number: number, as: string, choices: string[]) =>
  call<VoteResult>(`/api/polls/${number}/votes`, { method: 'POST', as, body: { choices } });

const postsOf = (entries: ClaimedEntry[], kind: RegExp) => entries.filter((e) => kind.test(e.id));

describe('a named poll across groups, from chat', () => {
  let number = 0;

  it('#发起投票 posts to every group with the mini-app link; votes by letter replace earlier ones', async () => {
    const created = await say(
      'sim-chen',
      `#发起投票 小区是否加装充电桩？ A.同意 B.反对 C.弃权 截止 ${chinaDate(inDays(7))} 18:00`,
    );
    expect(created.reply).toMatch(/^投票 \d+ 已发往 3 个群$/);
    number = Number(/投票 (\d+)/.exec(created.reply)![1]);
    const posts = postsOf(created.entries, /^poll:[0-9a-f]{24}:[0-9a-f]{24}$/);
    expect(posts.map((e) => e.groupId).sort()).toEqual(['sim-group-all', 'sim-group-b3', 'sim-group-intl']);
    const b3 = replyText(posts.find((e) => e.groupId === 'sim-group-b3'));
    expect(b3).toContain('小区是否加装充电桩？\nA. 同意\nB. 反对\nC. 弃权');
    expect(b3).toMatch(new RegExp(`/app/#/polls/${number}$`));
    expect(replyText(posts.find((e) => e.groupId === 'sim-group-intl'))).toMatch(/^\[Poll \d+\]/);

    expect((await say('sim-wang', 'A', 'sim-group-b3')).reply).toBe(`已记录您对投票 ${number} 的选择：A`);
    expect((await say('sim-wang', 'b', 'sim-group-b3')).reply).toBe(`已把您对投票 ${number} 的选择改为：B`);
    expect((await say('sim-wang', `#投票 ${number} B`, 'sim-group-all')).reply).toMatch(/没有变化/);
    expect((await say('sim-zhang', `#投票 ${number} A`)).reply).toMatch(/已记录/);
    // The same platform message delivered twice is answered once and counted once.
    const replay = simulatorMessage('C', {
      senderId: 'sim-liu',
      senderName: '刘楼长',
      groupId: 'sim-group-b3',
    });
    await client.postMessage(replay);
    await client.postMessage(replay);
    const replayed = await deliverAll(client);
    expect(replayed.filter((e) => e.replyTo === replay.channelMessageId)).toHaveLength(1);

    const results = await call<PollResults>(`/api/polls/${number}/results`, { as: 'sim-chen' });
    expect(results.status).toBe(200);
    expect(results.json.basis).toBe('live');
    expect(results.json.options.map((o) => o.votes)).toEqual([1, 1, 1]);
    expect(results.json.turnout).toEqual({ eligible: 5, voted: 3 });
    const b3Turnout = results.json.byGroup.find((g) => g.name === '3栋邻里群')!;
    expect(b3Turnout).toMatchObject({ eligible: 2, voted: 2 });
  });

  it('bad input gets its own reply and changes nothing; strangers are told once', async () => {
    expect((await say('sim-li', `#投票 ${number} Z`)).reply).toBe(`投票 ${number} 没有选项 Z`);
    expect((await say('sim-li', `#投票 ${number} A B`)).reply).toBe(`投票 ${number} 最多选 1 项`);
    expect((await say('sim-li', '#投票 999 A')).reply).toBe('找不到投票 999');
    expect((await say('stranger-1', 'A')).reply).toMatch(/#绑定/);
    expect((await say('stranger-1', 'B')).reply).toBe('');
    const results = await call<PollResults>(`/api/polls/${number}/results`, { as: 'sim-chen' });
    expect(results.json.turnout.voted).toBe(3);
  });

  it('residents see results only after closing; closing posts them to every group once', async () => {
    const hidden = await call(`/api/polls/${number}/results`, { as: 'sim-wang' });
    expect(hidden.status).toBe(403);
    expect(errorOf(hidden.json).code).toBe('results_hidden');
    expect((await call(`/api/polls/${number}/close`, { method: 'POST', as: 'sim-wang' })).status).toBe(403);

    const closed = await call(`/api/polls/${number}/close`, { method: 'POST', as: 'sim-chen' });
    expect(closed.json).toEqual({ closed: true, duplicate: false });
    const posted = postsOf(await deliverAll(client), /:results:/);
    expect(posted).toHaveLength(3);
    expect(replyText(posted.find((e) => e.groupId === 'sim-group-b3'))).toContain(
      '参与：3/5\nA. 同意：1 票\nB. 反对：1 票',
    );
    const again = await call(`/api/polls/${number}/close`, { method: 'POST', as: 'sim-chen' });
    expect(again.json).toEqual({ closed: true, duplicate: true });
    expect(postsOf(await deliverAll(client), /:results:/)).toHaveLength(0);

    const shown = await call<PollResults>(`/api/polls/${number}/results`, { as: 'sim-wang' });
    expect(shown.status).toBe(200);
    expect(shown.json.basis).toBe('final');
    expect(shown.json.options.map((o) => o.votes)).toEqual([1, 1, 1]);
    expect((await say('sim-li', `#投票 ${number} A`)).reply).toBe(`投票 ${number} 已经截止`);
    const late = await vote(number, 'sim-li', ['A']);
    expect(late.status).toBe(409);
    expect(errorOf(late.json).message).toBe(`Poll ${number} is closed`);
  });

  it('the export lists each named ballot', async () => {
    const res = await raw(`/api/polls/${number}/export.xlsx`, { as: 'sim-chen' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`poll-${number}.xlsx`);
    const { default: ExcelJS } = await import('exceljs');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const ballots = book.getWorksheet('Ballots')!;
    const rows = ballots
      .getSheetValues()
      .slice(2)
      .map((r) => (r as unknown[]).slice(1));
    expect(rows).toContainEqual(['王秀英', 'B']);
    expect((await call(`/api/polls/${number}/export.xlsx`, { as: 'sim-wang' })).status).toBe(403);
  });
});

describe('an anonymous per-household poll', () => {
  it('keeps no link from a voter to a choice, and forgets even the key at closing', async () => {
    const { poll, posted } = await createPoll({
      question: '垃圾分类点位置',
      options: ['东门', '西门'],
      anonymous: true,
      eligibility: 'household',
    });
    expect(replyText(postsOf(posted, /^poll:/)[0])).toMatch(/^【匿名投票 \d+】/);
    const chat = await say('sim-wang', `#投票 ${poll.number} A`);
    expect(chat.reply).toMatch(/匿名投票，请点链接/);

    expect((await vote(poll.number, 'sim-wang', ['A'])).json.vote.outcome).toBe('cast');
    expect((await vote(poll.number, 'sim-wang', ['B'])).json.vote.outcome).toBe('changed');
    expect((await vote(poll.number, 'sim-zhang', ['B'])).json.vote.outcome).toBe('cast');
    // 刘楼长 lives in another household of building 3; 王秀英's household already voted as one unit.
    expect((await vote(poll.number, 'sim-liu', ['A'])).json.vote.outcome).toBe('cast');
    const mine = await call<PollView>(`/api/polls/${poll.number}`, { as: 'sim-wang' });
    expect(mine.json.viewer).toMatchObject({ eligible: true, voted: true, choices: ['B'] });

    const ballots = await server.container.models.vote.find({ pollId: poll.id }).lean();
    expect(ballots).toHaveLength(3);
    for (const b of ballots) {
      expect(Object.keys(b).sort()).toEqual(['_id', 'area', 'choices', 'pollId', 'version']);
      for (const id of Object.values(ids)) expect(JSON.stringify(b)).not.toContain(id);
    }

    await call(`/api/polls/${poll.number}/close`, { method: 'POST', as: 'sim-chen' });
    const results = postsOf(await deliverAll(client), /:results:/);
    expect(results.length).toBeGreaterThan(0);
    for (const e of results)
      for (const name of Object.values(NAMES)) expect(replyText(e)).not.toContain(name);
    const after = await call<PollView>(`/api/polls/${poll.number}`, { as: 'sim-wang' });
    expect(after.json.viewer).toMatchObject({ voted: true, choices: null });
    const stored = await server.container.repositories.polls.findById(poll.id);
    expect(stored!.ballotKey).toBeNull();
    const final = await call<PollResults>(`/api/polls/${poll.number}/results`, { as: 'sim-wang' });
    expect(final.json.options.map((o) => o.votes)).toEqual([1, 2]);

    const file = await raw(`/api/polls/${poll.number}/export.xlsx`, { as: 'sim-chen' });
    const { default: ExcelJS } = await import('exceljs');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await file.arrayBuffer()) as never);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Result', 'By building']);
  });
});

describe("an owners' formal vote (art. 278)", () => {
  it('weighs by floor area and by head; tenants are refused', async () => {
    const { poll } = await createPoll({
      question: '续聘物业公司',
      options: ['同意', '反对'],
      kind: 'ownersVote',
      matter: 'ordinary',
      resultsVisibility: 'live',
    });
    const refused = await vote(poll.number, 'sim-zhang', ['A']);
    expect(refused.status).toBe(403);
    expect(errorOf(refused.json).code).toBe('notOwner');
    expect((await vote(poll.number, 'sim-wang', ['A'])).status).toBe(200);
    expect((await vote(poll.number, 'sim-liu', ['B'])).status).toBe(200);

    const partial = await call<PollResults>(`/api/polls/${poll.number}/results`, { as: 'sim-wang' });
    expect(partial.status).toBe(200);
    // 89.56 + 76.80 = 166.36 of 268.66 m² (61.92%) and 2 of 3 owners: area short of two thirds.
    expect(partial.json.art278).toMatchObject({
      totalArea: 26_866,
      totalOwners: 3,
      participatingArea: 16_636,
      participatingOwners: 2,
      quorumReached: false,
      passed: false,
    });

    expect((await vote(poll.number, 'sim-li', ['A'])).status).toBe(200);
    const full = await call<PollResults>(`/api/polls/${poll.number}/results`, { as: 'sim-chen' });
    // For: 89.56 + 102.30 = 191.86 m² of 268.66 (> half) and 2 of 3 owners (> half): passed.
    expect(full.json.art278).toMatchObject({
      participatingArea: 26_866,
      forArea: 19_186,
      forOwners: 2,
      quorumReached: true,
      passed: true,
    });
    expect(full.json.options).toEqual([
      { letter: 'A', text: '同意', votes: 2, area: 19_186 },
      { letter: 'B', text: '反对', votes: 1, area: 7_680 },
    ]);
  });
});

describe('reminders', () => {
  it('reach only eligible residents who have not voted, and say nothing of choices', async () => {
    const { poll } = await createPoll({ question: '周末活动', options: ['爬山', '包饺子'] });
    expect((await vote(poll.number, 'sim-wang', ['A'])).status).toBe(200);
    const at = new Date(Date.now() + 1_000);
    const bad = await call(`/api/polls/${poll.number}/reminders`, {
      method: 'POST',
      as: 'sim-chen',
      body: { at: inDays(30) },
    });
    expect(bad.status).toBe(400);
    const set = await call(`/api/polls/${poll.number}/reminders`, {
      method: 'POST',
      as: 'sim-chen',
      body: { at },
    });
    expect(set.status).toBe(201);
    await server.container.pollScheduler.tick(new Date(at.getTime() + 1_000));
    const reminders = postsOf(await deliverAll(client), /:remind:/);
    const b3 = reminders.find((e) => e.groupId === 'sim-group-b3')!;
    expect(b3.mentions).toEqual(['sim-liu']);
    const all = reminders.find((e) => e.groupId === 'sim-group-all')!;
    expect(all.mentions.sort()).toEqual(['sim-emma', 'sim-li', 'sim-liu', 'sim-zhang']);
    for (const e of reminders) {
      expect(e.mentions).not.toContain('sim-wang');
      expect(replyText(e)).not.toContain('爬山');
    }
    // Claimed once: a second tick sends nothing.
    await server.container.pollScheduler.tick(new Date(at.getTime() + 2_000));
    expect(postsOf(await deliverAll(client), /:remind:/)).toHaveLength(0);
  });
});

describe('POST /api/polls', () => {
  const body = { question: '问', options: ['是', '否'], closesAt: inDays(3) };

  it('401 without a session', async () => {
    expect((await call('/api/polls', { method: 'POST', body })).status).toBe(401);
  });

  it('400 on bad settings', async () => {
    for (const bad of [
      { ...body, options: ['只有一个'] },
      { ...body, kind: 'ownersVote' },
      { ...body, multi: { max: 3 } },
      { ...body, scope: { kind: 'buildings', buildings: ['99'] } },
    ]) {
      const res = await call('/api/polls', { method: 'POST', as: 'sim-chen', body: bad });
      expect(res.status).toBe(400);
    }
  });

  it('403 for a resident and for a building lead', async () => {
    expect((await call('/api/polls', { method: 'POST', as: 'sim-wang', body })).status).toBe(403);
    expect((await call('/api/polls', { method: 'POST', as: 'sim-liu', body })).status).toBe(403);
  });

  it('200 lists what each viewer may see, with their eligibility', async () => {
    const { poll } = await createPoll({
      question: '3栋楼道灯',
      options: ['换', '不换'],
      scope: { kind: 'buildings', buildings: ['3'] },
    });
    expect(poll.groups).toBe(3);
    const wang = await call<{ items: PollView[] }>('/api/polls?state=open', { as: 'sim-wang' });
    expect(wang.json.items.find((p) => p.number === poll.number)?.viewer.eligible).toBe(true);
    const li = await call<{ items: PollView[] }>('/api/polls?state=open', { as: 'sim-li' });
    expect(li.json.items.find((p) => p.number === poll.number)).toBeUndefined();
    const liVote = await vote(poll.number, 'sim-li', ['A']);
    expect(liVote.status).toBe(404);
    expect((await call('/api/polls?state=bogus', { as: 'sim-wang' })).status).toBe(400);
  });
});
