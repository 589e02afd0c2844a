import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appCallback,
  appTextXml,
  urlVerification,
  type SignedRequest,
} from '../../bot/adapters/wecom/wecom-callback-factory.js';
import { loadConfig } from '../../server/config.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { createLogger } from '../../server/logger.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { opinionCode } from '../../shared/schemas/opinion.js';
import {
  startDingTalkRobotStandIn,
  type DingTalkRobotStandIn,
} from '../support/platform-stand-ins/dingtalk-robot.js';
import { startWecomRobotStandIn, type WecomRobotStandIn } from '../support/platform-stand-ins/wecom-robot.js';
import { eventually, TEST_GATEWAY_SECRET } from '../support/test-server.js';

/**
 * The WeCom and DingTalk channels as configured from the environment: platform → signed webhook on
 * the server → embedded bot → gateway → opinion → outbox → the adapter → the platform's robot stand-in.
 */

const CORP_ID = 'ww7ca4776b2a70000';
const WECOM = { token: 'wecomCallbackToken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const WECOM_GROUP = 'wrOgQhDgAAAcallback';
const ROBOT_KEY = '693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa';
const DINGTALK = { appKey: 'dingappkey4f2e8b1c', appSecret: 'dingtalk-app-secret-51b7c0de' };
/** Long enough for a wrongly doubled reply to come through the loop. */
const QUIET_MS = 700;

let engine: TestEngine;
let server: RunningServer;
let wecomRobot: WecomRobotStandIn;
let dingRobot: DingTalkRobotStandIn;
let communityId: string;

beforeAll(async () => {
  [engine, wecomRobot, dingRobot] = await Promise.all([
    startTestEngine(),
    startWecomRobotStandIn({ keys: [ROBOT_KEY] }),
    startDingTalkRobotStandIn(),
  ]);
  const config = loadConfig(
    {
      MONGODB_URI: engine.uri,
      MONGODB_DB: `nbtest_ch_${randomUUID().slice(0, 8)}`,
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
    },
    () => TEST_GATEWAY_SECRET,
  );
  server = await startServer({
    config,
    log: createLogger(config.LOG_LEVEL),
    embedBot: true,
    maintenanceIntervalMs: 200,
    // Robot webhooks may point at the stand-in instead of qyapi.weixin.qq.com.
    platformBaseUrls: { wecomRobot: wecomRobot.url },
  });
  // One community: groups the bot hears for the first time are filed under it.
  const community = await server.container.repositories.communities.create({
    code: 'lingshan',
    name: '灵山社区',
    compounds: [],
  });
  communityId = community.id;
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([wecomRobot?.close(), dingRobot?.close()]);
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function opinionsSaying(text: string) {
  const recent = await server.container.repositories.opinions.listRecent({ communityId, limit: 100 });
  return recent.filter((o) => o.text === text);
}

/** Whether a text was written anywhere in the database, whatever the collection layout. */
async function storedAnywhere(text: string): Promise<boolean> {
  const db = server.container.conn.db;
  if (!db) throw new Error('not connected');
  for (const collection of await db.collections()) {
    const docs = await collection.find().toArray();
    if (docs.some((d) => JSON.stringify(d).includes(text))) return true;
  }
  return false;
}

const robotTexts = () =>
  wecomRobot
    .delivered(ROBOT_KEY)
    .map((body) => (body as { text?: { content?: string } }).text?.content ?? JSON.stringify(body));

function postWecom(request: SignedRequest, language = 'en') {
  return fetch(`${server.url}/webhooks/wecom?${request.query}`, {
    method: 'POST',
    headers: { 'content-type': request.contentType, 'accept-language': language },
    body: request.body,
  });
}

let msgSeq = 0;
const wecomMessage = (content: string, msgId = `${Date.now()}${++msgSeq}`) =>
  appTextXml({ corpId: CORP_ID, from: 'zhangsan', content, msgId, chatId: WECOM_GROUP });

describe('GET /webhooks/wecom', () => {
  it('answers WeCom’s URL verification with the decrypted echostr, and 401 to a forged one', async () => {
    const good = urlVerification(WECOM, CORP_ID, 'echo-1234567890');
    const res = await fetch(`${server.url}/webhooks/wecom?${good.query}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('echo-1234567890');

    const forged = urlVerification({ ...WECOM, token: 'someone-elses-token' }, CORP_ID, 'echo-2');
    expect((await fetch(`${server.url}/webhooks/wecom?${forged.query}`)).status).toBe(401);
  });
});

describe('POST /webhooks/wecom', () => {
  it('401 for a forged signature, a stale timestamp or a replayed request; nothing is stored or sent', async () => {
    const sentBefore = wecomRobot.received.length;
    const forged = appCallback(
      { ...WECOM, token: 'forged-token' },
      CORP_ID,
      wecomMessage('#意见 伪造的意见'),
    );
    const forgedRes = await postWecom(forged);
    expect(forgedRes.status).toBe(401);
    expect(await forgedRes.json()).toEqual({
      error: { code: 'signature_invalid', message: expect.any(String) as string },
    });

    const stale = appCallback(WECOM, CORP_ID, wecomMessage('#意见 过期的请求'), {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    expect((await postWecom(stale)).status).toBe(401);

    const once = appCallback(WECOM, CORP_ID, wecomMessage('#意见 重放的请求'));
    expect((await postWecom(once)).status).toBe(200);
    const replay = await postWecom(once);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'request_replayed' } });

    await eventually(async () => (await opinionsSaying('重放的请求')).length === 1);
    await eventually(() => wecomRobot.received.length > sentBefore);
    await sleep(QUIET_MS);
    expect(await storedAnywhere('伪造的意见')).toBe(false);
    expect(await storedAnywhere('过期的请求')).toBe(false);
    expect(await opinionsSaying('重放的请求')).toHaveLength(1);
    expect(wecomRobot.received.length - sentBefore).toBe(1);
  });

  it('200 for a signed, encrypted #意见 from a group: stored once, and the group robot answers with its number', async () => {
    const res = await postWecom(appCallback(WECOM, CORP_ID, wecomMessage('#意见 路灯坏了')));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');

    const [opinion] = await eventually(async () => {
      const found = await opinionsSaying('路灯坏了');
      return found.length > 0 && found;
    });
    expect(opinion).toMatchObject({ channel: 'wecom', senderId: 'zhangsan', category: 'buildings' });
    const code = opinionCode(opinion!.number);
    await eventually(() => robotTexts().some((t) => t.includes(code)));
    const reply = wecomRobot.delivered(ROBOT_KEY).find((b) => JSON.stringify(b).includes(code));
    expect(reply).toMatchObject({
      msgtype: 'text',
      text: { content: expect.stringContaining(`已记下您的意见（${code}，建筑）`) as string },
    });
    expect(wecomRobot.overLimit).toBe(0);
  });

  it('a message WeCom delivers again (same MsgId, new signature) is stored and answered once', async () => {
    const msgId = `${Date.now()}777`;
    const xml = wecomMessage('#意见 电梯经常停在三楼', msgId);
    expect((await postWecom(appCallback(WECOM, CORP_ID, xml))).status).toBe(200);
    expect((await postWecom(appCallback(WECOM, CORP_ID, xml))).status).toBe(200);
    const [opinion] = await eventually(async () => {
      const found = await opinionsSaying('电梯经常停在三楼');
      return found.length > 0 && found;
    });
    const code = opinionCode(opinion!.number);
    await eventually(() => robotTexts().some((t) => t.includes(code)));
    expect((await postWecom(appCallback(WECOM, CORP_ID, xml))).status).toBe(200);
    await sleep(QUIET_MS);
    expect(await opinionsSaying('电梯经常停在三楼')).toHaveLength(1);
    expect(robotTexts().filter((t) => t.includes(code))).toHaveLength(1);
  });
});

describe('POST /webhooks/dingtalk', () => {
  let seq = 0;
  /** A robot callback as DingTalk documents it, from a group, with a session webhook on the stand-in. */
  function robotMessage(content: string, conversationId = 'cidGroup01==') {
    const session = dingRobot.addSession({ robot: 'robot-a', expiresAt: Date.now() + 90 * 60_000 });
    seq += 1;
    return {
      msgId: `msgDing${seq}${randomUUID().slice(0, 6)}==`,
      msgtype: 'text',
      text: { content: ` ${content}` },
      conversationId,
      conversationType: '2',
      conversationTitle: '3栋邻里群',
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

  /** `timestamp` and `sign` computed here from the documented formula, not with the project's code. */
  function signed(timestamp = Date.now(), secret = DINGTALK.appSecret) {
    const ts = String(timestamp);
    return { timestamp: ts, sign: createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64') };
  }

  const postDing = (body: unknown, headers: Record<string, string>) =>
    fetch(`${server.url}/webhooks/dingtalk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'en', ...headers },
      body: JSON.stringify(body),
    });

  const sessionTexts = () =>
    dingRobot.messages
      .filter((m) => m.via === 'session')
      .map((m) => (m.body as { text?: { content?: string } }).text?.content ?? JSON.stringify(m.body));

  it('401 for a forged, a stale or an unsigned callback; nothing is stored or sent', async () => {
    const sentBefore = dingRobot.requests.length;
    const attempts: [Record<string, string>, string][] = [
      [signed(Date.now(), 'not-the-app-secret'), 'signature_invalid'],
      [signed(Date.now() - 2 * 3_600_000), 'timestamp_stale'],
      [{}, 'signature_missing'],
    ];
    for (const [headers, code] of attempts) {
      const res = await postDing(robotMessage(`#意见 不该保存的意见${code}`), headers);
      expect(res.status, code).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
    await sleep(QUIET_MS);
    expect(await storedAnywhere('不该保存的意见')).toBe(false);
    expect(dingRobot.requests.length).toBe(sentBefore);
  });

  it('200 for a signed #意见: stored, and the reply arrives through the session webhook', async () => {
    const res = await postDing(robotMessage('#意见 小区门口路灯坏了'), signed());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const [opinion] = await eventually(async () => {
      const found = await opinionsSaying('小区门口路灯坏了');
      return found.length > 0 && found;
    });
    expect(opinion).toMatchObject({ channel: 'dingtalk', senderId: 'staff-wang', groupName: '3栋邻里群' });
    const code = opinionCode(opinion!.number);
    const texts = await eventually(() => sessionTexts().some((t) => t.includes(code)) && sessionTexts());
    expect(texts.find((t) => t.includes(code))).toContain(`已记下您的意见（${code}，建筑）`);
  });

  it('a message DingTalk delivers again (same msgId) is stored and answered once', async () => {
    const message = robotMessage('#意见 垃圾房味道很大', 'cidGroup02==');
    expect((await postDing(message, signed())).status).toBe(200);
    expect((await postDing(message, signed())).status).toBe(200);
    const [opinion] = await eventually(async () => {
      const found = await opinionsSaying('垃圾房味道很大');
      return found.length > 0 && found;
    });
    const code = opinionCode(opinion!.number);
    await eventually(() => sessionTexts().some((t) => t.includes(code)));
    expect((await postDing(message, signed())).status).toBe(200);
    await sleep(QUIET_MS);
    expect(await opinionsSaying('垃圾房味道很大')).toHaveLength(1);
    expect(sessionTexts().filter((t) => t.includes(code))).toHaveLength(1);
  });
});
