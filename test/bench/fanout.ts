/**
 * Fan-out benchmark: one notice (`#通知 全部 …` from the demo secretary) to 1,000 groups across WeCom,
 * DingTalk and WeChat, delivered by a bot process (this one) through a server in its own process,
 * to local stand-ins that enforce the platforms' published limits. Then the outbox alone with every
 * limit lifted.
 *
 *   npm run bench:fanout -- --groups 1000 --wecom-robots 10 --wechat-accounts 12 --wechat-pause-ms 2000
 *
 * Scenario (so that the limits bind): WeCom robots are each added to several groups (a robot's sends
 * name the group by `chatid` and share its 20 a minute); every DingTalk group has its own custom robot;
 * WeChat groups are spread over several bot accounts whose pause between sends is fixed for the run
 * (production draws it from 3–6 s: the fixed pause makes the minimum exact).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { DingTalkAdapter } from '../../bot/adapters/dingtalk/dingtalk-adapter.js';
import { dingTalkRobotsFromRecords } from '../../bot/adapters/dingtalk/dingtalk-robots.js';
import { robotResolverFromJson, WeComAdapter } from '../../bot/adapters/wecom/wecom-adapter.js';
import { OutboxDelivery } from '../../bot/plugins/outbox-delivery.js';
import type { ChannelAdapter, Pacing, SendResult } from '../../bot/runtime/adapter.js';
import { Bot, type BotLogger } from '../../bot/runtime/bot.js';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { startTestEngine } from '../../server/db/test-engine.js';
import type { Channel, InboundMessage, OutboundMessage } from '../../shared/messages.js';
import { startDingTalkRobotStandIn } from '../support/platform-stand-ins/dingtalk-robot.js';
import { startWecomRobotStandIn } from '../support/platform-stand-ins/wecom-robot.js';
import { startServerProcess } from '../support/server-process.js';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '1000' },
    'wecom-robots': { type: 'string', default: '10' },
    'wechat-accounts': { type: 'string', default: '12' },
    'wechat-pause-ms': { type: 'string', default: '2000' },
    'throughput-notices': { type: 'string', default: '2' },
  },
});
const GROUPS = Number(values.groups);
const WECOM_ROBOTS = Number(values['wecom-robots']);
const WECHAT_ACCOUNTS = Number(values['wechat-accounts']);
const WECHAT_PAUSE_MS = Number(values['wechat-pause-ms']);
const THROUGHPUT_NOTICES = Number(values['throughput-notices']);
const SECRET = 'bench-gateway-secret-0123456789abcdef';
const ROBOT_LIMIT = 20;
const ROBOT_WINDOW_MS = 60_000;

const quiet: BotLogger = {
  info: () => undefined,
  warn: (obj: object, msg?: string) => console.warn(`[bot] ${msg ?? ''}`, String(obj).slice(0, 300)),
  error: (obj: object, msg?: string) => console.error(`[bot] ${msg ?? ''}`, String(obj).slice(0, 300)),
};

/**
 * A stand-in for one WeChat account behind Wechaty: serial sends, and a "burst" counted whenever two
 * sends come closer than the account's pause (what gets personal accounts banned).
 */
