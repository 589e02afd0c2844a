import Koa from 'koa';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InboundMessage, OutboundMessage } from '../../../shared/messages.js';
import {
  startDingTalkRobotStandIn,
  type DingTalkRobotStandIn,
} from '../../../test/support/platform-stand-ins/dingtalk-robot.js';
import type { BotLogger } from '../../runtime/bot.js';
import { DingTalkAdapter, resultForErrcode, type DingTalkAdapterOptions } from './dingtalk-adapter.js';
import { dingTalkRobotsFromJson, type DingTalkRobot } from './dingtalk-robots.js';
import { parseWebhookAllowlist } from './webhook-allowlist.js';

const APP_SECRET = 'adapter-test-app-secret';
const GROUP = 'cidGroupA+/x==';

function silentLog() {
  return {
    info: vi.fn<BotLogger['info']>(),
    warn: vi.fn<BotLogger['warn']>(),
    error: vi.fn<BotLogger['error']>(),
  };
}

/** One clock for the adapter and the stand-in, so throttling and expiry can be stepped through. */
function clock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function standIn(options: Parameters<typeof startDingTalkRobotStandIn>[0] = {}) {
  const s = await startDingTalkRobotStandIn(options);
  cleanups.push(() => s.close());
  return s;
}

interface World {
  stand: DingTalkRobotStandIn;
  adapter: DingTalkAdapter;
  inbox: InboundMessage[];
  log: ReturnType<typeof silentLog>;
  time: ReturnType<typeof clock>;
  robots: Map<string, DingTalkRobot>;
  /** Posts a correctly signed callback to the adapter's webhook over real HTTP. */
  deliver(body: Record<string, unknown>): Promise<Response>;
}

