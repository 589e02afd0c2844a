import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/**
 * Credentials at rest: AES-256-GCM under a key derived from DATA_KEY for one purpose, so it is never
 * the key that protects phone numbers. The associated data (a record's id) binds each ciphertext to
 * its record: one copied onto another record does not open.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(dataKey: Buffer, purpose: string) {
    if (dataKey.length !== 32) throw new Error('the data key must be 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `secret-box:${purpose}`, 32));
  }

  seal(value: unknown, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /** The sealed value; throws when it was altered, moved to another record or sealed under another key. */
  open(stored: string, associatedData: string): unknown {
    const [version, packed] = stored.split('.');
    if (version !== VERSION || !packed) throw new SecretBoxError('unknown sealed format');
    const raw = Buffer.from(packed, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('sealed value too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      throw new SecretBoxError('sealed value does not open');
    }
  }
}
