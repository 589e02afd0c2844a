import mongoose, { type Connection } from 'mongoose';
import type { EngineLogger } from './engine-process.js';

export interface ConnectOptions {
  dbName: string;
  /** Defaults to 20, or 1 on FerretDB 1.x (see serializesWrites). */
  maxPoolSize?: number;
  /** How long to look for a server before an operation fails. */
  serverSelectionTimeoutMS?: number;
  logger?: Pick<EngineLogger, 'warn'>;
}

export const DEFAULT_POOL_SIZE = 20;

export interface ServerInfo {
  /** MongoDB version the server reports (FerretDB reports the version it emulates). */
  version: string;
  /** Set only by FerretDB. */
  ferretdbVersion?: string;
}

/** Asks the server who it is with `buildInfo` on a short-lived client. */
export async function serverInfo(uri: string, timeoutMs = 10_000): Promise<ServerInfo> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, maxPoolSize: 1 });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    return {
      version: String(info.version),
      ferretdbVersion: typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : undefined,
    };
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

/**
 * FerretDB 1.x updates a document by reading it, changing it in Go and writing it back, so two
 * connections updating one document at once lose writes and conditional `$inc` guards fail.
 * It handles the commands of one connection in order, so one connection per process keeps them atomic.
 */
export function serializesWrites(info: ServerInfo): boolean {
  return info.ferretdbVersion !== undefined && /^v?1\./.test(info.ferretdbVersion);
}

/** Opens a dedicated mongoose connection (never the global one) and waits until it is usable. */
export async function connectMongoose(uri: string, options: ConnectOptions): Promise<Connection> {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 10_000;
  let maxPoolSize = options.maxPoolSize;
  if (maxPoolSize === undefined) {
    const info = await serverInfo(uri, serverSelectionTimeoutMS);
    maxPoolSize = serializesWrites(info) ? 1 : DEFAULT_POOL_SIZE;
    if (maxPoolSize === 1) {
      options.logger?.warn(
        { ferretdbVersion: info.ferretdbVersion },
        'FerretDB 1.x: using one connection so that single-document updates stay atomic',
      );
    }
  }

  const conn = mongoose.createConnection(uri, {
    dbName: options.dbName,
    maxPoolSize,
    minPoolSize: 0,
    serverSelectionTimeoutMS,
    autoIndex: true,
    autoCreate: true,
  });
  try {
    await conn.asPromise();
  } catch (err) {
    await conn.close(true).catch(() => undefined);
    throw err;
  }
  return conn;
}

export type EngineState = 'up' | 'down';

/** Health check: a ping that answers within `timeoutMs`, else 'down'. Never throws. */
export async function engineState(conn: Connection, timeoutMs = 1_000): Promise<EngineState> {
  const db = conn.db;
  if (conn.readyState !== mongoose.ConnectionStates.connected || !db) return 'down';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<EngineState>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  const ping = db
    .admin()
    .command({ ping: 1 })
    .then((reply): EngineState => (reply.ok === 1 ? 'up' : 'down'))
    .catch((): EngineState => 'down');
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True for a unique-index violation. MongoDB and FerretDB inserts say E11000; FerretDB 1.x updates
 * that collide with a unique index fail with InternalError (code 1) carrying the backend's message.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return (
    code === 1 &&
    typeof message === 'string' &&
    /UNIQUE constraint failed|duplicate key value violates unique constraint|SQLSTATE 23505/.test(message)
  );
}

/**
 * True when an unordered `insertMany` failed only because some documents were duplicates: a bulk error
 * whose every write error is a unique-index violation.
 */
export function onlyDuplicateKeyErrors(err: unknown): boolean {
  const errors = (err as { writeErrors?: unknown[] }).writeErrors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => isDuplicateKeyError(e) || isDuplicateKeyError((e as { err?: unknown }).err))
  );
}
