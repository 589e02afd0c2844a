import { createCipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import { loadConfig } from '../../server/config.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { createLogger } from '../../server/logger.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { signGatewayRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/gateway-signature.js';
import type { ChannelList, ChannelView } from '../../shared/schemas/channel.js';
import { opinionCode } from '../../shared/schemas/opinion.js';
import {
  startDingTalkRobotStandIn,
  type DingTalkRobotStandIn,
  type StandInRobot,
} from '../support/platform-stand-ins/dingtalk-robot.js';
import { startWecomRobotStandIn, type WecomRobotStandIn } from '../support/platform-stand-ins/wecom-robot.js';
import { eventually, startTestServer, TEST_GATEWAY_SECRET } from '../support/test-server.js';

/**
 * Channels registered as records beside the environment's defaults: the admin API, callbacks at
 * `/webhooks/<platform>/<id>` checked with that record's credentials, and group sends through a
 * registered robot. WeCom requests are signed and encrypted here from the documented algorithm
 * (加解密方案说明) and DingTalk's signed from its formula, not with the project's code.
 */

const DEFAULT_WECOM = { corpId: 'wwdefault00000000', token: 'defaultToken', aesKey: 'Z'.repeat(43) };
const RECORD_WECOM = {
  corpId: 'wwrecord000000001',
  token: 'recordToken42',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  agentId: '1000007',
  secret: 'app-secret-of-the-record-app-0123456789abc',
};
const DEFAULT_DINGTALK = { appKey: 'dingdefaultkey', appSecret: 'default-dingtalk-secret-0000' };
const RECORD_DINGTALK = { appKey: 'dingrecordkey01', appSecret: 'record-dingtalk-secret-1111abcd' };
const ENV_ROBOT_KEY = 'env-robot-key-0001';
const RECORD_ROBOT_KEY = 'record-robot-key-0002';
const ENV_GROUP = 'wrOgEnvGroup';
const RECORD_GROUP = 'wrOgRecordGroup';
const RECORD_GROUP_2 = 'wrOgRecordGroup2';
const DING_GROUP = 'cidRecordGroup+/==';
const QUIET_MS = 700;

let engine: TestEngine;
let server: RunningServer;
let wecomRobot: WecomRobotStandIn;
let dingRobot: DingTalkRobotStandIn;
let dingStandInRobot: StandInRobot;
const logLines: string[] = [];
let communityId: string;
const cookies: Record<'admin' | 'secretary' | 'resident', string> = {
  admin: '',
  secretary: '',
  resident: '',
};

beforeAll(async () => {
  [engine, wecomRobot, dingRobot] = await Promise.all([
    startTestEngine(),
    startWecomRobotStandIn({ keys: [ENV_ROBOT_KEY, RECORD_ROBOT_KEY] }),
    startDingTalkRobotStandIn(),
  ]);
  dingStandInRobot = dingRobot.addRobot();
  const config = loadConfig(
    {
      MONGODB_URI: engine.uri,
      MONGODB_DB: `nbtest_chrec_${randomUUID().slice(0, 8)}`,
      DATA_DIR: engine.dataDir,
      PORT: '0',
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      DEMO: 'false',
      LOG_LEVEL: 'debug',
      WECOM_CORP_ID: DEFAULT_WECOM.corpId,
      WECOM_TOKEN: DEFAULT_WECOM.token,
      WECOM_AES_KEY: DEFAULT_WECOM.aesKey,
      WECOM_GROUP_ROBOTS: JSON.stringify({ [ENV_GROUP]: wecomRobot.webhookUrl(ENV_ROBOT_KEY) }),
      DINGTALK_APP_KEY: DEFAULT_DINGTALK.appKey,
      DINGTALK_APP_SECRET: DEFAULT_DINGTALK.appSecret,
      DINGTALK_WEBHOOK_ALLOWLIST: dingRobot.host,
    },
    () => TEST_GATEWAY_SECRET,
  );
  server = await startServer({
    config,
    // Every log line is kept, to prove no credential ever reaches one.
    log: createLogger(config.LOG_LEVEL, { write: (line: string) => void logLines.push(line) }),
    embedBot: true,
    maintenanceIntervalMs: 200,
    platformBaseUrls: { wecomRobot: wecomRobot.url },
  });
  const people = await communityWithStaff(server);
  communityId = people.communityId;
  Object.assign(cookies, people.cookies);
});

/** One community (groups heard for the first time are filed under it), its admin, secretary and a resident. */
async function communityWithStaff(running: RunningServer) {
  const { communities, residents } = running.container.repositories;
  const community = await communities.create({ code: 'wuyang', name: '五羊社区', compounds: [] });
  const scope = scopeId.community(community.id);
  const cookieOf = async (name: string, role: 'admin' | 'secretary' | 'resident') => {
    const resident = await residents.create({
      communityId: community.id,
      name,
      roles: [assignment(role, scope)],
    });
    return `${SESSION_COOKIE}=${running.container.sessionCodec.encode(resident.id).value}`;
  };
  return {
    communityId: community.id,
    cookies: {
      admin: await cookieOf('周管理员', 'admin'),
      secretary: await cookieOf('陈书记', 'secretary'),
      resident: await cookieOf('王秀英', 'resident'),
    },
  };
}

afterAll(async () => {
  await server?.stop();
  await Promise.all([wecomRobot?.close(), dingRobot?.close()]);
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(path: string, init: { method?: string; body?: unknown; cookie?: string } = {}) {
  const headers: Record<string, string> = { 'accept-language': 'en' };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : null };
}

const channelCount = () => server.container.models.channel.countDocuments();

/** Every credential the tests register; none may appear in a response, the database or a log. */
const secrets = () => [
  RECORD_WECOM.token,
  RECORD_WECOM.aesKey,
  RECORD_WECOM.secret,
  RECORD_ROBOT_KEY,
  RECORD_DINGTALK.appSecret,
  dingStandInRobot.accessToken,
  dingStandInRobot.secret!,
];

async function storedAnywhere(text: string): Promise<boolean> {
  const db = server.container.conn.db!;
  for (const collection of await db.collections()) {
    const docs = await collection.find().toArray();
    if (docs.some((d) => JSON.stringify(d).includes(text))) return true;
  }
  return false;
}

// --- WeCom's callback crypto, from the documentation: not the project's implementation.

/** base64(AES-256-CBC(random16 ‖ len ‖ msg ‖ receiveId)), PKCS#7 to 32 bytes, key = base64(aesKey + '='), iv = key[0..16). */
function wecomEncrypt(aesKey: string, message: string, receiveId: string): string {
  const key = Buffer.from(`${aesKey}=`, 'base64');
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

function wecomQuery(token: string, encrypted: string, options: { timestamp?: number; extra?: object } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const signature = createHash('sha1')
    .update([token, timestamp, nonce, encrypted].sort().join(''))
    .digest('hex');
  return new URLSearchParams({ msg_signature: signature, timestamp, nonce, ...options.extra }).toString();
}

let msgSeq = 0;
function groupTextXml(corpId: string, content: string, chatId: string, msgId = `${Date.now()}${++msgSeq}`) {
  return (
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId><AgentID>${RECORD_WECOM.agentId}</AgentID>` +
    `<ChatId><![CDATA[${chatId}]]></ChatId></xml>`
  );
}

function postWecom(path: string, query: string, encrypted: string, corpId: string) {
  return fetch(`${server.url}${path}?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', 'accept-language': 'en' },
    body: `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  });
}

// --- DingTalk's callback signature: base64(HmacSHA256(secret, timestamp + "\n" + secret)).

function dingHeaders(secret: string, timestamp = Date.now()) {
  const ts = String(timestamp);
  return { timestamp: ts, sign: createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64') };
}

let dingSeq = 0;
/** A group message with no session webhook, so the answer has to go through the group's custom robot. */
function dingMessage(content: string) {
  dingSeq += 1;
  return {
    msgId: `msgRecord${dingSeq}${randomUUID().slice(0, 6)}`,
    msgtype: 'text',
    text: { content: ` ${content}` },
    conversationId: DING_GROUP,
    conversationType: '2',
    conversationTitle: '5栋邻里群',
    senderId: '$:LWCP_v1:$sender5==',
    senderStaffId: 'staff-zhao',
    senderNick: '赵阿姨',
    isInAtList: true,
    createAt: Date.now(),
  };
}

const postDing = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'en', ...headers },
    body: JSON.stringify(body),
  });

async function opinionsSaying(text: string) {
  const recent = await server.container.repositories.opinions.listRecent({ communityId, limit: 200 });
  return recent.filter((o) => o.text === text);
}

const wecomApp = () => ({ kind: 'wecomApp', name: '街道企业微信', ...RECORD_WECOM });
const wecomRobotInput = () => ({
  kind: 'wecomRobot',
  name: '5栋群机器人',
  webhookKey: wecomRobot.webhookUrl(RECORD_ROBOT_KEY),
  chatIds: [RECORD_GROUP, RECORD_GROUP_2],
});
const dingApp = () => ({ kind: 'dingtalkApp', name: '街道钉钉', ...RECORD_DINGTALK });
const dingRobotInput = () => ({
  kind: 'dingtalkRobot',
  name: '5栋钉钉机器人',
  accessToken: dingStandInRobot.webhookUrl,
  secret: dingStandInRobot.secret!,
  conversationId: DING_GROUP,
});

const registered: Partial<Record<'wecomApp' | 'wecomRobot' | 'dingtalkApp' | 'dingtalkRobot', ChannelView>> =
  {};

describe('POST /api/channels', () => {
  it('401 without a session', async () => {
    const res = await api('/api/channels', { method: 'POST', body: wecomApp() });
    expect(res.status).toBe(401);
  });

  it('400 for a malformed channel, naming the field but not echoing the secret', async () => {
    const res = await api('/api/channels', {
      method: 'POST',
      cookie: cookies.admin,
      body: { ...wecomApp(), aesKey: 'too-short-secret-value' },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'validation_failed' } });
    expect(res.text).toContain('aesKey');
    expect(res.text).not.toContain('too-short-secret-value');
    const unknownKind = await api('/api/channels', {
      method: 'POST',
      cookie: cookies.admin,
      body: { kind: 'telegram', name: 'x' },
    });
    expect(unknownKind.status).toBe(400);
    expect(await channelCount()).toBe(0);
  });

  it('403 for a secretary and a resident, in their language; nothing stored', async () => {
    for (const cookie of [cookies.secretary, cookies.resident]) {
      const res = await api('/api/channels', { method: 'POST', cookie, body: wecomApp() });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: { code: 'forbidden', message: expect.stringContaining('manage channels') as string },
      });
    }
    expect(await channelCount()).toBe(0);
  });

  it('201 for an admin: the view has identifiers and the callback path, no secret; stored sealed; audited', async () => {
    for (const input of [wecomApp(), wecomRobotInput(), dingApp(), dingRobotInput()]) {
      const res = await api('/api/channels', { method: 'POST', cookie: cookies.admin, body: input });
      expect(res.status, input.kind).toBe(201);
      for (const secret of secrets()) expect(res.text).not.toContain(secret);
      registered[input.kind as keyof typeof registered] = res.json as ChannelView;
    }
    const app = registered.wecomApp!;
    expect(app).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/) as string,
      kind: 'wecomApp',
      name: '街道企业微信',
      corpId: RECORD_WECOM.corpId,
      agentId: RECORD_WECOM.agentId,
      callbackPath: `/webhooks/wecom/${app.id}`,
      createdAt: expect.any(String) as string,
    });
    expect(registered.wecomRobot).toMatchObject({ chatIds: [RECORD_GROUP, RECORD_GROUP_2] });
    expect(registered.dingtalkApp).toMatchObject({
      appKey: RECORD_DINGTALK.appKey,
      callbackPath: `/webhooks/dingtalk/${registered.dingtalkApp!.id}`,
    });
    expect(registered.dingtalkRobot).toMatchObject({ conversationId: DING_GROUP });

    // At rest: the identifiers in the clear, every credential only inside the sealed field.
    const docs = await server.container.conn.db!.collection('channels').find().toArray();
    expect(docs).toHaveLength(4);
    for (const secret of secrets()) expect(await storedAnywhere(secret), secret).toBe(false);
    expect(docs.every((d) => typeof d.sealed === 'string' && d.sealed.startsWith('v1.'))).toBe(true);

    const audit = await server.container.conn
      .db!.collection('audit_log')
      .find({ action: 'channel.create' })
      .toArray();
    expect(audit.map((a) => a.targetLabel as string).sort()).toEqual(
      ['5栋群机器人', '5栋钉钉机器人', '街道企业微信', '街道钉钉'].sort(),
    );
  });

  it('409 for a group that already has a robot, from the environment or a record', async () => {
    const fromEnv = await api('/api/channels', {
      method: 'POST',
      cookie: cookies.admin,
      body: { ...wecomRobotInput(), chatIds: [ENV_GROUP] },
    });
    expect(fromEnv.status).toBe(409);
    expect(fromEnv.json).toMatchObject({ error: { code: 'channel_group_taken' } });
    const fromRecord = await api('/api/channels', {
      method: 'POST',
      cookie: cookies.admin,
      body: { ...dingRobotInput(), name: 'second' },
    });
    expect(fromRecord.status).toBe(409);
    expect(await channelCount()).toBe(4);
  });

  it('400 for a DingTalk robot whose webhook is not on the allowlist', async () => {
    const res = await api('/api/channels', {
      method: 'POST',
      cookie: cookies.admin,
      body: {
        ...dingRobotInput(),
        conversationId: 'cidElsewhere',
        accessToken: 'https://evil.example.com/robot/send?access_token=abc123456',
      },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'channel_webhook_refused' } });
    expect(await channelCount()).toBe(4);
  });
});

describe('GET /api/channels', () => {
  it('401 without a session, 403 for a secretary', async () => {
    expect((await api('/api/channels')).status).toBe(401);
    expect((await api('/api/channels', { cookie: cookies.secretary })).status).toBe(403);
  });

  it('200 for an admin: the community’s channels, without a single secret', async () => {
    const res = await api('/api/channels', { cookie: cookies.admin });
    expect(res.status).toBe(200);
    const { items } = res.json as ChannelList;
    expect(items.map((c) => c.kind)).toEqual(['wecomApp', 'wecomRobot', 'dingtalkApp', 'dingtalkRobot']);
    for (const secret of secrets()) expect(res.text).not.toContain(secret);
  });
});

describe('POST /gateway/channels', () => {
  it('401 without the gateway signature: credentials go to bot processes only', async () => {
    const res = await fetch(`${server.url}/gateway/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revision: null, waitMs: 0 }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(RECORD_WECOM.token);
  });

  it('200 with a signed request: the records with their credentials', async () => {
    const body = JSON.stringify({ revision: null, waitMs: 0 });
    const timestamp = String(Date.now());
    const res = await fetch(`${server.url}/gateway/channels`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signGatewayRequest(TEST_GATEWAY_SECRET, timestamp, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      wecomApps: [{ id: registered.wecomApp!.id, corpId: RECORD_WECOM.corpId, token: RECORD_WECOM.token }],
      dingtalkRobots: [{ conversationId: DING_GROUP, secret: dingStandInRobot.secret }],
    });
  });
});

describe('/webhooks/wecom/:channelId', () => {
  const path = () => `/webhooks/wecom/${registered.wecomApp!.id}`;

  it('GET answers the URL verification with the record’s credentials, 401 with the default app’s', async () => {
    const echostr = wecomEncrypt(RECORD_WECOM.aesKey, 'echo-record-42', RECORD_WECOM.corpId);
    const good = await fetch(
      `${server.url}${path()}?${wecomQuery(RECORD_WECOM.token, echostr, { extra: { echostr } })}`,
    );
    expect(good.status).toBe(200);
    expect(await good.text()).toBe('echo-record-42');

    const asDefault = wecomEncrypt(DEFAULT_WECOM.aesKey, 'echo-default', DEFAULT_WECOM.corpId);
    const query = wecomQuery(DEFAULT_WECOM.token, asDefault, { extra: { echostr: asDefault } });
    expect((await fetch(`${server.url}${path()}?${query}`)).status).toBe(401);
    // The record's credentials do not open the default app's bare path either.
    const atBare = wecomQuery(RECORD_WECOM.token, echostr, { extra: { echostr } });
    expect((await fetch(`${server.url}/webhooks/wecom?${atBare}`)).status).toBe(401);
  });

  it('401/400 for forged, stale, replayed, misaddressed and undecryptable callbacks; nothing stored or sent', async () => {
    const sentBefore = wecomRobot.received.length;
    const send = (token: string, text: string, corpId = RECORD_WECOM.corpId, timestamp?: number) => {
      const encrypted = wecomEncrypt(RECORD_WECOM.aesKey, groupTextXml(corpId, text, RECORD_GROUP), corpId);
      return { query: wecomQuery(token, encrypted, { timestamp }), encrypted };
    };
    const forged = send('forgedToken', '#意见 伪造的记录渠道意见');
    const forgedRes = await postWecom(path(), forged.query, forged.encrypted, RECORD_WECOM.corpId);
    expect(forgedRes.status).toBe(401);
    expect(await forgedRes.json()).toMatchObject({ error: { code: 'signature_invalid' } });

    const stale = send(RECORD_WECOM.token, '#意见 过期的记录渠道意见', RECORD_WECOM.corpId, 1_000_000_000);
    expect((await postWecom(path(), stale.query, stale.encrypted, RECORD_WECOM.corpId)).status).toBe(401);

    const otherCorp = send(RECORD_WECOM.token, '#意见 别的企业的意见', 'wwsomeoneelse0000');
    const misaddressed = await postWecom(path(), otherCorp.query, otherCorp.encrypted, 'wwsomeoneelse0000');
    expect(misaddressed.status).toBe(400);
    expect(await misaddressed.json()).toMatchObject({ error: { code: 'wrong_receiver' } });

    const garbage = randomBytes(64).toString('base64');
    const undecryptable = await postWecom(
      path(),
      wecomQuery(RECORD_WECOM.token, garbage),
      garbage,
      RECORD_WECOM.corpId,
    );
    expect(undecryptable.status).toBe(400);

    const once = send(RECORD_WECOM.token, '#意见 只该保存一次的意见');
    expect((await postWecom(path(), once.query, once.encrypted, RECORD_WECOM.corpId)).status).toBe(200);
    const replay = await postWecom(path(), once.query, once.encrypted, RECORD_WECOM.corpId);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'request_replayed' } });

    await eventually(async () => (await opinionsSaying('只该保存一次的意见')).length === 1);
    await eventually(() => wecomRobot.received.length > sentBefore);
    await sleep(QUIET_MS);
    for (const text of ['伪造的记录渠道意见', '过期的记录渠道意见', '别的企业的意见']) {
      expect(await storedAnywhere(text), text).toBe(false);
    }
    expect(wecomRobot.received.length - sentBefore).toBe(1);
  });

  it('200 for a callback signed and encrypted with the record’s credentials: stored, answered by the registered robot', async () => {
    const xml = groupTextXml(RECORD_WECOM.corpId, '#意见 5栋门口积水', RECORD_GROUP_2);
    const encrypted = wecomEncrypt(RECORD_WECOM.aesKey, xml, RECORD_WECOM.corpId);
    const res = await postWecom(
      path(),
      wecomQuery(RECORD_WECOM.token, encrypted),
      encrypted,
      RECORD_WECOM.corpId,
    );
    expect(res.status).toBe(200);
    const [opinion] = await eventually(async () => {
      const found = await opinionsSaying('5栋门口积水');
      return found.length > 0 && found;
    });
    expect(opinion).toMatchObject({ channel: 'wecom', senderId: 'lisi' });
    const code = opinionCode(opinion!.number);
    const reply = await eventually(() =>
      wecomRobot.delivered(RECORD_ROBOT_KEY).find((b) => JSON.stringify(b).includes(code)),
    );
    // The robot serves two groups, so the send names the group.
    expect(reply).toMatchObject({ msgtype: 'text', chatid: RECORD_GROUP_2 });
    expect(wecomRobot.delivered(ENV_ROBOT_KEY).some((b) => JSON.stringify(b).includes(code))).toBe(false);
  });

  it('404 for a channel nobody registered', async () => {
    const encrypted = wecomEncrypt(RECORD_WECOM.aesKey, 'x', RECORD_WECOM.corpId);
    const res = await fetch(
      `${server.url}/webhooks/wecom/${'0'.repeat(24)}?${wecomQuery(RECORD_WECOM.token, encrypted, { extra: { echostr: encrypted } })}`,
      { headers: { 'accept-language': 'en' } },
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'channel_not_found' } });
  });
});

