import bodyParser from '@koa/bodyparser';
import Koa, { type Middleware } from 'koa';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RobotMessage } from './dingtalk-message.js';
import { dingTalkWebhook } from './dingtalk-webhook.js';

const APP_SECRET = 'test-app-secret-Zx81';
let seq = 0;

/** A robot callback body as DingTalk documents it (机器人接收消息), group chat by default. */
function robotBody(fields: Record<string, unknown> = {}) {
  seq += 1;
  return {
    msgId: `msgTest${seq}==`,
    msgtype: 'text',
    text: { content: ' 3栋电梯坏了' },
    conversationId: 'cidGroupOne==',
    conversationType: '2',
    conversationTitle: '3栋邻里群',
    senderId: '$:LWCP_v1:$sender==',
    senderStaffId: 'staff001',
    senderNick: '王阿姨',
    isInAtList: true,
    chatbotUserId: '$:LWCP_v1:$bot==',
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=abc',
    sessionWebhookExpiredTime: Date.now() + 90 * 60_000,
    createAt: Date.now(),
    ...fields,
  };
}

/** Headers computed here with node:crypto, following the docs rather than the code under test. */
function signedHeaders(timestamp = Date.now(), secret = APP_SECRET): { timestamp: string; sign: string } {
  const ts = String(timestamp);
  const sign = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
  return { timestamp: ts, sign };
}

const servers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

async function serve(...middleware: Middleware[]): Promise<string> {
  const app = new Koa();
  for (const m of middleware) app.use(m);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function setup(options: { receiving?: boolean; parser?: boolean } = {}) {
  const received: RobotMessage[] = [];
  const receive = vi.fn((m: RobotMessage) => {
    if (options.receiving === false) return false;
    received.push(m);
    return true;
  });
  const webhook = dingTalkWebhook({ appSecret: APP_SECRET, receive });
  const base = options.parser
    ? // The server parses JSON bodies before mounting adapter middleware; the webhook must cope.
      await serve(bodyParser({ enableTypes: ['json', 'form'] }) as Middleware, webhook)
    : await serve(webhook);
  const post = (body: unknown, headers: Record<string, string> = signedHeaders()) =>
    fetch(`${base}/webhooks/dingtalk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { base, post, receive, received };
}

describe('POST /webhooks/dingtalk', () => {
  it('401 without sign or timestamp, and hands nothing on', async () => {
    const { post, receive } = await setup();
    const none = await post(robotBody(), {});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'signature_missing' } });
    const { timestamp } = signedHeaders();
    expect((await post(robotBody(), { timestamp })).status).toBe(401);
    const { sign } = signedHeaders();
    expect((await post(robotBody(), { sign })).status).toBe(401);
    expect(receive).not.toHaveBeenCalled();
  });

  it('401 with a forged sign: another secret, or a sign lifted from another timestamp', async () => {
    const { post, receive } = await setup();
    const forged = await post(robotBody(), signedHeaders(Date.now(), 'not-the-app-secret'));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'signature_invalid' } });
    const old = signedHeaders(Date.now() - 5_000);
    const swapped = await post(robotBody(), { timestamp: String(Date.now()), sign: old.sign });
    expect(swapped.status).toBe(401);
    expect(receive).not.toHaveBeenCalled();
  });

  it('401 when the timestamp is more than an hour off, though correctly signed', async () => {
    const { post, receive } = await setup();
    const stale = await post(robotBody(), signedHeaders(Date.now() - 60 * 60_000 - 5_000));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: 'timestamp_stale' } });
    expect((await post(robotBody(), signedHeaders(Date.now() + 60 * 60_000 + 5_000))).status).toBe(401);
    expect(receive).not.toHaveBeenCalled();
  });

  it('401 message follows Accept-Language', async () => {
    const { post } = await setup();
    const en = await post(robotBody(), { ...signedHeaders(Date.now(), 'wrong'), 'accept-language': 'en' });
    expect(await en.json()).toEqual({ error: { code: 'signature_invalid', message: 'Invalid signature' } });
  });

  it('400 for a body that is not JSON or not a robot message', async () => {
    const { post, receive } = await setup();
    const notJson = await post('{"msgId": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'bad_json' } });

    const invalid = [
      { ...robotBody(), msgId: undefined },
      { ...robotBody(), conversationType: '3' },
      { ...robotBody(), text: undefined },
      { ...robotBody(), senderId: '' },
      [],
    ];
    for (const body of invalid) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect(receive).not.toHaveBeenCalled();
  });

  it('413 for an oversized body', async () => {
    const { post, receive } = await setup();
    const res = await post(robotBody({ text: { content: 'x'.repeat(300 * 1024) } }));
    expect(res.status).toBe(413);
    expect(receive).not.toHaveBeenCalled();
  });

  it('503 while the adapter is not running, so DingTalk delivers again', async () => {
    const { post } = await setup({ receiving: false });
    const res = await post(robotBody());
    expect(res.status).toBe(503);
  });

  it('200 {} for a correctly signed message, handed on once', async () => {
    const { post, received } = await setup();
    const body = robotBody();
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      msgId: body.msgId,
      conversationId: 'cidGroupOne==',
      conversationType: '2',
      text: { content: ' 3栋电梯坏了' },
      sessionWebhook: body.sessionWebhook,
    });
  });

  it('200 behind the JSON body parser the server runs first', async () => {
    const { post, received } = await setup({ parser: true });
    expect((await post(robotBody())).status).toBe(200);
    expect((await post(robotBody(), {})).status).toBe(401);
    expect(received).toHaveLength(1);
  });

  it('leaves other paths and methods to the next middleware', async () => {
    const { base, receive } = await setup();
    expect((await fetch(`${base}/webhooks/dingtalk`)).status).toBe(404);
    expect((await fetch(`${base}/webhooks/other`, { method: 'POST', headers: signedHeaders() })).status).toBe(
      404,
    );
    expect(receive).not.toHaveBeenCalled();
  });
});
