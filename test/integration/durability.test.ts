import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { startServerProcess } from '../support/server-process.js';
import { eventually, startTestServer, TEST_GATEWAY_SECRET } from '../support/test-server.js';
import { simulatorMessage } from '../support/chat.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine?.stop();
});

const message = (text: string) =>
  simulatorMessage(text, {
    groupId: 'sim-group-all',
    groupName: '灵山小区居民群',
    senderId: 'sim-li',
    senderName: '李建国',
  });

describe('a message accepted before a crash', () => {
  it('is answered once after restart, from the stored log', async () => {
    const dbName = `nbtest_${randomUUID().slice(0, 8)}`;
    const m = message('#意见 崩溃前收到的意见');
    // The state a process leaves when it dies right after storing a message: received, lease running out.
    const conn = await mongoose.createConnection(engine.uri, { dbName }).asPromise();
    // (It died before even writing the log entry: the queue entry alone must be enough.)
    await conn.collection('inbound_queue').insertOne({
      _id: `simulator:${m.channelMessageId}` as never,
      message: m,
      attempts: 1,
      leaseUntil: new Date(Date.now() - 1_000),
      failed: false,
      error: null,
    });
    await conn.close();

    const server = await startTestServer({ demo: true, engine, dbName });
    try {
      const { models } = server.container;
      const opinion = await eventually(
        () => models.opinion.findOne({ text: '崩溃前收到的意见' }).lean(),
        10_000,
      );
      expect(opinion!.sourceKey).toBe(`simulator:${m.channelMessageId}`);
      await eventually(
        async () =>
          (await models.inboundQueue.countDocuments({ _id: `simulator:${m.channelMessageId}` })) === 0,
      );
      expect(await models.outbox.countDocuments({ replyTo: m.channelMessageId })).toBe(1);
      expect(await models.inboundLog.countDocuments({ _id: `simulator:${m.channelMessageId}` })).toBe(1);
      // A redelivery by the platform after recovery is still a duplicate.
      const client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
      expect((await client.postMessage(m)).status).toBe('duplicate');
      expect(await models.opinion.countDocuments({ text: '崩溃前收到的意见' })).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('SIGTERM during traffic', () => {
  it('loses no accepted message: every 200/202 has its opinion and reply', async () => {
    const dbName = `nbtest_${randomUUID().slice(0, 8)}`;
    const { child, url, exited } = await startServerProcess({
      MONGODB_URI: engine.uri,
      MONGODB_DB: dbName,
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      DEMO: 'true',
    });
    const client = new GatewayClient(url, TEST_GATEWAY_SECRET);

    const sent = Array.from({ length: 150 }, (_, i) => message(`#意见 关停测试第${i}条`));
    const outcomes: ('ok' | 'refused')[] = [];
    const traffic = (async () => {
      // Eight senders in parallel, as several bot processes would.
      const queue = [...sent.entries()];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const [i, m] = next;
            outcomes[i] = await client.postMessage(m).then(
              () => 'ok' as const,
              () => 'refused' as const,
            );
          }
        }),
      );
    })();
    await eventually(() => outcomes.filter(Boolean).length >= 20, 20_000);
    child.kill('SIGTERM');
    await traffic;
    expect(await exited).toBe(0);

    const accepted = sent.filter((_, i) => outcomes[i] === 'ok');
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    const conn = await mongoose.createConnection(engine.uri, { dbName }).asPromise();
    try {
      const texts = accepted.map((m) => m.text.replace('#意见 ', ''));
      expect(await conn.collection('opinions').countDocuments({ text: { $in: texts } })).toBe(
        accepted.length,
      );
      // Each accepted message has its reply either delivered already or still queued, never both or neither.
      const replyTo = { $in: accepted.map((m) => m.channelMessageId) };
      const delivered = (await conn.collection('deliveries').find({ replyTo }).toArray()).map(
        (d) => d.replyTo,
      );
      const queued = (await conn.collection('outbox').find({ replyTo }).toArray()).map((d) => d.replyTo);
      expect(new Set([...delivered, ...queued]).size).toBe(accepted.length);
      expect(delivered.length + queued.length).toBe(accepted.length);
      expect(await conn.collection('inbound_queue').countDocuments()).toBe(0);
      expect(await conn.collection('inbound_messages').countDocuments()).toBeGreaterThanOrEqual(
        accepted.length,
      );
    } finally {
      await conn.close();
    }
  });
});
