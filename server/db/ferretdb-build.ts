import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FERRETDB_VERSION = 'v1.24.2';
export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
/** Oldest Go that can build it: 1.21+ fetches the go1.24 toolchain FerretDB's go.mod asks for by itself. */
export const MIN_GO_MINOR = 21;

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const defaultFerretDbCacheDir = join(repoRoot, '.cache', 'ferretdb');

export function ferretDbBinaryPath(cacheDir: string = defaultFerretDbCacheDir): string {
  return join(cacheDir, FERRETDB_VERSION, 'ferretdb');
}

/** Looks `name` up in a PATH-style list; empty entries are skipped rather than meaning the cwd. */
export function findExecutable(name: string, searchPath: string = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class FerretDbBuildError extends Error {
  constructor(message: string, output: string[] = []) {
    super(output.length ? `${message}\n  ${output.join('\n  ')}` : message);
    this.name = 'FerretDbBuildError';
  }
}

export interface EnsureFerretDbOptions {
  /** Progress lines for a person watching; the first build takes about a minute. */
  log?: (message: string) => void;
  /** Defaults to `<repo>/.cache/ferretdb`; the binary lands in `<cacheDir>/v1.24.2/ferretdb`. */
  cacheDir?: string;
  /** PATH used to find `go`; defaults to process.env.PATH. */
  searchPath?: string;
  /** Rebuild even when a binary is already cached. */
  force?: boolean;
}

// One build per binary path per process, however many engines start at once.
const inFlight = new Map<string, Promise<string | null>>();

/**
 * Returns the cached FerretDB binary, building it with Go when it is missing.
 * Resolves to null when the binary is missing and Go is not on the search path.
 */
export function ensureFerretDb(options: EnsureFerretDbOptions = {}): Promise<string | null> {
  const target = ferretDbBinaryPath(options.cacheDir);
  if (!options.force && isExecutable(target)) return Promise.resolve(target);
  let pending = inFlight.get(target);
  if (!pending) {
    pending = buildWithLock(target, options).finally(() => inFlight.delete(target));
    inFlight.set(target, pending);
  }
  return pending;
}

const LOCK_STALE_MS = 15 * 60_000;

async function buildWithLock(target: string, options: EnsureFerretDbOptions): Promise<string | null> {
  const log = options.log ?? (() => undefined);
  const go = findExecutable('go', options.searchPath);
  if (!go) return null;

  const binDir = join(target, '..');
  await mkdir(binDir, { recursive: true });
  const lockDir = join(binDir, '.build.lock');
  let waitingSince = 0;
  // Another process building the same binary: wait for it instead of compiling twice.
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const lockAge = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (lockAge > LOCK_STALE_MS) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!waitingSince) {
        waitingSince = Date.now();
        log(`Another process is building FerretDB ${FERRETDB_VERSION}; waiting for it`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      if (!options.force && isExecutable(target)) return target;
    }
  }
  try {
    if (!options.force && isExecutable(target)) return target;
    await buildFerretDb(go, target, log);
    return target;
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function buildFerretDb(go: string, target: string, log: (message: string) => void): Promise<void> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CGO_ENABLED: '0',
    GOWORK: 'off',
    GOFLAGS: '',
  };

  const goVersion = (await run(go, ['env', 'GOVERSION'], { env })).stdout.trim();
  const minor = /^go1\.(\d+)/.exec(goVersion)?.[1];
  if (!minor || Number(minor) < MIN_GO_MINOR) {
    throw new FerretDbBuildError(
      `FerretDB ${FERRETDB_VERSION} needs Go 1.${MIN_GO_MINOR}+ to build, but ${go} is ${goVersion || 'unknown'}`,
    );
  }
  log(
    `Building FerretDB ${FERRETDB_VERSION} with ${goVersion} into ${target} (first use only; takes about a minute)`,
  );

  const scratch = await mkdtemp(join(tmpdir(), 'ferretdb-build-'));
  const partial = join(target, '..', `.ferretdb-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    log(`Downloading ${FERRETDB_MODULE}@${FERRETDB_VERSION} source`);
    const download = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
      env,
      cwd: scratch,
      allowFailure: true,
    });
    const info = parseDownload(download.stdout);
    if (download.code !== 0 || !info.Dir) {
      throw new FerretDbBuildError(
        `go mod download failed for ${FERRETDB_MODULE}@${FERRETDB_VERSION}: ${info.Error ?? 'no source directory'}`,
        download.tail,
      );
    }

    // The module cache is read-only and lacks build/version/version.txt, without which the binary panics.
    const source = join(scratch, 'src');
    await cp(info.Dir, source, { recursive: true });
    await makeWritable(source);
    await writeFile(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);

    log('Compiling (CGO_ENABLED=0 go build -trimpath ./cmd/ferretdb)');
    const heartbeat = setInterval(
      () => log(`Still compiling FerretDB (${Math.round((Date.now() - started) / 1000)} s)`),
      15_000,
    );
    try {
      await run(go, ['build', '-trimpath', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], {
        env,
        cwd: source,
      });
    } finally {
      clearInterval(heartbeat);
    }

    const version = await run(partial, ['--version'], { env });
    if (!version.stdout.includes(`version: ${FERRETDB_VERSION}`)) {
      throw new FerretDbBuildError(`The built binary does not report ${FERRETDB_VERSION}`, version.tail);
    }
    await chmod(partial, 0o755);
    await rename(partial, target);
    log(`Built FerretDB ${FERRETDB_VERSION} in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    await rm(partial, { force: true });
    await makeWritable(scratch).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

function parseDownload(stdout: string): { Dir?: string; Error?: string } {
  try {
    return JSON.parse(stdout) as { Dir?: string; Error?: string };
  } catch {
    return {};
  }
}

async function makeWritable(dir: string): Promise<void> {
  const info = await stat(dir);
  await chmod(dir, info.mode | 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else if (entry.isFile()) await chmod(path, (await stat(path)).mode | 0o200);
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  tail: string[];
}

function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; allowFailure?: boolean },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8_000);
    });
    child.once('error', (err) => reject(new FerretDbBuildError(`Could not run ${command}: ${err.message}`)));
    child.once('close', (code) => {
      const tail = stderr.trim().split('\n').filter(Boolean).slice(-20);
      if (code !== 0 && !options.allowFailure) {
        reject(new FerretDbBuildError(`${command} ${args.join(' ')} exited with code ${code}`, tail));
        return;
      }
      resolve({ code, stdout, tail });
    });
  });
}
