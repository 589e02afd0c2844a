import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { timingSafeEqual } from 'node:crypto';

/**
 * WeCom's callback crypto (加解密方案说明): msg_signature = sha1 over the sorted token, timestamp, nonce
 * and ciphertext; the ciphertext is base64(AES-256-CBC(random16 ‖ uint32be(len) ‖ msg ‖ receiveId)),
 * PKCS#7-padded to 32 bytes, key = base64(EncodingAESKey + '='), iv = the key's first 16 bytes.
 * The algorithm comes from @wecom/crypto; this file adds the checks it leaves out.
 */

export type WeComCryptoFailure = 'bad_key' | 'undecryptable';

export class WeComCryptoError extends Error {
  constructor(
    readonly reason: WeComCryptoFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WeComCryptoError';
  }
}

export interface Decrypted {
  message: string;
  receiveId: string;
}

const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;
const SIGNATURE = /^[0-9a-f]{40}$/i;

/** Throws when the key is not 43 letters and digits that decode to 32 bytes (a configuration mistake). */
export function assertEncodingAesKey(encodingAesKey: string): void {
  if (!ENCODING_AES_KEY.test(encodingAesKey) || Buffer.from(`${encodingAesKey}=`, 'base64').length !== 32) {
    throw new WeComCryptoError('bad_key', 'the WeCom EncodingAESKey must be 43 letters and digits');
  }
}

/** Hex sha1 of the four values sorted as strings and joined. */
export function wecomSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return getSignature(token, timestamp, nonce, encrypted);
}

/** Compares in constant time; anything that is not 40 hex digits fails. */
export function verifyWeComSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
  signature: string,
): boolean {
  if (!SIGNATURE.test(signature)) return false;
  const expected = Buffer.from(wecomSignature(token, timestamp, nonce, encrypted), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature.toLowerCase(), 'hex'));
}

/** base64 ciphertext of `message` for `receiveId`; `random` is for reproducible tests only. */
export function encryptWeCom(
  encodingAesKey: string,
  message: string,
  receiveId: string,
  random?: Buffer,
): string {
  assertEncodingAesKey(encodingAesKey);
  return encrypt(encodingAesKey, message, receiveId, random);
}

/**
 * Decrypts and proves the plaintext well formed: @wecom/crypto neither checks the padding nor the
 * length field and decodes invalid UTF-8 lossily, so the result is re-encrypted with the same random
 * bytes and must reproduce the ciphertext exactly (WeCom pads to 32 bytes, as both documented vectors do).
 */
export function decryptWeCom(encodingAesKey: string, encrypted: string): Decrypted {
  assertEncodingAesKey(encodingAesKey);
  if (!BASE64.test(encrypted) || Buffer.from(encrypted, 'base64').length % 32 !== 0) {
    throw new WeComCryptoError('undecryptable', 'the ciphertext is not base64 of whole 32-byte blocks');
  }
  let plain: ReturnType<typeof decrypt>;
  try {
    plain = decrypt(encodingAesKey, encrypted);
  } catch {
    throw new WeComCryptoError('undecryptable', 'the ciphertext does not decrypt');
  }
  if (
    plain.random.length !== 16 ||
    encrypt(encodingAesKey, plain.message, plain.id, plain.random) !== encrypted
  ) {
    throw new WeComCryptoError('undecryptable', 'the plaintext is malformed (padding, length or encoding)');
  }
  return { message: plain.message, receiveId: plain.id };
}
