import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCallback, appTextXml } from '../../bot/adapters/wecom/wecom-callback-factory.js';
import { loadConfig } from '../../server/config.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { createLogger } from '../../server/logger.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { PollResults, PollView } from '../../shared/schemas/poll.js';
import {
  startDingTalkRobotStandIn,
  type DingTalkRobotStandIn,
} from '../support/platform-stand-ins/dingtalk-robot.js';
import { startWecomRobotStandIn, type WecomRobotStandIn } from '../support/platform-stand-ins/wecom-robot.js';
import { apiClient, type ApiClient } from '../support/api-client.js';
import { eventually, TEST_GATEWAY_SECRET } from '../support/test-server.js';

/**
 * One poll, one tally across platforms: posted through the outbox to a WeCom group (group robot) and a
 * DingTalk group (custom robot), voted on through signed WeCom and DingTalk callbacks.
 */

const CORP_ID = 'ww7ca4776b2a70000';
const WECOM = { token: 'wecomCallbackToken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const WECOM_GROUP = 'wrOgQhDgAAApolls';
const ROBOT_KEY = '693a91f6-7a0c-4bc4-97a0-0ec2sifa5bbb';
const DINGTALK = { appKey: 'dingappkey4f2e8b1c', appSecret: 'dingtalk-app-secret-51b7c0de' };
const DING_GROUP = 'cidPollGroup==';
const QUIET_MS = 700;

let engine: TestEngine;
let server: RunningServer;
let wecomRobot: WecomRobotStandIn;
let dingRobot: DingTalkRobotStandIn;
let secretaryId: string;
let call: ApiClient['call'];
let dingAccessToken: string;

beforeAll(async () => {
  [engine, wecomRobot, dingRobot] = await Promise.all([
    startTestEngine(),
    startWecomRobotStandIn({ keys: [ROBOT_KEY] }),
    startDingTalkRobotStandIn(),
  ]);
  const robot = dingRobot.addRobot();
  dingAccessToken = robot.accessToken;
  const config = loadConfig(
    {
      MONGODB_URI: engine.uri,
      MONGODB_DB: `nbtest_pollch_${randomUUID().slice(0, 8)}`,
      DATA_DIR: engine.dataDir,
      PORT: '0',
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      DEMO: 'false',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      WECOM_CORP_ID: CORP_ID,
      WECOM_TOKEN: WECOM.token,
      WECOM_AES_KEY: WECOM.encodingAesKey,
      WECOM_GROUP_ROBOTS: JSON.stringify({ [WECOM_GROUP]: wecomRobot.webhookUrl(ROBOT_KEY) }),
      DINGTALK_APP_KEY: DINGTALK.appKey,
      DINGTALK_APP_SECRET: DINGTALK.appSecret,
      DINGTALK_WEBHOOK_ALLOWLIST: dingRobot.host,
      DINGTALK_ROBOTS: JSON.stringify([
        { conversationId: DING_GROUP, webhookUrl: robot.webhookUrl, secret: robot.secret },
      ]),
    },
    () => TEST_GATEWAY_SECRET,
  );
  server = await startServer({
    config,
    log: createLogger(config.LOG_LEVEL),
    embedBot: true,
    maintenanceIntervalMs: 200,
    platformBaseUrls: { wecomRobot: wecomRobot.url },
  });
  const { communities, households, residents } = server.container.repositories;
  const community = await communities.create({
    code: 'lingshan',
    name: '灵山社区',
    compounds: [
      { code: 'garden', name: '灵山花园', buildings: [{ code: '3', name: '3栋', units: ['1', '2'] }] },
    ],
  });
  const home = (room: string) =>
    households.ensure({ communityId: community.id, compound: 'garden', building: '3', unit: '2', room });
  const [h1, h2] = [await home('501'), await home('502')];
  secretaryId = (
    await residents.create({
      communityId: community.id,
      name: '陈书记',
      roles: [assignment('secretary', scopeId.community(community.id))],
    })
  ).id;
  await residents.create({
    communityId: community.id,
    name: '张三',
    membership: { householdId: h1.id, householdScope: h1.scope, relation: 'owner', floorArea: 90 },
    identities: [{ channel: 'wecom', kind: 'userid', platformId: 'zhangsan' }],
  });
  await residents.create({
    communityId: community.id,
    name: '王阿姨',
    membership: { householdId: h2.id, householdScope: h2.scope, relation: 'owner', floorArea: 80 },
    identities: [{ channel: 'dingtalk', kind: 'staffId', platformId: 'staff-wang' }],
  });
  ({ call } = apiClient(server));
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([wecomRobot?.close(), dingRobot?.close()]);
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;

function postWecom(text: string) {
  const xml = appTextXml({
    corpId: CORP_ID,
    from: 'zhangsan',
    content: text,
    msgId: `${Date.now()}${++seq}`,
    chatId: WECOM_GROUP,
  });
  const request = appCallback(WECOM, CORP_ID, xml);
  return fetch(`${server.url}/webhooks/wecom?${request.query}`, {
    method: 'POST',
    headers: { 'content-type': request.contentType },
    body: request.body,
  });
}

function dingMessage(content: string) {
  const session = dingRobot.addSession({ robot: 'robot-a', expiresAt: Date.now() + 90 * 60_000 });
  return {
    msgId: `msgPoll${++seq}${randomUUID().slice(0, 6)}==`,
    msgtype: 'text',
    text: { content: ` ${content}` },
    conversationId: DING_GROUP,
    conversationType: '2',
    conversationTitle: '5栋议事群',
    senderId: '$:LWCP_v1:$sender==',
    senderStaffId: 'staff-wang',
    senderNick: '王阿姨',
    isInAtList: true,
    chatbotUserId: '$:LWCP_v1:$bot==',
    sessionWebhook: session.sessionWebhook,
    sessionWebhookExpiredTime: session.expiresAt,
    createAt: Date.now(),
  };
}

function postDing(body: unknown) {
  const ts = String(Date.now());
  const sign = createHmac('sha256', DINGTALK.appSecret)
    .update(`${ts}\n${DINGTALK.appSecret}`)
    .digest('base64');
  return fetch(`${server.url}/webhooks/dingtalk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', timestamp: ts, sign },
    body: JSON.stringify(body),
  });
}

const wecomTexts = () =>
  wecomRobot.delivered(ROBOT_KEY).map((b) => (b as { text?: { content?: string } }).text?.content ?? '');
const dingTexts = (via: 'robot' | 'session') =>
  dingRobot.messages
    .filter((m) => m.via === via)
    .map((m) => (m.body as { text?: { content?: string } }).text?.content ?? JSON.stringify(m.body));

describe('a poll across WeCom and DingTalk', () => {
  it('is posted to both groups with its link, and votes from signed callbacks land in one tally', async () => {
    // The bot hears each group once, which files it under the only community.
    expect((await postWecom('#帮助')).status).toBe(200);
    expect((await postDing(dingMessage('#帮助'))).status).toBe(200);
    await eventually(() => wecomTexts().length >= 1 && dingTexts('session').length >= 1);

    const res = await call<PollView>('/api/polls', {
      method: 'POST',
      as: secretaryId,
      body: {
        question: '是否更换门禁系统',
        options: ['同意', '反对'],
        closesAt: new Date(Date.now() + 86_400_000),
      },
    });
    expect(res.status).toBe(201);
    const poll = res.json;
    expect(poll.groups).toBe(2);
    const link = new RegExp(`/app/#/polls/${poll.number}$`);
    await eventually(
      () => wecomTexts().some((t) => link.test(t)) && dingTexts('robot').some((t) => link.test(t)),
    );
    expect(dingRobot.messages.find((m) => m.via === 'robot')!.robot).toBe(dingAccessToken);

    expect((await postWecom(`#投票 ${poll.number} A`)).status).toBe(200);
    await eventually(() => wecomTexts().some((t) => t.includes(`已记录您对投票 ${poll.number} 的选择：A`)));

    const ding = dingMessage(`#投票 ${poll.number} B`);
    expect((await postDing(ding)).status).toBe(200);
    expect((await postDing(ding)).status).toBe(200);
    await eventually(() =>
      dingTexts('session').some((t) => t.includes(`已记录您对投票 ${poll.number} 的选择：B`)),
    );
    await sleep(QUIET_MS);
    expect(dingTexts('session').filter((t) => t.includes('已记录'))).toHaveLength(1);

    const tally = (await call<PollResults>(`/api/polls/${poll.number}/results`, { as: secretaryId })).json;
    expect(tally.turnout).toEqual({ eligible: 2, voted: 2 });
    expect(tally.options.map((o) => o.votes)).toEqual([1, 1]);
    expect(tally.byGroup.map((g) => g.channel).sort()).toEqual(['dingtalk', 'wecom']);
  });
});
