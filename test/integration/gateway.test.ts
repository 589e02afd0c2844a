import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, GatewayError } from '../../bot/runtime/gateway-client.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signGatewayRequest } from '../../shared/gateway-signature.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';

let server: TestServer;
let client: GatewayClient;

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
});

afterAll(async () => {
  await server?.close();
});

const message = simulatorMessage;

/** Claims every queued reply the way the bot's delivery loop does, and settles them as sent. */
const takeReplies = () => deliverAll(client);

async function signedPost(path: string, body: string, headers: Record<string, string>) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('POST /gateway/messages authentication', () => {
  const body = () => JSON.stringify({ message: message('#意见 签名测试') });

  it('401 without signature headers, in the caller language', async () => {
    const res = await signedPost('/gateway/messages', body(), { 'accept-language': 'en' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'signature_missing', message: 'Please sign in first' },
    });
  });

  it('401 with a wrong signature', async () => {
    const ts = String(Date.now());
    const res = await signedPost('/gateway/messages', body(), {
      [TIMESTAMP_HEADER]: ts,
      [SIGNATURE_HEADER]: signGatewayRequest('not-the-secret-at-all', ts, body()),
    });
    expect(res.status).toBe(401);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error).toEqual({ code: 'signature_invalid', message: '签名无效' });
  });

  it('401 with a stale timestamp even when correctly signed', async () => {
    const payload = body();
    const ts = String(Date.now() - 10 * 60 * 1000);
    const res = await signedPost('/gateway/messages', payload, {
      [TIMESTAMP_HEADER]: ts,
      [SIGNATURE_HEADER]: signGatewayRequest(TEST_GATEWAY_SECRET, ts, payload),
      'accept-language': 'zh-TW',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'timestamp_stale', message: '請求時間戳已過期' } });
  });

  it('401 when the body was altered after signing', async () => {
    const ts = String(Date.now());
    const signature = signGatewayRequest(TEST_GATEWAY_SECRET, ts, body());
    const res = await signedPost('/gateway/messages', JSON.stringify({ message: message('#意见 篡改') }), {
      [TIMESTAMP_HEADER]: ts,
      [SIGNATURE_HEADER]: signature,
    });
    expect(res.status).toBe(401);
  });

  it('nothing is stored for rejected requests', async () => {
    const opinions = await server.container.models.opinion.countDocuments({ text: /签名测试|篡改/ });
    expect(opinions).toBe(0);
  });

  it('400 for a signed but invalid message, naming the field', async () => {
    const payload = JSON.stringify({ message: { ...message('#帮助'), channel: 'fax' } });
    const ts = String(Date.now());
    const res = await signedPost('/gateway/messages', payload, {
      [TIMESTAMP_HEADER]: ts,
      [SIGNATURE_HEADER]: signGatewayRequest(TEST_GATEWAY_SECRET, ts, payload),
      'accept-language': 'en',
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('validation_failed');
    expect(json.error.message).toContain('message.channel');
  });
});

