import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage, OutboundMessage } from '../../../shared/messages.js';
import {
  startWecomRobotStandIn,
  type WecomRobotStandIn,
  type WecomRobotStandInOptions,
} from '../../../test/support/platform-stand-ins/wecom-robot.js';
import {
  classifyRobotResponse,
  robotResolverFromJson,
  robotWebhookUrl,
  WeComAdapter,
  type WeComAdapterOptions,
} from './wecom-adapter.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const GROUP = 'wrOgQhDgAAAbc';
const ROBOT_KEY = '693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function standIn(options: WecomRobotStandInOptions = {}): Promise<WecomRobotStandIn> {
  const robot = await startWecomRobotStandIn(options);
  closers.push(() => robot.close());
  return robot;
}

function adapterFor(robot: WecomRobotStandIn, options: Partial<WeComAdapterOptions> = {}): WeComAdapter {
  return new WeComAdapter({
    corpId: 'ww7ca4776b2a70000',
    token: 'token',
    encodingAesKey: KEY,
    robots: (groupId) => (groupId === GROUP ? robot.webhookUrl(ROBOT_KEY) : null),
    allowedOrigins: [robot.url],
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    ...options,
  });
}

const outbound = (fields: Partial<OutboundMessage> = {}): OutboundMessage => ({
  channel: 'wecom',
  accountId: 'wecom',
  groupId: GROUP,
  content: { kind: 'text', text: '已记录您的意见（O12，邻里）' },
  mentions: [],
  replyTo: null,
  ...fields,
});

const inbound = (fields: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'wecom',
  accountId: 'wecom',
  channelMessageId: `m-${Math.random()}`,
  groupId: GROUP,
  groupName: null,
  senderId: 'zhangsan',
  senderName: 'zhangsan',
  text: '#意见 多种树',
  mentionsBot: true,
  attachments: [],
  receivedAt: new Date().toISOString(),
  ...fields,
});

describe('WeComAdapter.send to a group robot', () => {
  it('posts text with mentioned_list, markdown with <@userid> and link cards as markdown links', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    expect(await adapter.send(outbound({ mentions: ['zhangsan'] }))).toEqual({ ok: true });
    expect(
      await adapter.send(
        outbound({
          content: { kind: 'markdown', title: '停水通知', markdown: '周六 9:00 停水' },
          mentions: ['lisi'],
        }),
      ),
    ).toEqual({ ok: true });
    expect(
      await adapter.send(
        outbound({
          content: {
            kind: 'link',
            title: '确认收到',
            description: '点一下即可',
            url: 'https://app.test/n/7',
          },
        }),
      ),
    ).toEqual({ ok: true });
    expect(robot.delivered(ROBOT_KEY)).toEqual([
      { msgtype: 'text', text: { content: '已记录您的意见（O12，邻里）', mentioned_list: ['zhangsan'] } },
      { msgtype: 'markdown', markdown: { content: '<@lisi>\n**停水通知**\n周六 9:00 停水' } },
      { msgtype: 'markdown', markdown: { content: '[确认收到](https://app.test/n/7)\n点一下即可' } },
    ]);
  });

  it('cuts overlong text to 2048 bytes, which the robot then accepts', async () => {
    const robot = await standIn();
    expect(
      await adapterFor(robot).send(outbound({ content: { kind: 'text', text: '楼'.repeat(2_000) } })),
    ).toEqual({ ok: true });
    const [body] = robot.delivered(ROBOT_KEY) as { text: { content: string } }[];
    expect(Buffer.byteLength(body!.text.content)).toBeLessThanOrEqual(2048);
  });

  it('reports 45009 past 20 messages a minute as retryable after a minute', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    const results = [];
    for (let i = 0; i < 21; i++) {
      results.push(await adapter.send(outbound({ content: { kind: 'text', text: `通知 ${i}` } })));
    }
    expect(results.slice(0, 20).every((r) => r.ok)).toBe(true);
    expect(results[20]).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 60_000,
      error: expect.stringMatching(/^wecom errcode 45009: api freq out of limit/),
    });
    expect(robot.overLimit).toBe(1);
    expect(robot.delivered(ROBOT_KEY)).toHaveLength(20);
  });

  it('accepts again once the window has moved on', async () => {
    let now = 1_000_000;
    const robot = await standIn({ limit: 2, now: () => now });
    const adapter = adapterFor(robot);
    await adapter.send(outbound());
    await adapter.send(outbound());
    expect(await adapter.send(outbound())).toMatchObject({
      ok: false,
      retryable: true,
      retryAfterMs: 60_000,
    });
    now += 60_001;
    expect(await adapter.send(outbound())).toEqual({ ok: true });
  });

  it('stops for good on 93000 (robot removed) and other errcodes, never echoing the key', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    robot.removeRobot(ROBOT_KEY);
    const removed = await adapter.send(outbound());
    expect(removed).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/^wecom errcode 93000/),
    });
    expect(JSON.stringify(removed)).not.toContain(ROBOT_KEY);
  });

  it('refuses without a request when the group has no robot or its URL is not on WeCom', async () => {
    const robot = await standIn();
    expect(await adapterFor(robot).send(outbound({ groupId: 'wrUnknown' }))).toMatchObject({
      ok: false,
      retryable: false,
    });
    const elsewhere = adapterFor(robot, { robots: () => 'https://evil.test/cgi-bin/webhook/send?key=x' });
    expect(await elsewhere.send(outbound())).toMatchObject({ ok: false, retryable: false });
    expect(robot.requests).toHaveLength(0);
  });

  it('retries after 5xx, an unreadable answer, a network failure or a failed robot lookup, not after a 4xx', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    robot.failNext('/cgi-bin/webhook/send', { raw: 'busy', status: 502 });
    expect(await adapter.send(outbound())).toEqual({ ok: false, retryable: true, error: 'http 502' });
    robot.failNext('/cgi-bin/webhook/send', { raw: '<html>oops</html>', status: 200 });
    expect(await adapter.send(outbound())).toMatchObject({ ok: false, retryable: true });
    robot.failNext('/cgi-bin/webhook/send', { json: { errcode: -1, errmsg: 'system busy' } });
    expect(await adapter.send(outbound())).toMatchObject({ ok: false, retryable: true });
    robot.failNext('/cgi-bin/webhook/send', { raw: 'bad', status: 400 });
    expect(await adapter.send(outbound())).toEqual({ ok: false, retryable: false, error: 'http 400' });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = adapterFor(robot, {
      robots: () => `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${ROBOT_KEY}`,
      allowedOrigins: [`http://127.0.0.1:${port}`],
    });
    const failure = await offline.send(outbound());
    expect(failure).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^network: /) });
    expect(JSON.stringify(failure)).not.toContain(ROBOT_KEY);

    const lookupFails = adapterFor(robot, { robots: () => Promise.reject(new Error('db down')) });
    expect(await lookupFails.send(outbound())).toMatchObject({ ok: false, retryable: true });
  });
});

