import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from './secret-box.js';

const KEY = Buffer.alloc(32, 7);

describe('SecretBox', () => {
  it('opens what it sealed, and the stored form shows nothing of the value', () => {
    const box = new SecretBox(KEY, 'channels');
    const sealed = box.seal({ token: 'callbackToken123' }, 'channel:abc');
    expect(sealed).toMatch(/^v1\.[\w-]+$/);
    expect(sealed).not.toContain('callbackToken123');
    expect(box.open(sealed, 'channel:abc')).toEqual({ token: 'callbackToken123' });
    // A fresh IV each time: equal secrets do not give equal ciphertexts.
    expect(box.seal({ token: 'callbackToken123' }, 'channel:abc')).not.toBe(sealed);
  });

  it('refuses a value moved to another record, altered, or sealed for another purpose or key', () => {
    const box = new SecretBox(KEY, 'channels');
    const sealed = box.seal({ secret: 's' }, 'channel:abc');
    expect(() => box.open(sealed, 'channel:def')).toThrow(SecretBoxError);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64url')}`, 'channel:abc')).toThrow(SecretBoxError);
    expect(() => new SecretBox(KEY, 'other').open(sealed, 'channel:abc')).toThrow(SecretBoxError);
    expect(() => new SecretBox(Buffer.alloc(32, 8), 'channels').open(sealed, 'channel:abc')).toThrow(
      SecretBoxError,
    );
    expect(() => box.open('v0.abc', 'channel:abc')).toThrow(SecretBoxError);
  });
});
