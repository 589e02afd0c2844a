import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DingTalkAdapter } from '../../bot/adapters/dingtalk/dingtalk-adapter.js';
import { dingTalkRobotsFromRecords } from '../../bot/adapters/dingtalk/dingtalk-robots.js';
import { robotResolverFromJson, WeComAdapter } from '../../bot/adapters/wecom/wecom-adapter.js';
import { OutboxDelivery } from '../../bot/plugins/outbox-delivery.js';
import { Bot, type BotLogger } from '../../bot/runtime/bot.js';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import type { InboundMessage } from '../../shared/messages.js';
import {
  startDingTalkRobotStandIn,
  type DingTalkRobotStandIn,
} from '../support/platform-stand-ins/dingtalk-robot.js';
import { startWecomRobotStandIn, type WecomRobotStandIn } from '../support/platform-stand-ins/wecom-robot.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { eventually, TEST_GATEWAY_SECRET } from '../support/test-server.js';

const WECOM_GROUPS = 60;
const DINGTALK_GROUPS = 30;
const silent: BotLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let engine: TestEngine;
let wecom: WecomRobotStandIn;
let dingtalk: DingTalkRobotStandIn;

beforeAll(async () => {
  engine = await startTestEngine();
  // Each robot call takes a while, so the broadcast is still under way when the server is killed.
  wecom = await startWecomRobotStandIn({ latencyMs: 120 });
  dingtalk = await startDingTalkRobotStandIn();
});

afterAll(async () => {
  await wecom?.close();
  await dingtalk?.close();
  await engine?.stop();
});

const notice = (text: string): InboundMessage => ({
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

describe('a broadcast when the server is killed mid-way', () => {
  it('reaches every group exactly once after a restart on the same database', async () => {
    const dbName = `nbtest_${randomUUID().slice(0, 8)}`;
    const env = {
      MONGODB_URI: engine.uri,
      MONGODB_DB: dbName,
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      DEMO: 'true',
      // The delivery worker is a bot process of its own (here, this one); the server holds the outbox.
      BOT_EMBEDDED: 'false',
    };
    let server: ServerProcess = await startServerProcess(env);
    const current = { url: server.url };
    const conn = await mongoose.createConnection(engine.uri, { dbName }).asPromise();
    const bot = new Bot(silent);
    try {
      const community = await conn.collection('communities').findOne({});
      const wecomKeys = new Map<string, string>();
      const dingtalkGroups = new Map<string, string>();
      const records: { conversationId: string; webhookUrl: string; secret?: string }[] = [];
      const now = new Date();
      const group = (channel: string, platformGroupId: string, accountId: string) => ({
        channel,
        platformGroupId,
        accountId,
        name: `crash-${platformGroupId}`,
        communityId: community!._id,
        language: 'zh-CN',
        scopeId: null,
        createdAt: now,
        updatedAt: now,
      });
      const docs = [];
      for (let i = 0; i < WECOM_GROUPS; i++) {
        wecomKeys.set(`wrOgCrash${i}`, randomUUID());
        docs.push(group('wecom', `wrOgCrash${i}`, 'wecom'));
      }
      for (let i = 0; i < DINGTALK_GROUPS; i++) {
        const robot = dingtalk.addRobot();
        dingtalkGroups.set(robot.accessToken, `cidCrash${i}`);
        records.push({ conversationId: `cidCrash${i}`, webhookUrl: robot.webhookUrl, secret: robot.secret });
        docs.push(group('dingtalk', `cidCrash${i}`, 'dingtalk'));
      }
      await conn.collection('groups').insertMany(docs);

      bot.addAdapter(
        new WeComAdapter({
          corpId: 'wwcrash0000000000',
          token: 'crashtoken',
          encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
          robots: robotResolverFromJson(
            JSON.stringify(Object.fromEntries([...wecomKeys].map(([g, k]) => [g, wecom.webhookUrl(k)]))),
          ),
          allowedOrigins: [wecom.url],
          log: silent,
        }),
      );
      bot.addAdapter(
        new DingTalkAdapter({
          robots: dingTalkRobotsFromRecords(records),
          webhookAllowlist: [dingtalk.host],
          log: silent,
        }),
      );
      const client = new GatewayClient(() => current.url, TEST_GATEWAY_SECRET);
      bot.use(OutboxDelivery({ client, longPollMs: 1_000, concurrency: 2, batch: 10, leaseMs: 15_000 }));
      await bot.start();

      expect((await client.postMessage(notice('今晚8点停电检修'))).status).toBe('processed');
      await eventually(() => wecom.received.length >= 15, 30_000);
      server.child.kill('SIGKILL');
      await server.exited;
      const beforeRestart = wecom.received.length + dingtalk.messages.length;
      expect(beforeRestart).toBeLessThan(WECOM_GROUPS + DINGTALK_GROUPS);

      server = await startServerProcess(env);
      current.url = server.url;

      const counts = new Map<string, number>();
      const tally = () => {
        counts.clear();
        for (const c of wecom.received) {
          if (c.errcode !== 0) continue;
          const groupId = [...wecomKeys].find(([, k]) => k === c.key)?.[0] ?? `unknown:${c.key}`;
          counts.set(groupId, (counts.get(groupId) ?? 0) + 1);
        }
        for (const m of dingtalk.messages) {
          const groupId = dingtalkGroups.get(m.robot) ?? `unknown:${m.robot}`;
          counts.set(groupId, (counts.get(groupId) ?? 0) + 1);
        }
        return counts;
      };
      await eventually(() => tally().size >= WECOM_GROUPS + DINGTALK_GROUPS, 60_000).catch((err: unknown) => {
        throw new Error(`${String(err)}; ${tally().size} groups reached\n${server.output().slice(-2_000)}`);
      });
      await eventually(
        async () => (await conn.collection('outbox').countDocuments({ channel: { $ne: 'simulator' } })) === 0,
        30_000,
      );

      const all = [...wecomKeys.keys(), ...dingtalkGroups.values()];
      expect([...tally().keys()].sort()).toEqual([...all].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(wecom.overLimit).toBe(0);
      expect(
        await conn.collection('deliveries').countDocuments({ channel: { $in: ['wecom', 'dingtalk'] } }),
      ).toBe(all.length);
    } finally {
      await bot.stop();
      await conn.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 180_000);
});
