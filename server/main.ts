import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config.js';
import { EngineUnavailableError } from './db/engine.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

/** `npm start`: the server with the embedded bot, on the embedded engine unless MONGODB_URI is set. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, () => randomBytes(32).toString('hex'));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  let running;
  try {
    running = await startServer({ config, log, embedBot: config.BOT_EMBEDDED });
  } catch (err) {
    if (err instanceof EngineUnavailableError) {
      console.error(err.message);
      process.exit(3);
    }
    log.fatal({ err }, 'failed to start');
    process.exit(1);
  }
  if (config.DEMO) log.info(`demo: open ${running.url}/simulator/ and ${running.url}/app/`);

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown grace period over; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_SECONDS * 1000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();