describe('opinions through the gateway', () => {
  it('stores an opinion once and replies with its number, even when redelivered', async () => {
    await takeReplies();
    const m = message('#意见 楼下路灯坏了好几天了');
    const first = await client.postMessage(m);
    const again = await client.postMessage(m);
    expect(first.status).toBe('processed');
    expect(again.status).toBe('duplicate');
    const stored = await server.container.models.opinion.find({ text: '楼下路灯坏了好几天了' }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.category).toBe('buildings');
    const replies = await takeReplies();
    expect(replies).toHaveLength(1);
    expect(replies[0]!.groupId).toBe('sim-group-b3');
    expect(replies[0]!.mentions).toEqual(['sim-wang']);
    expect(replyText(replies[0]!)).toMatch(/^已记下您的意见（Y\d+，建筑）/);
  });

  it('concurrent redeliveries of one message still store one opinion and one reply', async () => {
    await takeReplies();
    const m = message('#意见 三号楼电动车充电桩不够用');
    const results = await Promise.all(Array.from({ length: 8 }, () => client.postMessage(m)));
    expect(results.filter((r) => r.status === 'processed')).toHaveLength(1);
    expect(await server.container.models.opinion.countDocuments({ text: '三号楼电动车充电桩不够用' })).toBe(
      1,
    );
    expect(await takeReplies()).toHaveLength(1);
  });

  it('honours a forced category and answers in the group language', async () => {
    await takeReplies();
    await client.postMessage(
      message('#opinion education: more evening classes please', {
        groupId: 'sim-group-intl',
        groupName: 'Lingshan International',
        senderId: 'sim-emma',
        senderName: 'Emma Chen',
      }),
    );
    const [reply] = await takeReplies();
    expect(replyText(reply!)).toMatch(/^Noted your opinion \(Y\d+, Education\)/);
    const stored = await server.container.models.opinion
      .findOne({ text: 'more evening classes please' })
      .lean();
    expect(stored?.categorySource).toBe('explicit');
  });

  it('a bare @-mention is an opinion', async () => {
    await takeReplies();
    await client.postMessage(message('@社区小助手 垃圾房那边味道很大', { mentionsBot: true }));
    const stored = await server.container.models.opinion.findOne({ text: /垃圾房那边味道很大/ }).lean();
    expect(stored?.category).toBe('lowCarbon');
    expect(await takeReplies()).toHaveLength(1);
  });

  it('empty and over-long opinions get a one-line reply and store nothing', async () => {
    await takeReplies();
    const before = await server.container.models.opinion.countDocuments();
    await client.postMessage(message('#意见'));
    await client.postMessage(message(`#意见 ${'很'.repeat(1001)}`));
    expect(await server.container.models.opinion.countDocuments()).toBe(before);
    const replies = (await takeReplies()).map(replyText);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain('请在 #意见 后面写上您的意见');
    expect(replies[1]).toBe('意见太长了，请控制在 1000 字以内');
    for (const reply of replies) expect(reply).not.toContain('\n');
  });

  it('ordinary chatter is ignored and stores nothing', async () => {
    const logged = await server.container.models.inboundLog.countDocuments();
    const res = await client.postMessage(message('今天天气真好，大家出来晒太阳啊'));
    expect(res.status).toBe('ignored');
    expect(await server.container.models.inboundLog.countDocuments()).toBe(logged);
    expect(await server.container.models.inboundQueue.countDocuments({ 'message.text': /晒太阳/ })).toBe(0);
  });

  it('#帮助 lists the commands in the group language', async () => {
    await takeReplies();
    await client.postMessage(message('#帮助'));
    await client.postMessage(
      message('#help', { groupId: 'sim-group-intl', groupName: 'Lingshan International' }),
    );
    const [zh, en] = (await takeReplies()).map(replyText);
    expect(zh).toContain('#意见');
    expect(zh).toContain('#报事');
    expect(en).toContain('#opinion');
    expect(en).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('an unknown command names the word and points to help', async () => {
    await takeReplies();
    await client.postMessage(message('#不存在的命令 你好'));
    const [reply] = (await takeReplies()).map(replyText);
    expect(reply).toContain('不存在的命令');
    expect(reply).toContain('#帮助');
  });

  it('a message from an unknown group registers the group under the only community', async () => {
    await takeReplies();
    await client.postMessage(
      message('#意见 新群里的第一条意见', { groupId: 'sim-new-group', groupName: '新建群' }),
    );
    const group = await server.container.models.group.findOne({ platformGroupId: 'sim-new-group' }).lean();
    expect(group?.communityId).not.toBeNull();
    const list = (await (await fetch(`${server.url}/api/opinions?community=lingshan`)).json()) as {
      items: { text: string; groupName: string }[];
    };
    expect(list.items.find((o) => o.text === '新群里的第一条意见')?.groupName).toBe('新建群');
  });
});

describe('outbox claims', () => {
  it('an entry claimed by one worker is not handed to another until its lease expires', async () => {
    await takeReplies();
    await client.postMessage(message('#帮助'));
    const first = await client.claim('simulator', 'simulator', { max: 10, waitMs: 0, leaseMs: 1_000 });
    const second = await client.claim('simulator', 'simulator', { max: 10, waitMs: 0 });
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1_100));
    const reclaimed = await client.claim('simulator', 'simulator', { max: 10, waitMs: 0 });
    expect(reclaimed.map((e) => e.id)).toEqual(first.map((e) => e.id));
    // The first worker's late report no longer settles the entry twice.
    await client.report([{ id: reclaimed[0]!.id, claimToken: reclaimed[0]!.claimToken, ok: true }]);
    const late = await client.report([{ id: first[0]!.id, claimToken: first[0]!.claimToken, ok: true }]);
    expect(late.settled).toBe(0);
  });

  it('a retryable failure comes back later, a permanent one never', async () => {
    await takeReplies();
    await client.postMessage(message('#帮助'));
    await client.postMessage(message('#帮助'));
    const [a, b] = await client.claim('simulator', 'simulator', { max: 10, waitMs: 0 });
    await client.report([
      {
        id: a!.id,
        claimToken: a!.claimToken,
        ok: false,
        error: 'timeout',
        retryable: true,
        retryAfterMs: 300,
      },
      { id: b!.id, claimToken: b!.claimToken, ok: false, error: 'group gone', retryable: false },
    ]);
    expect(await client.claim('simulator', 'simulator', { max: 10, waitMs: 0 })).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 350));
    const again = await client.claim('simulator', 'simulator', { max: 10, waitMs: 0 });
    expect(again.map((e) => e.id)).toEqual([a!.id]);
    await client.report([{ id: again[0]!.id, claimToken: again[0]!.claimToken, ok: true }]);
    const failed = await server.container.models.delivery.findById(b!.id).lean();
    const sent = await server.container.models.delivery.findById(a!.id).lean();
    expect(sent?.status).toBe('sent');
    expect(sent?.attempts).toBe(2);
    expect(await server.container.models.outbox.countDocuments({ _id: { $in: [a!.id, b!.id] } })).toBe(0);
    expect(failed?.status).toBe('failed');
    expect(failed?.lastError).toBe('group gone');
  });

  it('a long-poll wakes as soon as a reply is queued', async () => {
    await takeReplies();
    const started = Date.now();
    const waiting = client.claim('simulator', 'simulator', { max: 10, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await client.postMessage(message('#帮助'));
    const entries = await waiting;
    expect(entries).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    await client.report(entries.map((e) => ({ id: e.id, claimToken: e.claimToken, ok: true })));
  });

  it('rejects a claim for an unknown channel with 400', async () => {
    await expect(client.claim('fax' as never, 'x', { max: 1, waitMs: 0 })).rejects.toSatisfy(
      (err) => err instanceof GatewayError && err.status === 400,
    );
  });
});