describe('WeComAdapter.send as a reply to an intelligent-robot message', () => {
  it('answers through the fresh response_url once, then through the group robot', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    const seen: InboundMessage[] = [];
    await adapter.start((m) => seen.push(m));
    const message = inbound();
    const responseUrl = robot.issueResponseUrl();
    adapter.receive(message, responseUrl);
    expect(seen).toEqual([message]);

    const reply = outbound({ replyTo: message.channelMessageId, mentions: ['zhangsan'] });
    expect(await adapter.send(reply)).toEqual({ ok: true });
    expect(await adapter.send(reply)).toEqual({ ok: true });
    const code = new URL(responseUrl).searchParams.get('response_code');
    expect(robot.delivered(`response:${code}`)).toEqual([
      { msgtype: 'markdown', markdown: { content: '已记录您的意见（O12，邻里）' } },
    ]);
    expect(robot.delivered(ROBOT_KEY)).toEqual([
      { msgtype: 'text', text: { content: '已记录您的意见（O12，邻里）', mentioned_list: ['zhangsan'] } },
    ]);
  });

  it('answers a private chat only through its response_url, and only once', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    await adapter.start(() => undefined);
    const message = inbound({ groupId: null });
    adapter.receive(message, robot.issueResponseUrl());
    const reply = outbound({ groupId: null, replyTo: message.channelMessageId });
    expect(await adapter.send(reply)).toEqual({ ok: true });
    expect(await adapter.send(reply)).toMatchObject({ ok: false, retryable: false });
    expect(await adapter.send(outbound({ groupId: null }))).toMatchObject({ ok: false, retryable: false });
  });

  it('falls back to the group robot when the response_url is older than its hour or refused', async () => {
    let now = Date.now();
    const robot = await standIn({ now: () => now });
    const adapter = adapterFor(robot, { now: () => now });
    await adapter.start(() => undefined);

    const old = inbound();
    adapter.receive(old, robot.issueResponseUrl());
    now += 56 * 60_000;
    expect(await adapter.send(outbound({ replyTo: old.channelMessageId }))).toEqual({ ok: true });

    const used = inbound();
    const url = robot.issueResponseUrl();
    await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ msgtype: 'markdown', markdown: { content: 'x' } }),
    });
    adapter.receive(used, url);
    expect(await adapter.send(outbound({ replyTo: used.channelMessageId }))).toEqual({ ok: true });
    expect(robot.delivered(ROBOT_KEY)).toHaveLength(2);
  });

  it('keeps the response_url for a retry when WeCom could not be reached', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    await adapter.start(() => undefined);
    const message = inbound({ groupId: null });
    adapter.receive(message, robot.issueResponseUrl());
    robot.failNext('/cgi-bin/aibot/response', { raw: 'gateway timeout', status: 504 });
    const reply = outbound({ groupId: null, replyTo: message.channelMessageId });
    expect(await adapter.send(reply)).toMatchObject({ ok: false, retryable: true });
    expect(await adapter.send(reply)).toEqual({ ok: true });
  });

  it('never keeps a response_url that is not on WeCom, and hands nothing on before start or after stop', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    const seen: InboundMessage[] = [];
    adapter.receive(inbound(), robot.issueResponseUrl());
    await adapter.start((m) => seen.push(m));
    const message = inbound();
    adapter.receive(message, 'https://evil.test/steal');
    expect(await adapter.send(outbound({ replyTo: message.channelMessageId }))).toEqual({ ok: true });
    expect(robot.requests.map((r) => r.path)).toEqual(['/cgi-bin/webhook/send']);
    await adapter.stop();
    adapter.receive(inbound(), null);
    expect(seen).toEqual([message]);
  });
});

