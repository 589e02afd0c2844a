import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import mongoose from 'mongoose';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SupervisedProcess {
  readonly pid: number;
  readonly name: string;
  /** Resolves once the child has exited, with its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** The last lines the child wrote to stdout and stderr, oldest first. */
  tail(): string[];
  /** SIGTERM, then SIGKILL once `graceMs` has passed; resolves when the child is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SuperviseOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger: EngineLogger;
  /** Which stderr lines to forward to logger.warn; none when absent. Every line still goes to tail(). */
  forwardStderr?: (line: string) => boolean;
  tailLines?: number;
}

const DEFAULT_GRACE_MS = 10_000;

// Children still alive, with their watchdogs; killed synchronously if Node exits without stopping them.
const liveChildren = new Map<ChildProcess, ChildProcess | null>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, watchdog] of liveChildren) {
      child.kill('SIGKILL');
      watchdog?.kill('SIGKILL');
    }
  });
}

// Reads its stdin until Node dies, however it dies (even SIGKILL, where no 'exit' handler runs),
// then stops the engine: SIGTERM, up to 5 s, SIGKILL.
const WATCHDOG_SCRIPT =
  'read _; kill -TERM "$1" 2>/dev/null; i=0; ' +
  'while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; ' +
  'kill -KILL "$1" 2>/dev/null';

function startWatchdog(pid: number): ChildProcess | null {
  if (process.platform === 'win32') return null;
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'engine-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    // its own process group, so a Ctrl-C aimed at Node does not take the watchdog down first
    detached: true,
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

export function superviseProcess(options: SuperviseOptions): Promise<SupervisedProcess> {
  const { name, logger } = options;
  const maxLines = options.tailLines ?? 40;
  const lines: string[] = [];
  const remember = (line: string): void => {
    lines.push(line);
    if (lines.length > maxLines) lines.shift();
  };

  installExitHook();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      liveChildren.get(child)?.kill('SIGKILL');
      liveChildren.delete(child);
      resolve(exitInfo);
    });
  });

  const collect = (stream: NodeJS.ReadableStream | null, forward: (line: string) => boolean): void => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        const line = raw.trimEnd();
        if (!line) continue;
        remember(line);
        if (forward(line)) logger.warn({ engine: name, line }, `${name}: ${line}`);
      }
    });
    stream.on('end', () => {
      if (partial.trim()) remember(partial.trimEnd());
      partial = '';
    });
  };
  collect(child.stdout, () => false);
  collect(child.stderr, options.forwardStderr ?? (() => false));

  let stopping: Promise<void> | null = null;
  const stop = (graceMs = DEFAULT_GRACE_MS): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        logger.warn({ engine: name, pid: child.pid, graceMs }, `${name} ignored SIGTERM; sending SIGKILL`);
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  return new Promise((resolve, reject) => {
    let spawned = false;
    child.on('error', (err) => {
      if (spawned) {
        logger.error({ engine: name, err }, `${name}: ${err.message}`);
        return;
      }
      liveChildren.delete(child);
      reject(new Error(`Could not start ${name} (${options.command}): ${err.message}`, { cause: err }));
    });
    child.once('spawn', () => {
      spawned = true;
      liveChildren.set(child, startWatchdog(child.pid as number));
      resolve({
        pid: child.pid as number,
        name,
        exited,
        hasExited: () => exitInfo !== null,
        tail: () => [...lines],
        stop,
      });
    });
  });
}

/** Asks the kernel for a free loopback port. Another process may take it before we use it; callers retry. */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('Could not pick a free port'))));
    });
  });
}

/** True when nothing listens on 127.0.0.1:`port`, so an engine we start there is the one we ping. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export class EngineStartError extends Error {
  constructor(
    message: string,
    readonly tail: string[],
  ) {
    super(tail.length ? `${message}\nLast output:\n  ${tail.join('\n  ')}` : message);
    this.name = 'EngineStartError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One `ping` on a fresh client; true when the server answered. */
export async function pingOnce(uri: string, timeoutMs: number): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs,
    maxPoolSize: 1,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

/** True once something accepts TCP connections on 127.0.0.1:`port`. */
function portAccepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Waits until the engine on 127.0.0.1:`port` answers a ping at `uri`. The port is polled first because
 * the driver waits for its next heartbeat after a refused connection. Fails fast when the child exits,
 * and on timeout with the child's last output.
 */
export async function waitUntilReady(
  child: SupervisedProcess,
  uri: string,
  port: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = child.exited.then(() => false);
  let delay = 25;
  while (Date.now() < deadline && !child.hasExited()) {
    const budget = Math.max(200, Math.min(2_000, deadline - Date.now()));
    const ready =
      (await Promise.race([portAccepts(port, budget), exited])) &&
      (await Promise.race([pingOnce(uri, budget), exited]));
    // A child that died right after the ping (e.g. could not bind) was not the server that answered.
    if (ready && !child.hasExited()) return;
    if (child.hasExited()) break;
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
  if (child.hasExited()) {
    const { code, signal } = await child.exited;
    throw new EngineStartError(
      `${child.name} exited before it was ready (code ${code ?? 'none'}, signal ${signal ?? 'none'})`,
      child.tail(),
    );
  }
  throw new EngineStartError(
    `${child.name} did not answer a ping on ${uri} within ${Math.round(timeoutMs / 1000)} s`,
    child.tail(),
  );
}