async function world(extra: Partial<DingTalkAdapterOptions> = {}, standOptions = {}): Promise<World> {
  const time = clock();
  const stand = await standIn({ now: time.now, ...standOptions });
  const robots = new Map<string, DingTalkRobot>();
  const log = silentLog();
  const adapter = new DingTalkAdapter({
    accountId: 'dt-test',
    appSecret: APP_SECRET,
    // Tests allow the stand-in's loopback address explicitly; DingTalk's hosts are the default.
    webhookAllowlist: parseWebhookAllowlist('127.0.0.1'),
    robots: (id) => robots.get(id),
    now: time.now,
    log,
    ...extra,
  });
  const inbox: InboundMessage[] = [];
  await adapter.start((m) => inbox.push(m));
  cleanups.push(() => adapter.stop());

  const app = new Koa();
  app.use(adapter.webhook());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const deliver = (body: Record<string, unknown>) => {
    const ts = String(time.now());
    const sign = createHmac('sha256', APP_SECRET).update(`${ts}\n${APP_SECRET}`).digest('base64');
    return fetch(`${base}/webhooks/dingtalk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', timestamp: ts, sign },
      body: JSON.stringify(body),
    });
  };
  return { stand, adapter, inbox, log, time, robots, deliver };
}

let seq = 0;
function callback(w: World, fields: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    msgId: `msgA${seq}==`,
    msgtype: 'text',
    text: { content: ' 3栋电梯坏了' },
    conversationId: GROUP,
    conversationType: '2',
    conversationTitle: '3栋邻里群',
    senderId: '$:LWCP_v1:$s1==',
    senderStaffId: 'resident01',
    senderNick: '王阿姨',
    createAt: w.time.now(),
    ...fields,
  };
}

/** A callback whose sessionWebhook leads to the stand-in. */
function withSession(w: World, fields: Record<string, unknown> = {}, ttlMs = 90 * 60_000) {
  const session = w.stand.addSession({ robot: 'enterprise-robot', expiresAt: w.time.now() + ttlMs });
  return callback(w, {
    sessionWebhook: session.sessionWebhook,
    sessionWebhookExpiredTime: session.expiresAt,
    ...fields,
  });
}

function outbound(fields: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    channel: 'dingtalk',
    accountId: 'dt-test',
    groupId: GROUP,
    content: { kind: 'text', text: '已收到，物业马上处理' },
    mentions: [],
    replyTo: null,
    ...fields,
  };
}

describe('DingTalkAdapter receiving', () => {
  it('turns a signed callback into an InboundMessage', async () => {
    const w = await world();
    const body = callback(w);
    expect((await w.deliver(body)).status).toBe(200);
    expect(w.inbox).toEqual([
      {
        channel: 'dingtalk',
        accountId: 'dt-test',
        channelMessageId: body.msgId,
        groupId: GROUP,
        groupName: '3栋邻里群',
        senderId: 'resident01',
        senderName: '王阿姨',
        text: '3栋电梯坏了',
        mentionsBot: true,
        attachments: [],
        receivedAt: new Date(w.time.now()).toISOString(),
      },
    ]);
  });

  it('answers 503 before start and after stop', async () => {
    const w = await world();
    await w.adapter.stop();
    expect((await w.deliver(callback(w))).status).toBe(503);
    expect(w.inbox).toHaveLength(0);
  });
});

describe('DingTalkAdapter replying through the session webhook', () => {
  it('answers a group message through its fresh session webhook, with mentions', async () => {
    const w = await world();
    const body = withSession(w);
    await w.deliver(body);
    const result = await w.adapter.send(outbound({ replyTo: String(body.msgId), mentions: ['resident01'] }));
    expect(result).toEqual({ ok: true });
    expect(w.stand.messages).toEqual([
      {
        via: 'session',
        robot: 'enterprise-robot',
        body: {
          msgtype: 'text',
          text: { content: '@resident01 已收到，物业马上处理' },
          at: { atUserIds: ['resident01'] },
        },
        at: w.time.now(),
      },
    ]);
  });

  it('answers a private chat through its session webhook, without mentions', async () => {
    const w = await world();
    const body = withSession(w, { conversationType: '1', conversationId: 'cidPrivate==' });
    await w.deliver(body);
    expect(w.inbox[0]?.groupId).toBeNull();
    const result = await w.adapter.send(
      outbound({
        groupId: null,
        replyTo: String(body.msgId),
        mentions: ['resident01'],
        content: { kind: 'markdown', title: '积分', markdown: '您的积分：**120**' },
      }),
    );
    expect(result).toEqual({ ok: true });
    expect(w.stand.messages[0]?.body).toEqual({
      msgtype: 'markdown',
      markdown: { title: '积分', text: '您的积分：**120**' },
    });
  });

  it('uses the newest session of the conversation', async () => {
    const w = await world();
    const first = withSession(w, {}, 10 * 60_000);
    await w.deliver(first);
    w.time.advance(8 * 60_000);
    await w.deliver(withSession(w));
    // The first session would now be within a minute of expiring; the reply still goes out.
    w.time.advance(90_000);
    expect(await w.adapter.send(outbound({ replyTo: String(first.msgId) }))).toEqual({ ok: true });
    expect(w.stand.messages).toHaveLength(1);
  });

  it('refuses a session webhook whose host is not allowed, and never contacts it', async () => {
    const fetchSpy = vi.fn(globalThis.fetch);
    const w = await world({ fetch: fetchSpy });
    // Same stand-in, addressed as localhost: reachable, but not on the allowlist.
    const session = w.stand.addSession({ robot: 'enterprise-robot', expiresAt: w.time.now() + 3_600_000 });
    const sneaky = session.sessionWebhook.replace('127.0.0.1', 'localhost');
    const body = callback(w, {
      conversationType: '1',
      conversationId: 'cidPrivate==',
      sessionWebhook: sneaky,
      sessionWebhookExpiredTime: session.expiresAt,
    });
    expect((await w.deliver(body)).status).toBe(200);

    const result = await w.adapter.send(outbound({ groupId: null, replyTo: String(body.msgId) }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(!result.ok && result.error).toMatch(/not on the webhook allowlist/);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(w.stand.requests).toEqual([]);
  });

  it('refuses the stand-in too under the default allowlist of DingTalk hosts', async () => {
    const fetchSpy = vi.fn(globalThis.fetch);
    const w = await world({ fetch: fetchSpy, webhookAllowlist: undefined });
    const body = withSession(w);
    await w.deliver(body);
    w.robots.set(GROUP, { webhookUrl: 'https://attacker.example/robot/send?access_token=x' });
    const result = await w.adapter.send(outbound({ replyTo: String(body.msgId) }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(w.stand.requests).toEqual([]);
  });

  it('falls back to the group robot when the session webhook has expired', async () => {
    const w = await world();
    const robot = w.stand.addRobot();
    w.robots.set(GROUP, robot);
    const body = withSession(w, {}, 5 * 60_000);
    await w.deliver(body);
    w.time.advance(5 * 60_000);
    expect(await w.adapter.send(outbound({ replyTo: String(body.msgId) }))).toEqual({ ok: true });
    expect(w.stand.messages.map((m) => m.via)).toEqual(['robot']);
  });

  it('cannot answer a private chat once its session webhook has expired', async () => {
    const w = await world();
    const body = withSession(w, { conversationType: '1', conversationId: 'cidP==' }, 2 * 60_000);
    await w.deliver(body);
    w.time.advance(2 * 60_000);
    const result = await w.adapter.send(outbound({ groupId: null, replyTo: String(body.msgId) }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(w.stand.requests).toEqual([]);
  });
});

describe('DingTalkAdapter sending through custom robots', () => {
  it('signs the robot URL so the stand-in accepts it', async () => {
    const w = await world();
    const robot = w.stand.addRobot();
    w.robots.set(GROUP, robot);
    const result = await w.adapter.send(
      outbound({ content: { kind: 'markdown', title: '停水通知', markdown: '明天 9:00-12:00 停水' } }),
    );
    expect(result).toEqual({ ok: true });
    expect(w.stand.messages).toEqual([
      {
        via: 'robot',
        robot: robot.accessToken,
        body: { msgtype: 'markdown', markdown: { title: '停水通知', text: '明天 9:00-12:00 停水' } },
        at: w.time.now(),
      },
    ]);
  });

  it('posts to robots without a secret unsigned', async () => {
    const w = await world();
    w.robots.set(GROUP, w.stand.addRobot({ secret: null }));
    expect(await w.adapter.send(outbound())).toEqual({ ok: true });
  });

  it('stops on a wrong secret (310000) and an unknown token (300001)', async () => {
    const w = await world();
    const robot = w.stand.addRobot();
    w.robots.set(GROUP, { webhookUrl: robot.webhookUrl, secret: 'SECwrong' });
    const wrong = await w.adapter.send(outbound());
    expect(wrong).toMatchObject({ ok: false, retryable: false });
    expect(!wrong.ok && wrong.error).toMatch(/310000/);

    w.robots.set(GROUP, {
      webhookUrl: `${w.stand.baseUrl}/robot/send?access_token=nope`,
      secret: robot.secret,
    });
    const unknown = await w.adapter.send(outbound());
    expect(unknown).toMatchObject({ ok: false, retryable: false });
    expect(!unknown.ok && unknown.error).toMatch(/300001/);
    expect(w.stand.messages).toEqual([]);
  });

  it('after 20 messages in a minute, backs off for ten minutes on 130101 without asking again', async () => {
    const w = await world();
    const robot = w.stand.addRobot();
    w.robots.set(GROUP, robot);
    for (let i = 0; i < 20; i += 1) expect(await w.adapter.send(outbound())).toEqual({ ok: true });

    const throttled = await w.adapter.send(outbound());
    expect(throttled).toMatchObject({ ok: false, retryable: true, retryAfterMs: 600_000 });
    expect(w.stand.requests.at(-1)).toMatchObject({ errcode: 130101 });
    const seen = w.stand.requests.length;

    w.time.advance(4 * 60_000);
    const later = await w.adapter.send(outbound());
    expect(later).toMatchObject({ ok: false, retryable: true, retryAfterMs: 6 * 60_000 });
    expect(w.stand.requests).toHaveLength(seen);

    w.time.advance(6 * 60_000);
    expect(await w.adapter.send(outbound())).toEqual({ ok: true });
    expect(w.stand.messages).toHaveLength(21);
  });

  it('reports a group without robot or session as not deliverable', async () => {
    const w = await world();
    const result = await w.adapter.send(outbound());
    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  it('retries after network failures and 5xx answers', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const w = await world();
    w.robots.set(GROUP, { webhookUrl: `http://127.0.0.1:${port}/robot/send?access_token=t`, secret: 'SECx' });
    expect(await w.adapter.send(outbound())).toMatchObject({ ok: false, retryable: true });

    const failing = await world({ fetch: async () => new Response('busy', { status: 502 }) });
    failing.robots.set(GROUP, failing.stand.addRobot());
    expect(await failing.adapter.send(outbound())).toMatchObject({ ok: false, retryable: true });
  });

  it('never puts the robot token or signature in an error', async () => {
    const w = await world({ fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    const robot = w.stand.addRobot();
    w.robots.set(GROUP, robot);
    const result = await w.adapter.send(outbound());
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(robot.accessToken);
    expect(JSON.stringify(w.log.warn.mock.calls)).not.toContain(robot.accessToken);
  });
});

describe('resultForErrcode', () => {
  it('maps DingTalk errcodes onto what the outbox does next', () => {
    expect(resultForErrcode(0, 'ok')).toEqual({ ok: true });
    expect(resultForErrcode(130101, 'send too fast')).toMatchObject({
      retryable: true,
      retryAfterMs: 600_000,
    });
    expect(resultForErrcode(310000, 'sign not match')).toMatchObject({ ok: false, retryable: false });
    expect(resultForErrcode(300001, 'token is not exist')).toMatchObject({ ok: false, retryable: false });
    expect(resultForErrcode(-1, 'system busy')).toMatchObject({ ok: false, retryable: true });
  });
});

describe('configuration helpers', () => {
  it('reads robots from JSON records', async () => {
    const resolve = dingTalkRobotsFromJson(
      JSON.stringify([
        {
          conversationId: GROUP,
          webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=a',
          secret: 'SECa',
        },
      ]),
    );
    expect(await resolve(GROUP)).toEqual({
      webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=a',
      secret: 'SECa',
    });
    expect(await resolve('other')).toBeUndefined();
    expect(() =>
      dingTalkRobotsFromJson('[{"conversationId":"c","webhookUrl":"x","secret":"nope"}]'),
    ).toThrow();
  });

  it('parses the allowlist, defaulting to DingTalk hosts', () => {
    expect(parseWebhookAllowlist(undefined)).toEqual(['oapi.dingtalk.com', 'api.dingtalk.com']);
    expect(parseWebhookAllowlist(' ')).toEqual(['oapi.dingtalk.com', 'api.dingtalk.com']);
    expect(parseWebhookAllowlist('OAPI.dingtalk.com, 127.0.0.1:8080')).toEqual([
      'oapi.dingtalk.com',
      '127.0.0.1:8080',
    ]);
  });
});
