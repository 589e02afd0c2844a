import bodyParser from '@koa/bodyparser';
import Koa, { type Middleware } from 'koa';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InboundMessage } from '../../../shared/messages.js';
import { WeComAdapter, type WeComAdapterOptions } from './wecom-adapter.js';
import {
  appCallback,
  appTextXml,
  robotCallback,
  robotTextJson,
  urlVerification,
  type SignedRequest,
} from './wecom-callback-factory.js';
import { wecomWebhook, type WeComWebhookOptions } from './wecom-webhook.js';

const CORP_ID = 'ww7ca4776b2a70000';
const APP = { token: 'QDG6eKapp', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const ROBOT = { token: 'robotToken42', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const OTHER_KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Harness {
  url: string;
  adapter: WeComAdapter;
  received: InboundMessage[];
  warnings: ReturnType<typeof vi.fn>;
  get(query: string): Promise<Response>;
  post(request: SignedRequest, headers?: Record<string, string>): Promise<Response>;
}

/** A tiny Koa app on 127.0.0.1:0 with the webhook mounted, the way the server mounts `extra` middleware. */
async function start(
  options: {
    adapter?: Partial<WeComAdapterOptions>;
    webhook?: WeComWebhookOptions;
    before?: Middleware[];
    started?: boolean;
  } = {},
): Promise<Harness> {
  const warnings = vi.fn();
  const adapter = new WeComAdapter({
    corpId: CORP_ID,
    token: APP.token,
    encodingAesKey: APP.encodingAesKey,
    robotCallback: ROBOT,
    robots: () => null,
    log: { info: () => undefined, warn: warnings, error: () => undefined },
    ...options.adapter,
  });
  const received: InboundMessage[] = [];
  if (options.started !== false) await adapter.start((m) => received.push(m));
  const app = new Koa();
  for (const middleware of options.before ?? []) app.use(middleware);
  app.use(wecomWebhook(adapter, options.webhook));
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/wecom`;
  return {
    url,
    adapter,
    received,
    warnings,
    get: (query) => fetch(`${url}?${query}`),
    post: (request, headers = {}) =>
      fetch(`${url}?${request.query}`, {
        method: 'POST',
        headers: { 'content-type': request.contentType, ...headers },
        body: request.body,
      }),
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function expectRefused(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
}

/** The documented algorithm written out with node:crypto alone, independent of the code under test. */
function independentRobotCallback(token: string, encodingAesKey: string, inner: string): SignedRequest {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const msg = Buffer.from(inner, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length);
  const plain = Buffer.concat([randomBytes(16), length, msg]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const encrypt = Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
  const timestamp = String(nowSeconds());
  const nonce = String(Math.floor(Math.random() * 1e9));
  const signature = createHash('sha1')
    .update([token, timestamp, nonce, encrypt].sort().join(''))
    .digest('hex');
  return {
    query: `msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
    body: JSON.stringify({ encrypt }),
    contentType: 'application/json',
  };
}

describe('GET /webhooks/wecom (URL verification)', () => {
  it('401 for a forged signature, a missing parameter or a stale timestamp', async () => {
    const h = await start();
    const good = urlVerification(APP, CORP_ID, 'echo-1');
    const forged = good.query.replace(/msg_signature=[0-9a-f]{40}/, `msg_signature=${'0'.repeat(40)}`);
    await expectRefused(await h.get(forged), 401, 'signature_invalid');
    await expectRefused(await h.get(good.query.replace(/&?nonce=\d+/, '')), 401, 'signature_missing');
    const stale = urlVerification(APP, CORP_ID, 'echo-2', { timestamp: nowSeconds() - 301 });
    await expectRefused(await h.get(stale.query), 401, 'timestamp_stale');
    const future = urlVerification(APP, CORP_ID, 'echo-3', { timestamp: nowSeconds() + 301 });
    await expectRefused(await h.get(future.query), 401, 'timestamp_stale');
  });

  it('401 for the same request twice', async () => {
    const h = await start();
    const { query } = urlVerification(APP, CORP_ID, 'echo-once');
    expect(await (await h.get(query)).text()).toBe('echo-once');
    await expectRefused(await h.get(query), 401, 'request_replayed');
  });

  it('400 when the echostr was encrypted for another receive id or with another key', async () => {
    const h = await start();
    await expectRefused(await h.get(urlVerification(APP, 'ww-other-corp', 'x').query), 400, 'wrong_receiver');
    const otherKey = urlVerification({ ...APP, encodingAesKey: OTHER_KEY }, CORP_ID, 'x');
    await expectRefused(await h.get(otherKey.query), 400, 'undecryptable');
  });

  it('200 with the documented example, answering the bare plaintext', async () => {
    const h = await start({
      adapter: { corpId: 'wx5823bf96d3bd56c7', token: 'QDG6eK', encodingAesKey: APP.encodingAesKey },
      webhook: { now: () => 1409659589 * 1000 + 1_500 },
    });
    const response = await h.get(
      'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780' +
        '&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1616140317555161061');
  });

  it('200 for the app and for the intelligent robot (receive id ""), even with `+` left unencoded', async () => {
    const h = await start();
    expect(await (await h.get(urlVerification(APP, CORP_ID, 'app-echo').query)).text()).toBe('app-echo');
    expect(await (await h.get(urlVerification(ROBOT, '', 'robot-echo').query)).text()).toBe('robot-echo');
    let query = '';
    for (let i = 0; i < 20 && !query.includes('%2B'); i++) {
      query = urlVerification(APP, CORP_ID, `plus-${i}`).query;
    }
    const response = await h.get(query.replace(/%2B/g, '+'));
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^plus-\d+$/);
  });
});