class WechatAccountStandIn implements ChannelAdapter {
  readonly channel = 'wechat' as const;
  readonly capabilities = {
    markdown: false,
    linkCard: false,
    image: false,
    mentions: true,
    seesAllGroupMessages: true,
    maxTextLength: 2_000,
  };
  readonly delivered: { groupId: string; at: number }[] = [];
  bursts = 0;
  private last = 0;
  constructor(
    readonly accountId: string,
    readonly pacing: Pacing,
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(message: OutboundMessage): Promise<SendResult> {
    const now = Date.now();
    if (this.last && now - this.last < this.pacing.minDelayMs - 5) this.bursts++;
    this.last = now;
    this.delivered.push({ groupId: message.groupId ?? '', at: now });
    return { ok: true };
  }
}

/** An adapter that accepts everything at once, for the outbox's own throughput. */
class NullAdapter implements ChannelAdapter {
  readonly pacing = { minDelayMs: 0, maxDelayMs: 0 };
  readonly capabilities = {
    markdown: true,
    linkCard: false,
    image: false,
    mentions: true,
    seesAllGroupMessages: false,
    maxTextLength: 2_000,
  };
  readonly delivered: string[] = [];
  constructor(
    readonly channel: Channel,
    readonly accountId: string,
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(message: OutboundMessage): Promise<SendResult> {
    this.delivered.push(message.groupId ?? '');
    return { ok: true };
  }
}

const noticeCommand = (text: string): InboundMessage => ({
  channel: 'simulator',
  accountId: 'simulator',
  channelMessageId: randomUUID(),
  groupId: 'sim-group-all',
  groupName: '灵山小区居民群',
  senderId: 'sim-chen',
  senderName: '陈书记',
  text: `#通知 全部 ${text}`,
  mentionsBot: false,
  attachments: [],
  receivedAt: new Date().toISOString(),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const engine = await startTestEngine();
  console.log(`engine: ${engine.engine.describe()}`);
  const server = await startServerProcess({
    MONGODB_URI: engine.uri,
    MONGODB_DB: engine.dbName,
    GATEWAY_SECRET: SECRET,
    DEMO: 'true',
    // Delivery runs here, as a separate bot process would.
    BOT_EMBEDDED: 'false',
  });
  const wecom = await startWecomRobotStandIn();
  const dingtalk = await startDingTalkRobotStandIn();
  const conn = await mongoose.createConnection(engine.uri, { dbName: engine.dbName }).asPromise();
  const bots: Bot[] = [];
  try {
    // --- groups: a third on each platform, bound to the demo community
    const community = await conn.collection('communities').findOne({});
    if (!community) throw new Error('demo community not seeded');
    const nWecom = Math.ceil(GROUPS / 3);
    const nDingtalk = Math.floor((GROUPS - nWecom) / 2);
    const nWechat = GROUPS - nWecom - nDingtalk;
    const wecomKeys = Array.from({ length: WECOM_ROBOTS }, () => randomBytes(16).toString('hex'));
    const wecomRobotOf = new Map<string, string>();
    const dingtalkGroupOf = new Map<string, string>();
    const dingtalkRecords: { conversationId: string; webhookUrl: string; secret?: string }[] = [];
    const wechatAccountOf = new Map<string, string>();
    const docs: Record<string, unknown>[] = [];
    const now = new Date();
    const group = (channel: Channel, id: string, accountId: string, i: number) =>
      docs.push({
        channel,
        platformGroupId: id,
        accountId,
        name: `bench-${channel}-${String(i).padStart(4, '0')}`,
        communityId: community._id,
        language: 'zh-CN',
        scopeId: null,
        createdAt: now,
        updatedAt: now,
      });
    for (let i = 0; i < nWecom; i++) {
      const id = `wrOgBench${i}`;
      wecomRobotOf.set(id, wecomKeys[i % WECOM_ROBOTS]!);
      group('wecom', id, 'wecom', i);
    }
    for (let i = 0; i < nDingtalk; i++) {
      const id = `cidBench${i}==`;
      const robot = dingtalk.addRobot();
      dingtalkGroupOf.set(robot.accessToken, id);
      dingtalkRecords.push({ conversationId: id, webhookUrl: robot.webhookUrl, secret: robot.secret });
      group('dingtalk', id, 'dingtalk', i);
    }
    for (let i = 0; i < nWechat; i++) {
      const id = `bench-room-${i}@chatroom`;
      const account = `wx-${i % WECHAT_ACCOUNTS}`;
      wechatAccountOf.set(id, account);
      group('wechat', id, account, i);
    }
    await conn.collection('groups').insertMany(docs);

    // --- the minimum the limits allow
    const perRobot = new Map<string, number>();
    for (const key of wecomRobotOf.values()) perRobot.set(key, (perRobot.get(key) ?? 0) + 1);
    const perAccount = new Map<string, number>();
    for (const a of wechatAccountOf.values()) perAccount.set(a, (perAccount.get(a) ?? 0) + 1);
    const robotMin = (n: number) => Math.floor((n - 1) / ROBOT_LIMIT) * ROBOT_WINDOW_MS;
    const wecomMin = Math.max(0, ...[...perRobot.values()].map(robotMin));
    const dingtalkMin = robotMin(1);
    const wechatMin = Math.max(0, ...[...perAccount.values()].map((n) => (n - 1) * WECHAT_PAUSE_MS));
    const minimum = Math.max(wecomMin, dingtalkMin, wechatMin);

    console.log('');
    console.log(`scenario: one notice to ${GROUPS} groups`);
    console.log(
      `  WeCom:    ${nWecom} groups on ${WECOM_ROBOTS} group robots (up to ${Math.max(...perRobot.values())} groups per robot), 20 msg/min per robot, 45009 beyond`,
    );
    console.log(
      `  DingTalk: ${nDingtalk} groups, one custom robot each (signed), 20 msg/min per robot, 130101 and a 10-minute block beyond`,
    );
    console.log(
      `  WeChat:   ${nWechat} groups on ${WECHAT_ACCOUNTS} accounts (up to ${Math.max(...perAccount.values())} per account), fixed pause ${WECHAT_PAUSE_MS} ms between sends for this run (production: random 3–6 s)`,
    );
    console.log(
      '  minimum = max( per robot: floor((n−1)/20) × 60 s  [20 at once, then 20 more each minute],',
    );
    console.log('                per WeChat account: (n−1) × pause )');
    console.log(
      `          = max(WeCom ${seconds(wecomMin)}, DingTalk ${seconds(dingtalkMin)}, WeChat ${seconds(wechatMin)}) = ${seconds(minimum)}`,
    );

    // --- the bot: real WeCom and DingTalk adapters against the stand-ins, WeChat account stand-ins
    const gateway = new GatewayClient(server.url, SECRET);
    const wecomAdapter = new WeComAdapter({
      corpId: 'wwbench0000000000',
      token: 'benchtoken',
      encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      robots: robotResolverFromJson(
        JSON.stringify(Object.fromEntries([...wecomRobotOf].map(([g, key]) => [g, wecom.webhookUrl(key)]))),
      ),
      allowedOrigins: [wecom.url],
      log: quiet,
    });
    const dingtalkAdapter = new DingTalkAdapter({
      robots: dingTalkRobotsFromRecords(dingtalkRecords),
      webhookAllowlist: [dingtalk.host],
      log: quiet,
    });
    const wechatAccounts = Array.from(
      { length: WECHAT_ACCOUNTS },
      (_, i) =>
        new WechatAccountStandIn(`wx-${i}`, { minDelayMs: WECHAT_PAUSE_MS, maxDelayMs: WECHAT_PAUSE_MS }),
    );
    const bot = new Bot(quiet);
    for (const a of [wecomAdapter, dingtalkAdapter, ...wechatAccounts]) bot.addAdapter(a);
    bot.use(OutboxDelivery({ client: gateway }));
    bots.push(bot);
    await bot.start();

    const started = Date.now();
    await gateway.postMessage(noticeCommand('本周六上午9点消防演练，请各户关好门窗。'));
    const enqueuedAfter = Date.now() - started;
    const deliveredCount = () =>
      wecom.received.filter((c) => c.errcode === 0).length +
      dingtalk.messages.length +
      wechatAccounts.reduce((n, a) => n + a.delivered.length, 0);
    let lastPrint = Date.now();
    const limitMs = Math.max(minimum * 3, 120_000);
    while (deliveredCount() < GROUPS && Date.now() - started < limitMs) {
      await sleep(100);
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        console.log(`  … ${deliveredCount()}/${GROUPS} delivered after ${seconds(Date.now() - started)}`);
      }
    }
    const lastAt = Math.max(
      ...wecom.received.filter((c) => c.errcode === 0).map((c) => c.at),
      ...dingtalk.messages.map((m) => m.at),
      ...wechatAccounts.flatMap((a) => a.delivered.map((d) => d.at)),
    );
    const took = lastAt - started;
    // Anything late would show up here.
    await sleep(2_000);
    await bot.stop();
    bots.pop();

    // --- counted at the stand-ins
    const counts = new Map<string, number>();
    const count = (g: string) => counts.set(g, (counts.get(g) ?? 0) + 1);
    for (const c of wecom.received)
      if (c.errcode === 0) count(String((c.body as { chatid?: string }).chatid));
    for (const m of dingtalk.messages) count(dingtalkGroupOf.get(m.robot) ?? `unknown:${m.robot}`);
    for (const a of wechatAccounts) for (const d of a.delivered) count(d.groupId);
    const all = [...wecomRobotOf.keys(), ...dingtalkGroupOf.values(), ...wechatAccountOf.keys()];
    const lost = all.filter((g) => !counts.has(g)).length;
    const duplicated = [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const strays = [...counts.keys()].filter((g) => !all.includes(g)).length;
    const over45009 = wecom.overLimit;
    const over130101 = dingtalk.requests.filter((r) => r.errcode === 130101).length;
    const bursts = wechatAccounts.reduce((n, a) => n + a.bursts, 0);
    const left = await conn.collection('outbox').countDocuments({ channel: { $ne: 'simulator' } });

    console.log('');
    console.log(`notice command answered (all ${GROUPS} queued) after ${seconds(enqueuedAfter)}`);
    console.log(
      `completion:          ${seconds(took)} vs minimum ${seconds(minimum)} = ${(took / Math.max(minimum, 1)).toFixed(3)}× (goal ≤ 1.05×)`,
    );
    console.log(
      `over-limit answers:  ${over45009 + over130101} (WeCom 45009: ${over45009}, DingTalk 130101: ${over130101}; WeChat bursts: ${bursts}) (goal 0)`,
    );
    console.log(
      `lost / duplicated:   ${lost} / ${duplicated} of ${GROUPS} groups, counted at the stand-ins${strays ? ` (${strays} unknown targets!)` : ''} (goal 0 / 0)`,
    );
    console.log(`outbox left:         ${left}`);

    // --- the outbox alone: every limit lifted, adapters that accept at once
    const nulls = new Map<string, NullAdapter>();
    for (const d of docs) {
      const key = `${String(d.channel)}:${String(d.accountId)}`;
      if (!nulls.has(key)) nulls.set(key, new NullAdapter(d.channel as Channel, String(d.accountId)));
    }
    for (let i = 0; i < THROUGHPUT_NOTICES; i++) {
      await gateway.postMessage(noticeCommand(`吞吐测试通知 ${i + 1}`));
    }
    const expected = THROUGHPUT_NOTICES * GROUPS;
    const fast = new Bot(quiet);
    for (const a of nulls.values()) fast.addAdapter(a);
    fast.use(OutboxDelivery({ client: gateway, longPollMs: 1_000 }));
    bots.push(fast);
    const t0 = Date.now();
    await fast.start();
    const delivered = () => [...nulls.values()].reduce((n, a) => n + a.delivered.length, 0);
    while (delivered() < expected && Date.now() - t0 < 600_000) await sleep(50);
    // Delivered means reported too: wait for the queue to empty.
    while (
      (await conn.collection('outbox').countDocuments({ channel: { $ne: 'simulator' } })) > 0 &&
      Date.now() - t0 < 600_000
    )
      await sleep(100);
    const fastMs = Date.now() - t0;
    await fast.stop();
    bots.pop();
    console.log(
      `throughput (lifted): ${(expected / (fastMs / 1000)).toFixed(0)} deliveries/s (${expected} queued entries claimed, sent and settled in ${seconds(fastMs)}; goal ≥ 500/s)`,
    );
  } finally {
    for (const b of bots) await b.stop().catch(() => undefined);
    await conn.close();
    await wecom.close();
    await dingtalk.close();
    server.child.kill('SIGTERM');
    await server.exited;
    await engine.stop();
  }
}

await main();
