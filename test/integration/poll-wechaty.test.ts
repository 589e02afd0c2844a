import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { mock } from 'wechaty-puppet-mock';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import type { PollResults, PollView } from '../../shared/schemas/poll.js';
import { apiClient, type ApiClient } from '../support/api-client.js';
import { startMockWechat } from '../support/mock-wechat.js';
import { eventually, type TestServer } from '../support/test-server.js';

/**
 * Polls in WeChat groups, end to end: mock WeChat → Wechaty → adapter → gateway → poll service →
 * outbox → delivery loop → the rooms. Two rooms, one tally; an anonymous poll never echoes a choice.
 */

const QUIET_MS = 500;

let engine: TestEngine;
let server: TestServer;
let path: Awaited<ReturnType<typeof startMockWechat>>;
const contacts: Record<string, mock.ContactMock> = {};
let residentIds: Record<string, string> = {};
let call: ApiClient['call'];

beforeAll(async () => {
  engine = await startTestEngine();
  path = await startMockWechat({ engine, dbPrefix: 'nbtest_poll' });
  server = path.server;
  const { communities, households, residents } = server.container.repositories;
  const community = await communities.create({
    code: 'lingshan',
    name: '灵山社区',
    compounds: [
      {
        code: 'garden',
        name: '灵山花园',
        buildings: ['3', '5'].map((b) => ({ code: b, name: `${b}栋`, units: ['1'] })),
      },
    ],
  });
  const people: [string, string | null, string][] = [
    ['陈书记', null, 'secretary'],
    ['王阿姨', '3', 'owner'],
    ['李叔', '3', 'owner'],
    ['赵姐', '5', 'owner'],
  ];
  residentIds = {};
  let room = 100;
  for (const [name, building, role] of people) {
    const contact = path.mocker.createContact({ name });
    contacts[name] = contact;
    const home = building
      ? await households.ensure({
          communityId: community.id,
          compound: 'garden',
          building,
          unit: '1',
          room: String(++room),
        })
      : null;
    const r = await residents.create({
      communityId: community.id,
      name,
      membership: home
        ? { householdId: home.id, householdScope: home.scope, relation: 'owner', floorArea: 88.5 }
        : null,
      roles: role === 'secretary' ? [assignment('secretary', scopeId.community(community.id))] : [],
      identities: [{ channel: 'wechat', kind: 'contactId', platformId: contact.id }],
    });
    residentIds[name] = r.id;
  }
  ({ call } = apiClient(server, { ids: residentIds }));
});

afterAll(async () => {
  await server?.close();
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('polls in WeChat groups', () => {
  it('a named poll spans two rooms: posted to both, letters answered in each, one tally', async () => {
    const { 陈书记: chen, 王阿姨: wang, 李叔: li, 赵姐: zhao } = contacts as Record<string, mock.ContactMock>;
    const b3 = path.room('3栋邻里群', [chen!, wang!, li!]);
    const b5 = path.room('5栋邻里群', [chen!, zhao!]);
    // The bot learns each group from a first message in it.
    wang!.say('#帮助').to(b3.chat);
    zhao!.say('#帮助').to(b5.chat);
    await eventually(() => b3.botTexts().length >= 1 && b5.botTexts().length >= 1);

    chen!.say('#发起投票 是否在楼下加装充电桩？ A.同意 B.反对 截止 12月31日 18:00').to(b3.chat);
    await eventually(() => b3.botTexts().some((t) => t.includes('已发往 2 个群')));
    const posted = await eventually(() => b5.botTexts().find((t) => t.includes('是否在楼下加装充电桩')));
    const number = Number(/【投票 (\d+)】/.exec(posted)![1]);
    expect(posted).toMatch(new RegExp(`/app/#/polls/${number}$`));

    wang!.say('A').to(b3.chat);
    li!.say('b').to(b3.chat);
    zhao!.say('A').to(b5.chat);
    await eventually(() => b3.botTexts().filter((t) => t.includes('已记录')).length === 2);
    await eventually(() => b5.botTexts().some((t) => t.includes('已记录')));
    li!.say('A').to(b3.chat);
    await eventually(() => b3.botTexts().some((t) => t.includes('改为：A')));

    const results = (await call<PollResults>(`/api/polls/${number}/results`, { as: '陈书记' })).json;
    expect(results.turnout).toEqual({ eligible: 3, voted: 3 });
    expect(results.options.map((o) => o.votes)).toEqual([3, 0]);
    expect(results.byBuilding.map((b) => [b.building, b.voted, b.eligible])).toEqual([
      ['3', 2, 2],
      ['5', 1, 1],
    ]);
  });

  it('an anonymous poll asks for the link instead of taking a public reply', async () => {
    const { 陈书记: chen, 赵姐: zhao } = contacts as Record<string, mock.ContactMock>;
    const b5 = path.room('5栋议事群', [chen!, zhao!]);
    zhao!.say('#帮助').to(b5.chat);
    await eventually(() => b5.botTexts().length >= 1);
    const res = await call<PollView>('/api/polls', {
      method: 'POST',
      as: '陈书记',
      body: {
        question: '业委会候选人意向',
        options: ['甲', '乙'],
        anonymous: true,
        scope: { kind: 'buildings', buildings: ['5'] },
        closesAt: new Date(Date.now() + 86_400_000),
      },
    });
    expect(res.status).toBe(201);
    const poll = res.json;
    await eventually(() => b5.botTexts().some((t) => t.startsWith(`【匿名投票 ${poll.number}】`)));

    zhao!.say('A').to(b5.chat);
    await eventually(() => b5.botTexts().some((t) => t.includes('是匿名投票，请点链接')));
    const vote = await call(`/api/polls/${poll.number}/votes`, {
      method: 'POST',
      as: '赵姐',
      body: { choices: ['B'] },
    });
    expect(vote.status).toBe(200);
    await sleep(QUIET_MS);
    for (const text of b5.botTexts()) expect(text).not.toMatch(/赵姐.*[AB]|选择：/);
    const ballots = await server.container.models.vote.find({ pollId: poll.id }).lean();
    expect(ballots).toHaveLength(1);
    expect(JSON.stringify(ballots)).not.toContain(residentIds['赵姐']);
    expect(path.log.error).not.toHaveBeenCalled();
  });
});
