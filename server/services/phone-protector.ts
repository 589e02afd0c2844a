import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { isMainlandMobile, maskPhone, normalizePhone } from '../../shared/schemas/phone.js';
import type { ProtectedPhone } from '../repositories/resident.repository.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Phone numbers at rest: a masked form for display, an HMAC for exact lookup, and the number itself
 * under AES-256-GCM. Separate keys for the two uses are derived from DATA_KEY, so the lookup hash
 * reveals nothing about the encryption key.
 */
export class PhoneProtector {
  private readonly encryptionKey: Buffer;
  private readonly lookupKey: Buffer;

  constructor(dataKey: Buffer) {
    if (dataKey.length !== 32) throw new Error('the data key must be 32 bytes');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'phone-encryption', 32));
    this.lookupKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'phone-lookup', 32));
  }

  /** The stored forms of a number as people type it; null when it is not a mainland mobile number. */
  protect(input: string): ProtectedPhone | null {
    const phone = normalizePhone(input);
    if (!isMainlandMobile(phone)) return null;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const sealed = Buffer.concat([cipher.update(phone, 'utf8'), cipher.final()]);
    const packed = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
    return { masked: maskPhone(phone), hash: this.hashOf(phone)!, cipher: `${VERSION}.${packed}` };
  }

  /** The lookup HMAC of a number as typed; null when it is not a mainland mobile number. */
  hashOf(input: string): string | null {
    const phone = normalizePhone(input);
    if (!isMainlandMobile(phone)) return null;
    return createHmac('sha256', this.lookupKey).update(phone).digest('base64url');
  }

  /** The plain number; only for callers the policy allowed to see it (e.g. a roster export). */
  reveal(stored: string): string {
    const [version, packed] = stored.split('.');
    if (version !== VERSION || !packed) throw new Error('unknown phone cipher format');
    const raw = Buffer.from(packed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }
}
