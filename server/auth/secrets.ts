import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class SecretError extends Error {
  override name = 'SecretError';
}

/** A 32-byte key written as 64 hex digits or as base64; anything else is refused. */
export function decodeKey32(value: string, name: string): Buffer {
  const text = value.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(text)) key = Buffer.from(text, 'base64');
  else if (/^[A-Za-z0-9_-]{43}$/.test(text)) key = Buffer.from(text, 'base64url');
  if (key?.length !== 32) throw new SecretError(`${name} must be 32 bytes, as 64 hex digits or base64`);
  return key;
}

/**
 * The key in `<dataDir>/<file>`, created on first start with mode 0600. The new key is written to a
 * temporary file and hard-linked into place, so two processes starting together agree on one key and
 * neither ever reads a half-written file.
 */
export async function loadOrCreateKeyFile(dataDir: string, file: string): Promise<Buffer> {
  const target = path.join(dataDir, file);
  const read = async () => decodeKey32(await readFile(target, 'utf8'), target);
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
  return read();
}

export interface Secrets {
  /** Encrypts and fingerprints personal data (phone numbers). */
  dataKey: Buffer;
  /** Signs session cookies. */
  sessionSecret: Buffer;
}

/** Configured secrets win; otherwise each is kept in a file under the data directory. */
export async function loadSecrets(settings: {
  dataDir: string;
  DATA_KEY?: string;
  SESSION_SECRET?: string;
}): Promise<Secrets> {
  const dataKey = settings.DATA_KEY
    ? decodeKey32(settings.DATA_KEY, 'DATA_KEY')
    : await loadOrCreateKeyFile(settings.dataDir, 'data-key');
  const sessionSecret = settings.SESSION_SECRET
    ? Buffer.from(settings.SESSION_SECRET, 'utf8')
    : await loadOrCreateKeyFile(settings.dataDir, 'session-secret');
  return { dataKey, sessionSecret };
}
