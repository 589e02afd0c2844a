import type { Middleware } from 'koa';
import { SimulatorAdapter } from './adapters/simulator/simulator-adapter.js';
import { simulatorRoutes } from './adapters/simulator/simulator-routes.js';
import { ChannelSync } from './plugins/channel-sync.js';
import { GatewayForwarder } from './plugins/gateway-forwarder.js';
import { MembershipForwarder } from './plugins/membership-forwarder.js';
import { OutboxDelivery } from './plugins/outbox-delivery.js';
import type { ChannelAdapter } from './runtime/adapter.js';
import { Bot, type BotLogger } from './runtime/bot.js';
import { ChannelDirectory } from './runtime/channel-directory.js';
import { GatewayClient } from './runtime/gateway-client.js';

export interface BotConfig {
  gatewayUrl: string | (() => string);
  gatewaySecret: string;
  /** Runs the web simulator channel (demo mode). */
  simulator: boolean;
  /** Wechaty puppet name (`WECHATY_PUPPET`); no WeChat channel when absent. */
  wechatyPuppet?: string;
  wechatyPuppetToken?: string;
  wechatyName?: string;
  /** The WeCom channel (`WECOM_*`); none when absent. */
  wecom?: WeComChannelConfig;
  /** The DingTalk channel (`DINGTALK_*`); none when absent. */
  dingtalk?: DingTalkChannelConfig;
  /** Adapters supplied by the caller instead of or besides the configured ones (tests inject mocks). */
  adapters?: ChannelAdapter[];
  log: BotLogger;
}

/** A WeCom app's callback credentials, the robots that answer in its groups, the names residents @. */
export interface WeComChannelConfig {
  corpId: string;
  token: string;
  encodingAesKey: string;
  /** The intelligent robot's callback credentials when they are not the app's. */
  robotCallback?: { token: string; encodingAesKey: string };
  /** `WECOM_GROUP_ROBOTS`: JSON object from group chatid to robot webhook key or URL. */
  groupRobots?: string;
  botNames?: string[];
  /** Origins robot webhooks may point to; WeCom's API by default (tests pass their stand-in). */
  allowedOrigins?: string[];
}

/** A DingTalk robot app: its callback secret, Stream mode, where replies may go, its groups' robots. */
export interface DingTalkChannelConfig {
  appKey: string;
  appSecret: string;
  stream: boolean;
  webhookAllowlist?: readonly string[];
  /** `DINGTALK_ROBOTS`: JSON array of `{conversationId, webhookUrl, secret}`. */
  robots?: string;
}

export interface RunningBot {
  bot: Bot;
  /** Pages an adapter serves through the server, such as the simulator. */
  middleware: Middleware[];
  simulator: SimulatorAdapter | null;
}

/** Chooses adapters from configuration and installs the plugins every deployment runs. */
export async function createBot(config: BotConfig): Promise<RunningBot> {
  const bot = new Bot(config.log);
  const middleware: Middleware[] = [];
  let simulator: SimulatorAdapter | null = null;
  const client = new GatewayClient(config.gatewayUrl, config.gatewaySecret);
  // Channels admins registered extend the platforms configured here; a bot without them never asks.
  const directory = config.wecom || config.dingtalk ? new ChannelDirectory(client, config.log) : null;
  if (config.simulator) {
    simulator = new SimulatorAdapter();
    bot.addAdapter(simulator);
    middleware.push(simulatorRoutes(simulator));
  }
  if (config.wechatyPuppet) {
    // Loaded only when configured: Wechaty and its puppets are heavy for a simulator-only demo.
    const { WechatyAdapter } = await import('./adapters/wechaty/wechaty-adapter.js');
    bot.addAdapter(
      new WechatyAdapter({
        accountId: config.wechatyName ?? 'wechat',
        puppet: config.wechatyPuppet,
        puppetToken: config.wechatyPuppetToken,
        log: config.log,
      }),
    );
  }
  if (config.wecom) {
    const { wecom } = config;
    // Loaded only when configured, like Wechaty; each adapter brings its webhook for the server to mount.
    const { WeComAdapter, robotResolverFromJson, wecomWebhook } =
      await import('./adapters/wecom/wecom-adapter.js');
    const records = await import('./adapters/wecom/wecom-record-channels.js');
    const envRobots = robotResolverFromJson(wecom.groupRobots);
    const adapter = new WeComAdapter({
      corpId: wecom.corpId,
      token: wecom.token,
      encodingAesKey: wecom.encodingAesKey,
      robotCallback: wecom.robotCallback,
      robots: directory ? records.withRecordRobots(envRobots, directory) : envRobots,
      botNames: wecom.botNames,
      allowedOrigins: wecom.allowedOrigins,
      log: config.log,
    });
    bot.addAdapter(adapter);
    middleware.push(wecomWebhook(adapter));
    if (directory) middleware.push(records.wecomRecordWebhook(adapter, directory));
  }
  if (config.dingtalk) {
    const { dingtalk } = config;
    const { DingTalkAdapter } = await import('./adapters/dingtalk/dingtalk-adapter.js');
    const { dingTalkRobotsFromJson } = await import('./adapters/dingtalk/dingtalk-robots.js');
    const records = await import('./adapters/dingtalk/dingtalk-record-channels.js');
    const envRobots = dingtalk.robots ? dingTalkRobotsFromJson(dingtalk.robots) : undefined;
    const adapter = new DingTalkAdapter({
      appKey: dingtalk.appKey,
      appSecret: dingtalk.appSecret,
      stream: dingtalk.stream,
      robots: directory ? records.withRecordRobots(envRobots, directory) : envRobots,
      webhookAllowlist: dingtalk.webhookAllowlist,
      log: config.log,
    });
    bot.addAdapter(adapter);
    middleware.push(adapter.webhook());
    if (directory) {
      middleware.push(
        records.dingTalkRecordWebhook(directory, { receive: (m) => adapter.receive(m), log: config.log }),
      );
    }
  }
  for (const adapter of config.adapters ?? []) bot.addAdapter(adapter);
  // Records load before delivery starts: start hooks run in the order plugins were installed.
  if (directory) bot.use(ChannelSync(directory));
  bot.use(GatewayForwarder({ client }), MembershipForwarder({ client }), OutboxDelivery({ client }));
  return { bot, middleware, simulator };
}