describe('/webhooks/dingtalk/:channelId', () => {
  const path = () => `/webhooks/dingtalk/${registered.dingtalkApp!.id}`;

  it('401 for a callback signed with another secret (the default app’s too), stale or unsigned; nothing stored or sent', async () => {
    const requestsBefore = dingRobot.requests.length;
    const attempts: [Record<string, string>, string][] = [
      [dingHeaders(DEFAULT_DINGTALK.appSecret), 'signature_invalid'],
      [dingHeaders('not-the-record-secret'), 'signature_invalid'],
      [dingHeaders(RECORD_DINGTALK.appSecret, Date.now() - 2 * 3_600_000), 'timestamp_stale'],
      [{}, 'signature_missing'],
    ];
    for (const [headers, code] of attempts) {
      const res = await postDing(path(), dingMessage(`#意见 不该保存的钉钉意见${code}`), headers);
      expect(res.status, code).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
    // The record's secret does not open the default app's bare path.
    const atBare = await postDing(
      '/webhooks/dingtalk',
      dingMessage('#意见 不该保存的钉钉意见bare'),
      dingHeaders(RECORD_DINGTALK.appSecret),
    );
    expect(atBare.status).toBe(401);
    await sleep(QUIET_MS);
    expect(await storedAnywhere('不该保存的钉钉意见')).toBe(false);
    expect(dingRobot.requests.length).toBe(requestsBefore);
  });

  it('200 for a callback signed with the record’s AppSecret: stored, answered through the registered custom robot, signed', async () => {
    const res = await postDing(
      path(),
      dingMessage('#意见 5栋电梯异响'),
      dingHeaders(RECORD_DINGTALK.appSecret),
    );
    expect(res.status).toBe(200);
    const [opinion] = await eventually(async () => {
      const found = await opinionsSaying('5栋电梯异响');
      return found.length > 0 && found;
    });
    expect(opinion).toMatchObject({ channel: 'dingtalk', senderId: 'staff-zhao' });
    const code = opinionCode(opinion!.number);
    // The stand-in accepts a robot send only with a valid signature from the robot's SEC secret.
    const sent = await eventually(() =>
      dingRobot.messages.find((m) => m.via === 'robot' && JSON.stringify(m.body).includes(code)),
    );
    expect(sent.robot).toBe(dingStandInRobot.accessToken);
  });
});

describe('DELETE /api/channels/:id', () => {
  it('400 for a malformed id, 403 for a secretary, 404 for an unknown one', async () => {
    expect((await api('/api/channels/nope', { method: 'DELETE', cookie: cookies.admin })).status).toBe(400);
    const id = registered.dingtalkApp!.id;
    expect((await api(`/api/channels/${id}`, { method: 'DELETE', cookie: cookies.secretary })).status).toBe(
      403,
    );
    const unknown = await api(`/api/channels/${'0'.repeat(24)}`, { method: 'DELETE', cookie: cookies.admin });
    expect(unknown.status).toBe(404);
    expect(await channelCount()).toBe(4);
  });

  it('204 for an admin: audited, and the bot stops accepting that channel’s callbacks', async () => {
    const id = registered.dingtalkApp!.id;
    const res = await api(`/api/channels/${id}`, { method: 'DELETE', cookie: cookies.admin });
    expect(res.status).toBe(204);
    expect(await channelCount()).toBe(3);
    const audit = await server.container.conn
      .db!.collection('audit_log')
      .findOne({ action: 'channel.delete' });
    expect(audit).toMatchObject({ targetId: id, targetLabel: '街道钉钉' });
    // Unsigned probes: refused either way (401 while the bot still knows the channel), never stored.
    await eventually(
      async () => (await postDing(path(id), dingMessage('#意见 探测'), {})).status === 404,
      5_000,
    );
    const signed = await postDing(
      path(id),
      dingMessage('#意见 删除之后的意见'),
      dingHeaders(RECORD_DINGTALK.appSecret),
    );
    expect(signed.status).toBe(404);
    await sleep(QUIET_MS);
    expect(await storedAnywhere('删除之后的意见')).toBe(false);
  });

  const path = (id: string) => `/webhooks/dingtalk/${id}`;
});

describe('logs', () => {
  it('hold no credential of any registered channel', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('');
    for (const secret of secrets()) expect(all).not.toContain(secret);
  });
});

describe('a server without WeCom or DingTalk set up', () => {
  it('409 for a channel of a platform whose default app is not configured: records only extend it', async () => {
    const bare = await startTestServer({
      engine,
      dbName: `nbtest_chrec_bare_${randomUUID().slice(0, 8)}`,
      embedBot: true,
    });
    try {
      const cookie = (await communityWithStaff(bare)).cookies.admin;
      for (const [body, platform] of [
        [wecomApp(), 'WeCom'],
        [dingApp(), 'DingTalk'],
      ] as const) {
        const res = await fetch(`${bare.url}/api/channels`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', 'accept-language': 'en' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(409);
        expect(await res.json()).toEqual({
          error: { code: 'channel_platform_off', message: expect.stringContaining(platform) as string },
        });
      }
      expect(await bare.container.models.channel.countDocuments()).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