describe('WeComAdapter', () => {
  it('declares what a WeCom robot can do', async () => {
    const robot = await standIn();
    const adapter = adapterFor(robot);
    expect(adapter.channel).toBe('wecom');
    expect(adapter.accountId).toBe('wecom');
    expect(adapter.capabilities).toEqual({
      markdown: true,
      linkCard: false,
      image: false,
      mentions: true,
      seesAllGroupMessages: false,
      maxTextLength: 682,
    });
  });

  it('refuses a configuration without CorpID or token, or with a malformed EncodingAESKey', () => {
    const base = { corpId: 'c', token: 't', encodingAesKey: KEY, robots: () => null, log: console };
    expect(() => new WeComAdapter({ ...base, corpId: ' ' })).toThrow(/WECOM_CORP_ID/);
    expect(() => new WeComAdapter({ ...base, token: '' })).toThrow(/WECOM_TOKEN/);
    expect(() => new WeComAdapter({ ...base, encodingAesKey: 'short' })).toThrow(/EncodingAESKey/);
    expect(() => new WeComAdapter({ ...base, robotCallback: { token: 't', encodingAesKey: 'x' } })).toThrow(
      /EncodingAESKey/,
    );
  });
});

describe('classifyRobotResponse', () => {
  it('maps errcodes to results', () => {
    expect(classifyRobotResponse({ errcode: 0, errmsg: 'ok' })).toEqual({ ok: true });
    expect(classifyRobotResponse({ errcode: 45009, errmsg: 'api freq out of limit' })).toMatchObject({
      retryable: true,
      retryAfterMs: 60_000,
    });
    expect(classifyRobotResponse({ errcode: 93000, errmsg: 'invalid webhook url' })).toMatchObject({
      retryable: false,
    });
    expect(classifyRobotResponse({ errcode: 40008, errmsg: 'invalid message type' })).toMatchObject({
      retryable: false,
    });
    expect(classifyRobotResponse({ errmsg: 'no code' })).toMatchObject({ ok: false, retryable: true });
  });
});

describe('robotResolverFromJson', () => {
  it('maps group chat ids to webhook URLs from keys or URLs', async () => {
    const resolve = robotResolverFromJson(
      JSON.stringify({
        wrA: ROBOT_KEY,
        wrB: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc12345',
      }),
    );
    expect(await resolve('wrA')).toBe(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${ROBOT_KEY}`);
    expect(await resolve('wrB')).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc12345');
    expect(await resolve('wrC')).toBeNull();
    expect(await robotResolverFromJson(undefined)('wrA')).toBeNull();
  });

  it('refuses malformed configuration', () => {
    expect(() => robotResolverFromJson('{')).toThrow();
    expect(() => robotResolverFromJson('["x"]')).toThrow();
    expect(() => robotResolverFromJson('{"wrA": "not a key!"}')).toThrow(/wrA/);
    expect(robotWebhookUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send')).toBeNull();
  });
});

describe('a robot added to several groups', () => {
  it('shares one limit among its groups and names the group by chatid', async () => {
    const robot = await standIn();
    const shared = robot.webhookUrl(ROBOT_KEY);
    const robots = robotResolverFromJson(
      JSON.stringify({ wrA: shared, wrB: shared, wrC: robot.webhookUrl('c'.repeat(16)) }),
    );
    const adapter = adapterFor(robot, { robots });
    expect(adapter.sendLimit.key(outbound({ groupId: 'wrA' }))).toBe(
      adapter.sendLimit.key(outbound({ groupId: 'wrB' })),
    );
    expect(adapter.sendLimit.key(outbound({ groupId: 'wrA' }))).not.toBe(
      adapter.sendLimit.key(outbound({ groupId: 'wrC' })),
    );

    expect(await adapter.send(outbound({ groupId: 'wrB' }))).toEqual({ ok: true });
    expect(await adapter.send(outbound({ groupId: 'wrC' }))).toEqual({ ok: true });
    expect(robot.delivered(ROBOT_KEY)).toMatchObject([{ chatid: 'wrB' }]);
    // A robot of one group needs no chatid.
    expect(robot.delivered('c'.repeat(16))[0]).not.toHaveProperty('chatid');
  });
});
