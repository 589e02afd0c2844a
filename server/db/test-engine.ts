import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEngine, type Engine, type EngineChoice, type EngineLogger } from './engine.js';

const execFileAsync = promisify(execFile);

export interface TestEngine {
  engine: Engine;
  uri: string;
  /** Unique per call, so tests sharing an engine never see each other's data. */
  dbName: string;
  /** Throwaway directory holding the engine's data; removed by stop(). */
  dataDir: string;
  /** Stops the engine, drops the throwaway PostgreSQL database if any, removes dataDir. Idempotent. */
  stop(): Promise<void>;
}

/** Admin connection used to create and drop throwaway databases for `ferretdb-postgresql`. */
const DEFAULT_POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const TEST_ENGINES = ['auto', 'mongod', 'ferretdb-sqlite', 'ferretdb-postgresql', 'external'] as const;
type TestEngineChoice = (typeof TEST_ENGINES)[number];

// Only warnings reach the test output, plus the one-off FerretDB build progress.
const testLogger: EngineLogger = {
  info: (_obj, msg) => {
    if (msg && /build|compil|download/i.test(msg)) process.stderr.write(`[engine] ${msg}\n`);
  },
  warn: (_obj, msg) => console.warn(`[engine] ${msg ?? ''}`),
  error: (obj, msg) => console.error(`[engine] ${msg ?? ''}`, obj),
};

const randomSuffix = (): string => randomBytes(6).toString('hex');

/**
 * Starts a database engine for tests through the production resolver, on a throwaway directory and port.
 * TEST_ENGINE picks it: unset or `auto` (mongod if on PATH, else FerretDB/SQLite), `mongod`,
 * `ferretdb-sqlite`, `ferretdb-postgresql` (fresh database on TEST_POSTGRES_URL's server), or `external`
 * (MONGODB_URI).
 */
export async function startTestEngine(): Promise<TestEngine> {
  const choice = (process.env.TEST_ENGINE || 'auto') as TestEngineChoice;
  if (!TEST_ENGINES.includes(choice)) {
    throw new Error(`TEST_ENGINE must be one of ${TEST_ENGINES.join(', ')}; got "${choice}"`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'nbtest-'));
  const dbName = `nbtest_${randomSuffix()}`;
  let pgDatabase: { adminUrl: string; name: string } | null = null;
  let engine: Engine | null = null;

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await engine?.stop();
      } finally {
        if (pgDatabase) await dropPostgresDatabase(pgDatabase.adminUrl, pgDatabase.name);
        await rm(dataDir, { recursive: true, force: true });
      }
    })());

  try {
    if (choice === 'external') {
      const mongodbUri = process.env.MONGODB_URI;
      if (!mongodbUri) throw new Error('TEST_ENGINE=external needs MONGODB_URI');
      engine = await startEngine({ mongodbUri, dataDir, logger: testLogger });
    } else {
      let postgresUrl: string | undefined;
      if (choice === 'ferretdb-postgresql') {
        const adminUrl = process.env.TEST_POSTGRES_URL || DEFAULT_POSTGRES_ADMIN_URL;
        pgDatabase = { adminUrl, name: `nbtest_${randomSuffix()}` };
        await createPostgresDatabase(adminUrl, pgDatabase.name);
        postgresUrl = withDatabase(adminUrl, pgDatabase.name);
      }
      engine = await startEngine({
        dataDir,
        port: 0,
        engine: choice as EngineChoice,
        postgresUrl,
        logger: testLogger,
        readyTimeoutMs: 30_000,
        stopGraceMs: 5_000,
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return { engine, uri: engine.uri, dbName, dataDir, stop };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function psql(adminUrl: string, sql: string): Promise<void> {
  try {
    await execFileAsync('psql', [adminUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      timeout: 30_000,
    });
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new Error(`psql failed (${sql}): ${detail}`, { cause: err });
  }
}

function createPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  return psql(adminUrl, `CREATE DATABASE "${name}"`);
}

function dropPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  return psql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
