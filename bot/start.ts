import type { Middleware } from 'koa';
import { SimulatorAdapter } from './adapters/simulator/simulator-adapter.js';
import { simulatorRoutes } from './adapters/simulator/simulator-routes.js';
import { GatewayForwarder } from './plugins/gateway-forwarder.js';
import { OutboxDelivery } from './plugins/outbox-delivery.js';
import type { ChannelAdapter } from './runtime/adapter.js';
import { Bot, type BotLogger } from './runtime/bot.js';
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
  /** Adapters supplied by the caller instead of or besides the configured ones (tests inject mocks). */
  adapters?: ChannelAdapter[];
  log: BotLogger;
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
  for (const adapter of config.adapters ?? []) bot.addAdapter(adapter);
  const client = new GatewayClient(config.gatewayUrl, config.gatewaySecret);
  bot.use(GatewayForwarder({ client }), OutboxDelivery({ client }));
  return { bot, middleware, simulator };
}
