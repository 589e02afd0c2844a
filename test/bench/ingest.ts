/**
 * Ingest benchmark: pushes N signed messages (mixed commands, 20% redeliveries) through the gateway over
 * HTTP against a server in its own process, and compares the rate with the same engine's raw insert rate
 * for the same documents.
 *
 *   npm run bench:ingest -- --messages 100000 --concurrency 32
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { startTestEngine } from '../../server/db/test-engine.js';
import type { InboundMessage } from '../../shared/messages.js';
import { startServerProcess } from '../support/server-process.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '32' },
    'raw-docs': { type: 'string', default: '20000' },
  },
});
const N = Number(values.messages);
const CONCURRENCY = Number(values.concurrency);
const RAW_DOCS = Number(values['raw-docs']);
const SECRET = 'bench-gateway-secret-0123456789abcdef';

const GROUPS = [
  { id: 'sim-group-all', name: '灵山小区居民群' },
  { id: 'sim-group-b3', name: '3栋邻里群' },
  { id: 'sim-group-intl', name: 'Lingshan International' },
];
const SENDERS = ['sim-wang', 'sim-li', 'sim-zhang', 'sim-liu', 'sim-emma'];
/** The mix a busy group produces for the bot: mostly opinions, some help and other commands. */
const TEXTS = [
  ...Array(6).fill('#意见 小区东门的路灯坏了好几天了，晚上出门很不方便'),
  '#意见 交通: 早上送孩子上学，南门口车太多了',
  '@社区小助手 垃圾房那边味道很大，夏天更严重',
  '#帮助',
  '#积分',
] as string[];

function makeMessage(i: number): InboundMessage {
  const group = GROUPS[i % GROUPS.length]!;
  return {
    channel: 'simulator',
    accountId: 'simulator',
    channelMessageId: randomUUID(),
    groupId: group.id,
    groupName: group.name,
    senderId: SENDERS[i % SENDERS.length]!,
    senderName: '居民',
    text: `${TEXTS[i % TEXTS.length]!} #${i}`,
    mentionsBot: TEXTS[i % TEXTS.length]!.startsWith('@'),
    attachments: [],
    receivedAt: new Date().toISOString(),
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function runPool(total: number, worker: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) await worker(i);
    }),
  );
}

/** Raw engine rate: one insertOne per opinion-shaped document at the same concurrency, no server. */
async function rawInsertRate(uri: string, dbName: string): Promise<number> {
  const conn = await mongoose.createConnection(uri, { dbName, maxPoolSize: 20 }).asPromise();
  const collection = conn.collection('raw_opinions');
  await collection.createIndex({ sourceKey: 1 }, { unique: true });
  const started = performance.now();
  await runPool(RAW_DOCS, async (i) => {
    const m = makeMessage(i);
    await collection.insertOne({
      communityId: new mongoose.Types.ObjectId(),
      number: i,
      text: m.text,
      category: 'buildings',
      categorySource: 'keyword',
      status: 'received',
      channel: m.channel,
      groupId: new mongoose.Types.ObjectId(),
      groupName: m.groupName,
      senderId: m.senderId,
      senderName: m.senderName,
      residentId: null,
      language: 'zh-CN',
      sourceKey: `simulator:${m.channelMessageId}`,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
  });
  const rate = RAW_DOCS / ((performance.now() - started) / 1000);
  await collection.drop();
  await conn.close();
  return rate;
}

async function main() {
  const engine = await startTestEngine();
  const dbName = engine.dbName;
  console.log(`engine: ${engine.engine.describe()}`);
  const server = await startServerProcess({
    MONGODB_URI: engine.uri,
    MONGODB_DB: dbName,
    GATEWAY_SECRET: SECRET,
    DEMO: 'true',
    // The gateway alone: delivery runs in bot processes and is measured by the fan-out benchmark.
    BOT_EMBEDDED: 'false',
  });
  const child = server.child;
  const url = server.url;
  try {
    const client = new GatewayClient(url, SECRET);
    // Warm-up: caches, JIT, connection pool.
    await runPool(200, async (i) => void (await client.postMessage(makeMessage(i))));

    const raw = await rawInsertRate(engine.uri, dbName);
    console.log(
      `raw insertOne rate: ${raw.toFixed(0)} docs/s (${RAW_DOCS} docs, concurrency ${CONCURRENCY})`,
    );

    const sent: InboundMessage[] = [];
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let failures = 0;
    const started = performance.now();
    let lastReport = started;
    await runPool(N, async (i) => {
      // One in five is a redelivery of a message already sent.
      const redeliver = i % 5 === 4 && sent.length > 0;
      const m = redeliver ? sent[Math.floor(Math.random() * sent.length)]! : makeMessage(i);
      if (!redeliver) {
        sent.push(m);
        if (sent.length > 5_000) sent.shift();
      }
      const t0 = performance.now();
      try {
        const { status } = await client.postMessage(m);
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - t0);
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        const done = latencies.length;
        console.log(
          `  … ${done}/${N} (${(done / ((lastReport - started) / 1000)).toFixed(0)} msg/s, server RSS ${rssMb(child.pid!).rss.toFixed(0)} MB)`,
        );
      }
    });
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const rate = N / seconds;
    const memory = rssMb(child.pid!);

    const conn = await mongoose.createConnection(engine.uri, { dbName }).asPromise();
    const notDone = await conn.collection('inbound_queue').countDocuments();
    const opinions = await conn.collection('opinions').countDocuments();
    const duplicateOpinions = await conn
      .collection('opinions')
      .aggregate([
        { $group: { _id: '$sourceKey', n: { $sum: 1 } } },
        { $match: { n: { $gt: 1 } } },
        { $count: 'n' },
      ])
      .toArray();
    await conn.close();

    console.log('');
    console.log(
      `messages:            ${N} (${statuses.duplicate ?? 0} redeliveries recognised, ${failures} failed)`,
    );
    console.log(`statuses:            ${JSON.stringify(statuses)}`);
    console.log(`gateway throughput:  ${rate.toFixed(0)} msg/s over ${seconds.toFixed(1)} s`);
    console.log(
      `latency:             p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms`,
    );
    console.log(`raw insert rate:     ${raw.toFixed(0)} docs/s`);
    console.log(`ratio:               ${((rate / raw) * 100).toFixed(0)}% of raw (goal ≥ 40%)`);
    console.log(
      `server RSS:          ${memory.rss.toFixed(0)} MB now, ${memory.peak.toFixed(0)} MB peak (goal < 300 MB)`,
    );
    console.log(`opinions stored:     ${opinions}, duplicated source keys: ${duplicateOpinions.length}`);
    console.log(
      `inbound queue left:  ${notDone} (answered entries are removed in batches by the maintenance pass)`,
    );
  } finally {
    child.kill('SIGTERM');
    await server.exited;
    await engine.stop();
  }
}

await main();
