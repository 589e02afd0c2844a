import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertEncodingAesKey,
  decryptWeCom,
  encryptWeCom,
  verifyWeComSignature,
  wecomSignature,
  WeComCryptoError,
} from './wecom-crypto.js';

// The worked example in WeCom's 加解密方案说明 (举例说明) and the official sample code.
const DOC = {
  corpId: 'wx5823bf96d3bd56c7',
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  post: {
    signature: '477715d11cdb4164915debcba66cb864d751f3e6',
    timestamp: '1409659813',
    nonce: '1372623149',
    encrypt:
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  },
  get: {
    signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
    timestamp: '1409659589',
    nonce: '263014780',
    echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
    plaintext: '1616140317555161061',
  },
};

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** The documented algorithm written out with node:crypto alone, so the wrapper is not tested by itself. */
function aesKey(encodingAesKey: string): Buffer {
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

function encryptByHand(encodingAesKey: string, message: string, receiveId: string, padTo = 32): string {
  const key = aesKey(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length);
  const plain = Buffer.concat([randomBytes(16), length, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = padTo - (plain.length % padTo);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

function encryptRaw(encodingAesKey: string, plain: Buffer): string {
  const key = aesKey(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function decryptByHand(encodingAesKey: string, encrypted: string): { message: string; receiveId: string } {
  const key = aesKey(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const unpadded = plain.subarray(0, plain.length - plain[plain.length - 1]!);
  const length = unpadded.readUInt32BE(16);
  return {
    message: unpadded.subarray(20, 20 + length).toString('utf8'),
    receiveId: unpadded.subarray(20 + length).toString('utf8'),
  };
}

function undecryptable(encrypted: string, key = KEY): string | undefined {
  try {
    decryptWeCom(key, encrypted);
    return undefined;
  } catch (err) {
    return err instanceof WeComCryptoError ? err.reason : 'other';
  }
}

describe('the documented example', () => {
  it('reproduces the callback msg_signature and decrypts the message for the CorpID', () => {
    const { signature, timestamp, nonce, encrypt } = DOC.post;
    expect(wecomSignature(DOC.token, timestamp, nonce, encrypt)).toBe(signature);
    expect(verifyWeComSignature(DOC.token, timestamp, nonce, encrypt, signature)).toBe(true);
    const { message, receiveId } = decryptWeCom(DOC.encodingAesKey, encrypt);
    expect(receiveId).toBe(DOC.corpId);
    expect(message).toContain('<Content><![CDATA[hello]]></Content>');
    expect(message).toContain('<MsgId>4561255354251345929</MsgId>');
  });

  it('reproduces the URL-verification signature over echostr and its plaintext', () => {
    const { signature, timestamp, nonce, echostr, plaintext } = DOC.get;
    expect(verifyWeComSignature(DOC.token, timestamp, nonce, echostr, signature)).toBe(true);
    expect(decryptWeCom(DOC.encodingAesKey, echostr)).toEqual({ message: plaintext, receiveId: DOC.corpId });
  });

  it('computes the signature the way the docs spell it out: sha1 of the four values sorted and joined', () => {
    const { timestamp, nonce, encrypt } = DOC.post;
    const byHand = createHash('sha1')
      .update([DOC.token, timestamp, nonce, encrypt].sort().join(''))
      .digest('hex');
    expect(wecomSignature(DOC.token, timestamp, nonce, encrypt)).toBe(byHand);
  });
});

describe('verifyWeComSignature', () => {
  const args = [DOC.token, DOC.post.timestamp, DOC.post.nonce, DOC.post.encrypt] as const;

  it('accepts upper-case hex and refuses any other token, nonce, body or malformed signature', () => {
    expect(verifyWeComSignature(...args, DOC.post.signature.toUpperCase())).toBe(true);
    expect(verifyWeComSignature('other', args[1], args[2], args[3], DOC.post.signature)).toBe(false);
    expect(verifyWeComSignature(args[0], args[1], '1372623148', args[3], DOC.post.signature)).toBe(false);
    expect(verifyWeComSignature(args[0], args[1], args[2], `${args[3]}x`, DOC.post.signature)).toBe(false);
    expect(verifyWeComSignature(...args, DOC.post.signature.slice(0, 39))).toBe(false);
    expect(verifyWeComSignature(...args, 'z'.repeat(40))).toBe(false);
    expect(verifyWeComSignature(...args, '')).toBe(false);
  });
});

describe('encryptWeCom and decryptWeCom', () => {
  it('round-trip Chinese, emoji, XML and JSON, with a CorpID or the robot’s empty receive id', () => {
    for (const [message, receiveId] of [
      ['<xml><Content><![CDATA[3栋电梯坏了 🚧]]></Content></xml>', 'ww7ca4776b2a70000'],
      ['{"msgid":"m1","text":{"content":"@社区小助手 #报事 路灯不亮"}}', ''],
      ['', ''],
      ['x'.repeat(5_000), 'corp'],
    ] as const) {
      const encrypted = encryptWeCom(KEY, message, receiveId);
      expect(decryptWeCom(KEY, encrypted)).toEqual({ message, receiveId });
    }
  });

  it('agrees with the algorithm written out by hand, in both directions', () => {
    const message = '{"msgtype":"text","text":{"content":"@机器人 #意见 多种树"}}';
    expect(decryptWeCom(KEY, encryptByHand(KEY, message, ''))).toEqual({ message, receiveId: '' });
    expect(decryptByHand(KEY, encryptWeCom(KEY, message, 'corp-1'))).toEqual({
      message,
      receiveId: 'corp-1',
    });
  });

  it('uses fresh random bytes, so the same message never encrypts the same way twice', () => {
    expect(encryptWeCom(KEY, 'hello', 'corp')).not.toBe(encryptWeCom(KEY, 'hello', 'corp'));
  });

  it('refuses text that is not whole 32-byte blocks of base64', () => {
    expect(undecryptable('not base64!')).toBe('undecryptable');
    expect(undecryptable(Buffer.alloc(16).toString('base64'))).toBe('undecryptable');
    expect(undecryptable(`${encryptWeCom(KEY, 'hello', 'corp')}\n`)).toBe('undecryptable');
    expect(undecryptable('')).toBe('undecryptable');
  });

  it('refuses a ciphertext under another key, a flipped bit, bad padding and a lying length field', () => {
    const good = encryptWeCom(KEY, 'hello world', 'corp');
    expect(undecryptable(good, 'ZZZdefghijklmnopqrstuvwxyz0123456789ABCDEFG')).toBe('undecryptable');

    const flipped = Buffer.from(good, 'base64');
    flipped[flipped.length - 1]! ^= 0x01;
    expect(undecryptable(flipped.toString('base64'))).toBe('undecryptable');

    const body = Buffer.concat([randomBytes(16), Buffer.from([0, 0, 0, 5]), Buffer.from('hellocorp')]);
    // 29 bytes + three of padding whose last byte says 3 but whose others do not.
    const badPad = Buffer.concat([body, Buffer.from([1, 2, 3])]);
    expect(undecryptable(encryptRaw(KEY, badPad))).toBe('undecryptable');

    const lying = Buffer.concat([randomBytes(16), Buffer.from([0, 0, 1, 0]), Buffer.from('hellocorp')]);
    const lyingPadded = Buffer.concat([lying, Buffer.alloc(32 - lying.length, 32 - lying.length)]);
    expect(undecryptable(encryptRaw(KEY, lyingPadded))).toBe('undecryptable');
  });

  it('refuses a message that is not UTF-8 instead of decoding it lossily', () => {
    const bytes = Buffer.concat([
      randomBytes(16),
      Buffer.from([0, 0, 0, 2]),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('c'),
    ]);
    const padded = Buffer.concat([bytes, Buffer.alloc(32 - bytes.length, 32 - bytes.length)]);
    expect(undecryptable(encryptRaw(KEY, padded))).toBe('undecryptable');
  });
});

describe('assertEncodingAesKey', () => {
  it('accepts 43 letters and digits and refuses anything else', () => {
    expect(() => assertEncodingAesKey(KEY)).not.toThrow();
    for (const bad of ['', KEY.slice(1), `${KEY}A`, `${KEY.slice(1)}+`, `${KEY.slice(1)}=`]) {
      expect(() => assertEncodingAesKey(bad)).toThrow(WeComCryptoError);
    }
  });
});
