import type { ChannelAdapter } from '../../bot/runtime/adapter.js';
import { loadConfig } from '../../server/config.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { createLogger } from '../../server/logger.js';
import { startServer, type RunningServer } from '../../server/server.js';

export const TEST_GATEWAY_SECRET = 'test-gateway-secret-0123456789abcdef';

export interface TestServerOptions {
  demo?: boolean;
  embedBot?: boolean;
  adapters?: ChannelAdapter[];
  /** Reuse an engine across servers (e.g. to restart a server on the same data). */
  engine?: TestEngine;
  dbName?: string;
  env?: Record<string, string>;
}

export interface TestServer extends RunningServer {
  testEngine: TestEngine;
  dbName: string;
  /** Stops the server, and the engine too unless it was passed in. */
  close(): Promise<void>;
}

/** A real server on a free port over a throwaway engine, configured the way `npm start` is. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const testEngine = options.engine ?? (await startTestEngine());
  const dbName = options.dbName ?? testEngine.dbName;
  const config = loadConfig(
    {
      MONGODB_URI: testEngine.uri,
      MONGODB_DB: dbName,
      // Keys generated on first start (data key, session secret) go to the throwaway directory.
      DATA_DIR: testEngine.dataDir,
      PORT: '0',
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      DEMO: options.demo ? 'true' : 'false',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
    () => TEST_GATEWAY_SECRET,
  );
  const server = await startServer({
    config,
    log: createLogger(config.LOG_LEVEL),
    embedBot: options.embedBot ?? false,
    adapters: options.adapters,
    maintenanceIntervalMs: 200,
  });
  return {
    ...server,
    testEngine,
    dbName,
    async close() {
      await server.stop();
      if (!options.engine) await testEngine.stop();
    },
  };
}

/** Polls until `check` returns a value other than undefined/null/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