describe('POST /webhooks/wecom', () => {
  const appText = (content: string, msgId = String(Date.now()) + Math.floor(Math.random() * 1e6)) =>
    appTextXml({ corpId: CORP_ID, from: 'zhangsan', content, msgId, createTime: nowSeconds() });

  it('401 for a forged signature, a stale timestamp or a replayed request, and nothing is passed on', async () => {
    const h = await start();
    const forged = appCallback({ ...APP, token: 'not-the-token' }, CORP_ID, appText('#积分'));
    await expectRefused(await h.post(forged), 401, 'signature_invalid');
    const robotSignedByApp = robotCallback(
      { ...APP, encodingAesKey: ROBOT.encodingAesKey },
      robotTextJson({ msgId: 'r0', from: 'a', content: 'x' }),
    );
    await expectRefused(await h.post(robotSignedByApp), 401, 'signature_invalid');
    const stale = appCallback(APP, CORP_ID, appText('#积分'), { timestamp: nowSeconds() - 5 * 60 - 2 });
    await expectRefused(await h.post(stale), 401, 'timestamp_stale');

    const once = robotCallback(
      ROBOT,
      robotTextJson({ msgId: 'r1', from: 'lisi', content: '@小助手 #积分', chatId: 'wrG1' }),
    );
    expect((await h.post(once)).status).toBe(200);
    await expectRefused(await h.post(once), 401, 'request_replayed');
    expect(h.received.map((m) => m.channelMessageId)).toEqual(['r1']);
    expect(h.warnings).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'request_replayed' }),
      expect.any(String),
    );
  });

  it('400 for a body that does not decrypt, names another receive id, or is not an envelope', async () => {
    const h = await start();
    const otherKey = appCallback({ ...APP, encodingAesKey: OTHER_KEY }, CORP_ID, appText('x'));
    await expectRefused(await h.post(otherKey), 400, 'undecryptable');
    await expectRefused(await h.post(appCallback(APP, 'ww-other-corp', appText('x'))), 400, 'wrong_receiver');
    const robotForCorp = robotCallback(ROBOT, robotTextJson({ msgId: 'r2', from: 'a', content: 'x' }), {
      receiveId: CORP_ID,
    });
    await expectRefused(await h.post(robotForCorp), 400, 'wrong_receiver');
    const notXml = { ...appCallback(APP, CORP_ID, appText('x')), body: '<xml><Encrypt>' };
    await expectRefused(await h.post(notXml), 400, 'bad_message');
    const notJson = { ...robotCallback(ROBOT, '{}'), body: '{"encrypt": 5}' };
    await expectRefused(await h.post(notJson), 400, 'bad_message');
    await expectRefused(await h.post(appCallback(APP, CORP_ID, 'not xml')), 400, 'bad_message');
    await expectRefused(await h.post(robotCallback(ROBOT, '{"msgid":"r3"}')), 400, 'bad_message');
    expect(h.received).toEqual([]);
  });

  it('413 for an oversized body and 503 before the adapter has started', async () => {
    const h = await start();
    const big = {
      ...robotCallback(ROBOT, robotTextJson({ msgId: 'r4', from: 'a', content: 'x' })),
      body: `{"encrypt":"${'A'.repeat(70_000)}"}`,
    };
    await expectRefused(await h.post(big), 413, 'payload_too_large');
    const idle = await start({ started: false });
    const request = robotCallback(ROBOT, robotTextJson({ msgId: 'r5', from: 'a', content: 'x' }));
    await expectRefused(await idle.post(request), 503, 'not_ready');
    await idle.adapter.start((m) => idle.received.push(m));
    expect((await idle.post(request)).status).toBe(200);
    expect(idle.received).toHaveLength(1);
  });

  it('answers refusals in the caller’s language', async () => {
    const h = await start();
    const forged = appCallback({ ...APP, token: 'nope' }, CORP_ID, appText('x'));
    expect(await (await h.post(forged, { 'accept-language': 'en' })).json()).toEqual({
      error: { code: 'signature_invalid', message: 'Invalid signature' },
    });
    expect(
      await (await h.post(appCallback({ ...APP, token: 'nope' }, CORP_ID, appText('x')))).json(),
    ).toEqual({
      error: { code: 'signature_invalid', message: '签名无效' },
    });
  });

  it('200 for the documented app callback, handing on its text message', async () => {
    const h = await start({
      adapter: { corpId: 'wx5823bf96d3bd56c7', token: 'QDG6eK', encodingAesKey: APP.encodingAesKey },
      webhook: { now: () => 1409659813 * 1000 + 2_000 },
    });
    const response = await h.post({
      query: 'msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149',
      contentType: 'text/xml',
      body: '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(h.received).toEqual([
      expect.objectContaining({
        channel: 'wecom',
        accountId: 'wecom',
        channelMessageId: '4561255354251345929',
        groupId: null,
        senderId: 'mycreate',
        text: 'hello',
        mentionsBot: true,
        receivedAt: new Date(1409659813 * 1000).toISOString(),
      }),
    ]);
  });

  it('200 for app and robot callbacks, answering empty at once and handing each message on once', async () => {
    const h = await start({ adapter: { botNames: ['社区小助手'] } });
    const app = await h.post(appCallback(APP, CORP_ID, appText('#报事 3栋电梯坏了', '900001')));
    expect(app.status).toBe(200);
    expect(await app.text()).toBe('');
    const group = robotCallback(
      ROBOT,
      robotTextJson({ msgId: 'rg-1', from: 'lisi', content: '@社区小助手\u2005#积分', chatId: 'wrGroup1' }),
    );
    expect((await h.post(group)).status).toBe(200);
    const single = robotCallback(
      ROBOT,
      robotTextJson({ msgId: 'rs-1', from: 'wangwu', content: '路灯坏了' }),
    );
    expect((await h.post(single)).status).toBe(200);
    expect(
      h.received.map(({ channelMessageId, groupId, senderId, text }) => ({
        channelMessageId,
        groupId,
        senderId,
        text,
      })),
    ).toEqual([
      { channelMessageId: '900001', groupId: null, senderId: 'zhangsan', text: '#报事 3栋电梯坏了' },
      { channelMessageId: 'rg-1', groupId: 'wrGroup1', senderId: 'lisi', text: '#积分' },
      { channelMessageId: 'rs-1', groupId: null, senderId: 'wangwu', text: '路灯坏了' },
    ]);
  });

  it('200 for a robot callback encrypted and signed by hand with node:crypto', async () => {
    const h = await start();
    const inner = JSON.stringify({
      msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
      aibotid: 'AIBOTID',
      chatid: 'CHATID',
      chattype: 'group',
      from: { userid: 'USERID' },
      response_url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSE_CODE',
      msgtype: 'text',
      text: { content: '@RobotA hello robot' },
    });
    expect((await h.post(independentRobotCallback(ROBOT.token, ROBOT.encodingAesKey, inner))).status).toBe(
      200,
    );
    expect(h.received).toEqual([
      expect.objectContaining({
        channelMessageId: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
        groupId: 'CHATID',
        text: 'hello robot',
      }),
    ]);
  });

  it('200 behind the server’s JSON body parser, which reads JSON bodies first', async () => {
    const h = await start({ before: [bodyParser({ enableTypes: ['json', 'form'] })] });
    expect(
      (await h.post(robotCallback(ROBOT, robotTextJson({ msgId: 'bp-1', from: 'a', content: 'hi' })))).status,
    ).toBe(200);
    expect((await h.post(appCallback(APP, CORP_ID, appText('hi', 'bp-2')))).status).toBe(200);
    expect(h.received.map((m) => m.channelMessageId)).toEqual(['bp-1', 'bp-2']);
  });

  it('200 without handing on events and message types the bot does not handle', async () => {
    const h = await start();
    const event = `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[a]]></FromUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event></xml>`;
    expect((await h.post(appCallback(APP, CORP_ID, event))).status).toBe(200);
    const image = JSON.stringify({
      msgid: 'i1',
      chattype: 'single',
      from: { userid: 'a' },
      msgtype: 'image',
      image: { url: 'u' },
    });
    expect((await h.post(robotCallback(ROBOT, image))).status).toBe(200);
    expect(h.received).toEqual([]);
  });

  it('accepts robot callbacks under the app’s credentials when the robot has none of its own, or refuses them when off', async () => {
    const shared = await start({ adapter: { robotCallback: undefined } });
    expect(
      (await shared.post(robotCallback(APP, robotTextJson({ msgId: 's1', from: 'a', content: 'x' })))).status,
    ).toBe(200);
    const off = await start({ adapter: { robotCallback: null } });
    await expectRefused(
      await off.post(robotCallback(APP, robotTextJson({ msgId: 's2', from: 'a', content: 'x' }))),
      401,
      'signature_invalid',
    );
  });

  it('leaves other paths and methods to the next middleware', async () => {
    const h = await start();
    expect((await fetch(h.url.replace('/webhooks/wecom', '/webhooks/other'))).status).toBe(404);
    expect((await fetch(h.url, { method: 'PUT' })).status).toBe(404);
  });
});
