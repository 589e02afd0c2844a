import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineStartError, EngineUnavailableError, redactUri, startEngine } from './engine.js';
import { FERRETDB_VERSION } from './ferretdb-build.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return !isAlive(pid);
}

describe('redactUri', () => {
  it.each([
    [
      'mongodb://app:s3cret@db1:27017,db2:27017/nb?replicaSet=rs0',
      'mongodb://app:***@db1:27017,db2:27017/nb?replicaSet=rs0',
    ],
    ['mongodb+srv://app:s3cret@cluster.example.net/nb', 'mongodb+srv://app:***@cluster.example.net/nb'],
    ['postgres://postgres:pa:ss@127.0.0.1:5432/test', 'postgres://postgres:***@127.0.0.1:5432/test'],
    ['mongodb://app:p@ss@db1/nb', 'mongodb://app:***@db1/nb'],
    ['mongodb://app@db1/nb', 'mongodb://app@db1/nb'],
    ['mongodb://127.0.0.1:27017/?directConnection=true', 'mongodb://127.0.0.1:27017/?directConnection=true'],
    ['mongodb://db1/nb?authSource=admin#x@y', 'mongodb://db1/nb?authSource=admin#x@y'],
  ])('redacts %s', (uri, expected) => {
    expect(redactUri(uri)).toBe(expected);
  });
});

describe('startEngine', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'engine-unit-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const nothingInstalled = () => ({
    dataDir: join(dir, 'data'),
    searchPath: '',
    cacheDir: join(dir, 'no-such-cache'),
  });

  /** A stand-in FerretDB binary in a fresh cache directory. */
  async function fakeFerretDb(script: string): Promise<string> {
    const cacheDir = join(dir, 'cache');
    await mkdir(join(cacheDir, FERRETDB_VERSION), { recursive: true });
    const binary = join(cacheDir, FERRETDB_VERSION, 'ferretdb');
    await writeFile(binary, `#!/bin/sh\n${script}\n`);
    await chmod(binary, 0o755);
    return cacheDir;
  }

  describe('external', () => {
    it('uses MONGODB_URI as given, starts nothing and never describes the password', async () => {
      const uri = 'mongodb://app:s3cret@db1:27017,db2:27017/nb?replicaSet=rs0';
      const engine = await startEngine({ ...nothingInstalled(), mongodbUri: uri });

      expect(engine.kind).toBe('external');
      expect(engine.uri).toBe(uri);
      expect(engine.pid).toBeUndefined();
      expect(engine.describe()).toContain('app:***@db1:27017');
      expect(engine.describe()).not.toContain('s3cret');
      await engine.stop();
    });
  });

  describe('when nothing is available', () => {
    it('throws EngineUnavailableError saying what to install', async () => {
      const err = await startEngine(nothingInstalled()).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(EngineUnavailableError);
      const { message } = err as Error;
      expect(message).toContain('Go 1.21+');
      expect(message).toContain('npm run engine:build');
      expect(message).toContain('install MongoDB');
      expect(message).toContain('MONGODB_URI');
    });

    it('names mongod when mongod was asked for and is missing', async () => {
      const err = await startEngine({ ...nothingInstalled(), engine: 'mongod' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineUnavailableError);
      expect((err as Error).message).toMatch(/no `mongod` is on PATH/);
    });

    it('asks for postgresUrl when ferretdb-postgresql has none', async () => {
      const err = await startEngine({ ...nothingInstalled(), engine: 'ferretdb-postgresql' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EngineUnavailableError);
      expect((err as Error).message).toMatch(/needs postgresUrl/);
    });
  });

  describe('when the engine fails to start', () => {
    it('reports the exit and the last stderr lines', async () => {
      const cacheDir = await fakeFerretDb(
        'echo "opening state dir" >&2\necho "fatal: disk is read-only" >&2\nexit 3',
      );
      const err = await startEngine({ ...nothingInstalled(), cacheDir }).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(EngineStartError);
      expect((err as Error).message).toMatch(/ferretdb exited before it was ready \(code 3/);
      expect((err as Error).message).toContain('fatal: disk is read-only');
    });

    it('times out when the port never answers a ping, and kills the child', async () => {
      const pidFile = join(dir, 'pid');
      const cacheDir = await fakeFerretDb(`echo "listening soon" >&2\necho $$ > ${pidFile}\nexec sleep 30`);
      const err = await startEngine({ ...nothingInstalled(), cacheDir, readyTimeoutMs: 600 }).catch(
        (e: unknown) => e,
      );

      expect(err).toBeInstanceOf(EngineStartError);
      expect((err as Error).message).toMatch(/did not answer a ping/);
      expect((err as Error).message).toContain('listening soon');
      const pid = Number(await readFile(pidFile, 'utf8'));
      expect(await waitUntilGone(pid)).toBe(true);
    });

    it('refuses a fixed port that something else already holds', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const cacheDir = await fakeFerretDb('exit 1');
      try {
        const err = await startEngine({ ...nothingInstalled(), cacheDir, port }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(EngineStartError);
        expect((err as Error).message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      } finally {
        server.close();
      }
    });

    it('starts mongod from the search path with the documented flags', async () => {
      const binDir = join(dir, 'bin');
      const argsFile = join(dir, 'mongod-args');
      await mkdir(binDir);
      await writeFile(join(binDir, 'mongod'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${argsFile}\nexit 1\n`);
      await chmod(join(binDir, 'mongod'), 0o755);

      const err = await startEngine({ ...nothingInstalled(), searchPath: binDir, port: 27124 }).catch(
        (e: unknown) => e,
      );

      expect((err as Error).message).toMatch(/mongod exited before it was ready/);
      const dbPath = join(dir, 'data', 'mongod');
      expect((await readFile(argsFile, 'utf8')).trim().split('\n')).toEqual([
        '--dbpath',
        dbPath,
        '--bind_ip',
        '127.0.0.1',
        '--port',
        '27124',
      ]);
      expect(existsSync(dbPath)).toBe(true);
    });

    it('passes the documented FerretDB flags', async () => {
      const argsFile = join(dir, 'args');
      const cacheDir = await fakeFerretDb(`printf '%s\\n' "$@" > ${argsFile}\nexit 1`);
      await startEngine({ ...nothingInstalled(), cacheDir, port: 27123 }).catch(() => undefined);

      const dbDir = join(dir, 'data', 'db');
      expect((await readFile(argsFile, 'utf8')).trim().split('\n')).toEqual([
        '--handler=sqlite',
        `--sqlite-url=file:${dbDir}/`,
        '--listen-addr=127.0.0.1:27123',
        '--telemetry=disable',
        '--debug-addr=-',
        `--state-dir=${dbDir}`,
        '--log-level=error',
      ]);
      expect(existsSync(dbDir)).toBe(true);
    });
  });
});
