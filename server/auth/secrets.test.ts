import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeKey32, loadOrCreateKeyFile, loadSecrets, SecretError } from './secrets.js';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'nb-secrets-'));
  dirs.push(dir);
  return dir;
};

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('decodeKey32', () => {
  const key = Buffer.alloc(32, 7);

  it('accepts 32 bytes as hex, base64 or base64url', () => {
    expect(decodeKey32(key.toString('hex'), 'K')).toEqual(key);
    expect(decodeKey32(key.toString('base64'), 'K')).toEqual(key);
    expect(decodeKey32(key.toString('base64url'), 'K')).toEqual(key);
  });

  it.each(['', 'short', Buffer.alloc(16).toString('hex'), Buffer.alloc(33).toString('base64')])(
    'refuses %j, naming the setting',
    (value) => {
      expect(() => decodeKey32(value, 'DATA_KEY')).toThrow(SecretError);
      expect(() => decodeKey32(value, 'DATA_KEY')).toThrow(/DATA_KEY/);
    },
  );
});

describe('loadOrCreateKeyFile', () => {
  it('creates a 32-byte key readable only by its owner, and returns the same key afterwards', async () => {
    const dir = path.join(await tempDir(), 'nested');
    const first = await loadOrCreateKeyFile(dir, 'data-key');
    expect(first).toHaveLength(32);
    expect((await stat(path.join(dir, 'data-key'))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateKeyFile(dir, 'data-key')).toEqual(first);
  });

  it('gives every concurrent starter the same key', async () => {
    const dir = await tempDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(dir, 'data-key')));
    for (const key of keys) expect(key).toEqual(keys[0]);
    expect(decodeKey32(await readFile(path.join(dir, 'data-key'), 'utf8'), 'file')).toEqual(keys[0]);
  });
});

describe('loadSecrets', () => {
  it('uses configured values and writes nothing', async () => {
    const dir = await tempDir();
    const secrets = await loadSecrets({
      dataDir: dir,
      DATA_KEY: Buffer.alloc(32, 1).toString('hex'),
      SESSION_SECRET: 's'.repeat(40),
    });
    expect(secrets.dataKey).toEqual(Buffer.alloc(32, 1));
    expect(secrets.sessionSecret.toString()).toBe('s'.repeat(40));
    await expect(stat(path.join(dir, 'data-key'))).rejects.toThrow();
  });

  it('keeps separate generated keys for data and sessions', async () => {
    const dir = await tempDir();
    const secrets = await loadSecrets({ dataDir: dir });
    expect(secrets.dataKey).not.toEqual(secrets.sessionSecret);
    expect(await loadSecrets({ dataDir: dir })).toEqual(secrets);
  });
});
