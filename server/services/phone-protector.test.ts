import { describe, expect, it } from 'vitest';
import { PhoneProtector } from './phone-protector.js';

const protector = new PhoneProtector(Buffer.alloc(32, 3));

describe('PhoneProtector', () => {
  it('stores a masked form, a lookup hash and a ciphertext, none containing the number', () => {
    const stored = protector.protect('13812341234')!;
    expect(stored.masked).toBe('138****1234');
    for (const value of [stored.hash, stored.cipher]) expect(value).not.toContain('13812341234');
    expect(protector.reveal(stored.cipher)).toBe('13812341234');
  });

  it('normalises the ways people write a number before hashing, so lookups match', () => {
    const hash = protector.hashOf('13812341234');
    expect(protector.hashOf('+86 138-1234-1234')).toBe(hash);
    expect(protector.hashOf('0086 13812341234')).toBe(hash);
    expect(protector.protect('138 1234 1234')!.hash).toBe(hash);
  });

  it('encrypts the same number differently each time', () => {
    expect(protector.protect('13812341234')!.cipher).not.toBe(protector.protect('13812341234')!.cipher);
  });

  it.each(['12812341234', '1381234123', '138123412345', '02112345678', 'abc'])('refuses %j', (input) => {
    expect(protector.protect(input)).toBeNull();
    expect(protector.hashOf(input)).toBeNull();
  });

  it('another key neither matches the hash nor opens the ciphertext', () => {
    const other = new PhoneProtector(Buffer.alloc(32, 4));
    const stored = protector.protect('13812341234')!;
    expect(other.hashOf('13812341234')).not.toBe(stored.hash);
    expect(() => other.reveal(stored.cipher)).toThrow();
  });

  it('detects a tampered ciphertext', () => {
    const { cipher } = protector.protect('13812341234')!;
    // Flip one bit of the sealed number itself, so the change survives base64url decoding.
    const [version, packed] = cipher.split('.');
    const raw = Buffer.from(packed!, 'base64url');
    raw[raw.length - 1]! ^= 0x01;
    const tampered = `${version}.${raw.toString('base64url')}`;
    expect(tampered).not.toBe(cipher);
    expect(() => protector.reveal(tampered)).toThrow();
  });
});
