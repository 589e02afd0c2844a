import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  EngineStartError,
  pickFreePort,
  portIsFree,
  superviseProcess,
  waitUntilReady,
  type EngineLogger,
  type SupervisedProcess,
} from './engine-process.js';
import { FERRETDB_VERSION, MIN_GO_MINOR, ensureFerretDb, findExecutable } from './ferretdb-build.js';

export type { EngineLogger } from './engine-process.js';
export { EngineStartError } from './engine-process.js';

export type EngineKind = 'external' | 'mongod' | 'ferretdb-sqlite' | 'ferretdb-postgresql';
export type EngineChoice = 'auto' | Exclude<EngineKind, 'external'>;

export interface Engine {
  kind: EngineKind;
  /** Connection string for the driver; for `external` it is the given URI, password included. */
  uri: string;
  /** Process id of the engine this process started; undefined for `external`. */
  pid?: number;
  /** One line for logs, with every password removed. */
  describe(): string;
  /** Stops the engine this process started (SIGTERM, then SIGKILL); a no-op for `external`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEngineOptions {
  /** When set and `engine` is `auto`, the engine is external and nothing is started. */
  mongodbUri?: string;
  /** Engine data lives below it: `<dataDir>/mongod` for mongod, `<dataDir>/db` for FerretDB. */
  dataDir: string;
  /** Loopback port for a started engine; 0 or absent picks a free one. */
  port?: number;
  engine?: EngineChoice;
  /** PostgreSQL URL for `ferretdb-postgresql`. */
  postgresUrl?: string;
  logger?: EngineLogger;
  /** PATH used to find `mongod` and `go`; defaults to process.env.PATH. */
  searchPath?: string;
  /** FerretDB binary cache; defaults to `<repo>/.cache/ferretdb`. */
  cacheDir?: string;
  /** How long a started engine may take to answer a ping. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
}

export class EngineUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}

export const INSTALL_HINT = [
  'No database engine is available. Do one of:',
  `  - install Go 1.${MIN_GO_MINOR}+ (https://go.dev/dl/) and run \`npm run engine:build\` to build FerretDB ${FERRETDB_VERSION} into .cache/ferretdb (the server also builds it on first start when Go is on PATH);`,
  '  - install MongoDB so that `mongod` is on PATH;',
  '  - or set MONGODB_URI to a running MongoDB-compatible server.',
].join('\n');

/** Removes the password from a connection URL (mongodb://, mongodb+srv://, postgres://, ...). */
export function redactUri(uri: string): string {
  // Written by hand because mongodb:// may list several hosts, which WHATWG URL rejects.
  // Greedy up to the last '@' of the authority, so an unencoded '@' in a password is still hidden.
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

const noopLogger: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const PORT_ATTEMPTS = 3;

interface Launch {
  kind: Exclude<EngineKind, 'external'>;
  name: string;
  command: string;
  args: (port: number) => string[];
  forwardStderr?: (line: string) => boolean;
  detail: string;
}

// FerretDB on PostgreSQL logs every unique-index violation, the expected outcome of an idempotent retry.
const ferretDbLogFilter = (line: string): boolean => !line.includes('"Code":"23505"');

/**
 * Resolves the database engine: MONGODB_URI, else a `mongod` on PATH, else FerretDB on SQLite
 * (built on first use when Go is available), else EngineUnavailableError naming what to install.
 */
export async function startEngine(options: StartEngineOptions): Promise<Engine> {
  const logger = options.logger ?? noopLogger;
  const choice = options.engine ?? 'auto';

  if (choice === 'auto' && options.mongodbUri) {
    const uri = options.mongodbUri;
    return {
      kind: 'external',
      uri,
      describe: () => `external MongoDB at ${redactUri(uri)}`,
      stop: async () => undefined,
    };
  }

  const launch = await resolveLaunch(choice, options, logger);
  return launchEngine(launch, options, logger);
}

async function resolveLaunch(
  choice: EngineChoice,
  options: StartEngineOptions,
  logger: EngineLogger,
): Promise<Launch> {
  const dataDir = resolve(options.dataDir);

  if (choice === 'auto' || choice === 'mongod') {
    const mongod = findExecutable('mongod', options.searchPath);
    if (mongod) {
      const dbPath = join(dataDir, 'mongod');
      await mkdir(dbPath, { recursive: true });
      return {
        kind: 'mongod',
        name: 'mongod',
        command: mongod,
        args: (port) => ['--dbpath', dbPath, '--bind_ip', '127.0.0.1', '--port', String(port)],
        detail: `data in ${dbPath}`,
      };
    }
    if (choice === 'mongod') {
      throw new EngineUnavailableError(
        'engine "mongod" was asked for, but no `mongod` is on PATH. Install MongoDB, or choose engine "auto".',
      );
    }
  }

  if (choice === 'ferretdb-postgresql' && !options.postgresUrl) {
    throw new EngineUnavailableError(
      'engine "ferretdb-postgresql" needs postgresUrl (postgres://user@host:5432/db).',
    );
  }

  const binary = await ensureFerretDb({
    cacheDir: options.cacheDir,
    searchPath: options.searchPath,
    log: (message) => logger.info({ engine: 'ferretdb' }, message),
  });
  if (!binary) {
    throw new EngineUnavailableError(
      choice === 'auto'
        ? INSTALL_HINT
        : `engine "${choice}" needs FerretDB ${FERRETDB_VERSION}, which is not built and Go is not on PATH.\n${INSTALL_HINT}`,
    );
  }

  const stateDir = join(dataDir, 'db');
  await mkdir(stateDir, { recursive: true });
  const common = (port: number): string[] => [
    `--listen-addr=127.0.0.1:${port}`,
    '--telemetry=disable',
    '--debug-addr=-',
    `--state-dir=${stateDir}`,
    '--log-level=error',
  ];

  if (choice === 'ferretdb-postgresql') {
    const postgresUrl = options.postgresUrl as string;
    return {
      kind: 'ferretdb-postgresql',
      name: 'ferretdb',
      command: binary,
      args: (port) => ['--handler=postgresql', `--postgresql-url=${postgresUrl}`, ...common(port)],
      forwardStderr: ferretDbLogFilter,
      detail: `on ${redactUri(postgresUrl)}`,
    };
  }
  return {
    kind: 'ferretdb-sqlite',
    name: 'ferretdb',
    command: binary,
    args: (port) => ['--handler=sqlite', `--sqlite-url=file:${stateDir}/`, ...common(port)],
    forwardStderr: ferretDbLogFilter,
    detail: `on SQLite in ${stateDir}`,
  };
}

async function launchEngine(
  launch: Launch,
  options: StartEngineOptions,
  logger: EngineLogger,
): Promise<Engine> {
  const fixedPort = options.port ? options.port : undefined;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await pickFreePort());
    if (fixedPort && !(await portIsFree(fixedPort))) {
      throw new EngineStartError(`Port ${fixedPort} on 127.0.0.1 is already in use; choose another or 0`, []);
    }
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
    const child: SupervisedProcess = await superviseProcess({
      name: launch.name,
      command: launch.command,
      args: launch.args(port),
      logger,
      forwardStderr: launch.forwardStderr,
    });
    try {
      await waitUntilReady(child, uri, port, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    } catch (err) {
      await child.stop(1_000);
      const portTaken = child.tail().some((line) => /address already in use/i.test(line));
      // A picked port can be taken between picking and binding; try another one.
      if (portTaken && !fixedPort && attempt < PORT_ATTEMPTS) continue;
      throw err;
    }

    const description = `${launch.kind} (pid ${child.pid}) at 127.0.0.1:${port}, ${launch.detail}`;
    logger.info(
      { engine: launch.kind, port, pid: child.pid, ms: Date.now() - started },
      `database engine ready: ${description}`,
    );
    let stopped = false;
    void child.exited.then(({ code, signal }) => {
      if (!stopped) {
        logger.error(
          { engine: launch.kind, pid: child.pid, code, signal, output: child.tail() },
          `${launch.kind} exited unexpectedly`,
        );
      }
    });
    return {
      kind: launch.kind,
      uri,
      pid: child.pid,
      describe: () => description,
      stop: async () => {
        stopped = true;
        await child.stop(options.stopGraceMs);
      },
    };
  }
}
