import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBot, type RunningBot } from '../bot/start.js';
import type { ChannelAdapter } from '../bot/runtime/adapter.js';
import { createApp } from './app.js';
import { createProviders } from './auth/providers/index.js';
import { loadSecrets } from './auth/secrets.js';
import type { Config } from './config.js';
import { createContainer, type Container } from './container.js';
import { connectMongoose, engineState } from './db/connect.js';
import { startEngine, type Engine } from './db/engine.js';
import type { Logger } from './logger.js';
import { channelSettings, type PlatformBaseUrls } from './platform-config.js';
import { deriveStateKey } from './routes/platform-auth/index.js';
import { seedDemo } from './seed/demo.js';

export interface StartOptions {
  config: Config;
  log: Logger;
  /** Run the bot runtime in this process, talking to the gateway over loopback HTTP. */
  embedBot?: boolean;
  /** Extra channel adapters for the embedded bot (tests inject mock puppets). */
  adapters?: ChannelAdapter[];
  /** How often expired work is retried and batched status writes are flushed. */
  maintenanceIntervalMs?: number;
  /** Stand-ins for WeCom, DingTalk and WeChat (tests); the real platforms otherwise. */
  platformBaseUrls?: PlatformBaseUrls;
}

export interface RunningServer {
  url: string;
  port: number;
  engine: Engine;
  container: Container;
  bot: RunningBot | null;
  /** Graceful stop: no new work, everything accepted is finished and written, then the engine stops. */
  stop(): Promise<void>;
}

const INSERT_POOL_SIZE = 6;

/** The composition root: engine → connection → container → HTTP server → embedded bot. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, log } = options;
  const engine = await startEngine({
    mongodbUri: config.MONGODB_URI,
    dataDir: config.dataDir,
    engine: config.ENGINE,
    postgresUrl: config.POSTGRES_URL,
    logger: log,
  });
  log.info({ engine: engine.describe() }, 'database engine ready');
  const conn = await connectMongoose(engine.uri, { dbName: config.MONGODB_DB, logger: log });
  // Where updates must share one connection (FerretDB 1.x), plain inserts get a pool of their own.
  const insertConn =
    conn.getClient().options.maxPoolSize === 1
      ? await connectMongoose(engine.uri, { dbName: config.MONGODB_DB, maxPoolSize: INSERT_POOL_SIZE })
      : conn;
  const container = await createContainer(conn, log, insertConn, config);
  await container.services.roster.recoverInterrupted();
  if (config.DEMO) await seedDemo(container, log);

  const shutdown = new AbortController();
  const embedBot = options.embedBot ?? true;
  let bot: RunningBot | null = null;
  let port = config.PORT;
  const listen = (app: ReturnType<typeof createApp>) =>
    new Promise<Server>((resolve, reject) => {
      const server = app.listen(port, config.HOST, () => resolve(server));
      server.once('error', reject);
    });

  // The bot needs the URL, and the app needs the bot's pages: build the bot against a late-bound port.
  const gateway = { url: '' };
  if (embedBot) {
    bot = await createBot({
      gatewayUrl: () => gateway.url,
      gatewaySecret: config.GATEWAY_SECRET,
      simulator: config.DEMO,
      wechatyPuppet: config.WECHATY_PUPPET,
      wechatyPuppetToken: config.WECHATY_PUPPET_SERVICE_TOKEN,
      ...channelSettings(config, options.platformBaseUrls),
      adapters: options.adapters,
      log: log.child({ part: 'bot' }),
    });
  }
  const providers = createProviders(config, {
    baseUrls: options.platformBaseUrls,
    jssdkAllowedOrigins: config.PUBLIC_URL ? [config.PUBLIC_URL] : undefined,
  });
  const { sessionSecret } = await loadSecrets(config);
  const app = createApp({
    log,
    container,
    engine,
    ping: () => engineState(conn),
    gatewaySecret: config.GATEWAY_SECRET,
    demo: config.DEMO,
    shutdown: shutdown.signal,
    extra: bot?.middleware,
    platformAuth: { providers, stateKey: deriveStateKey(sessionSecret), publicUrl: config.PUBLIC_URL },
    publicUrl: config.PUBLIC_URL,
  });
  const server = await listen(app);
  port = (server.address() as AddressInfo).port;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  gateway.url = url;

  const maintenance = setInterval(() => {
    container.processor
      .recover()
      .then(() => container.processor.flush())
      .catch((err: unknown) => log.warn({ err }, 'maintenance pass failed'));
  }, options.maintenanceIntervalMs ?? 5_000);
  maintenance.unref();

  if (bot) await bot.bot.start();
  container.scheduler.start();
  log.info({ url }, 'server listening');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(maintenance);
      await container.scheduler.stop();
      shutdown.abort();
      // The bot first: it forwards what it still holds while the gateway is up, and hands back claims.
      if (bot) await bot.bot.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await container.processor.drain();
      await container.services.roster.stop();
      if (insertConn !== conn) await insertConn.close();
      await conn.close();
      await engine.stop();
      log.info('server stopped');
    })());

  return { url, port, engine, container, bot, stop };
}
