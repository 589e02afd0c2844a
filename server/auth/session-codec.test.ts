import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SessionCodec } from './session-codec.js';

const SECRET = Buffer.from('a'.repeat(32));
const RESIDENT = '0123456789abcdef01234567';
const HOUR = 3_600_000;

describe('SessionCodec', () => {
  const codec = new SessionCodec(SECRET, 24 * HOUR);

  it('round-trips a resident id with issue and expiry times', () => {
    const now = Date.UTC(2026, 0, 1);
    const { value, expiresAt } = codec.encode(RESIDENT, now);
    expect(expiresAt.getTime()).toBe(now + 24 * HOUR);
    expect(codec.decode(value, now + HOUR)).toEqual({
      kind: 'valid',
      payload: { v: 1, sub: RESIDENT, iat: now / 1000, exp: (now + 24 * HOUR) / 1000 },
    });
  });

  it('says expired once the expiry has passed', () => {
    const { value } = codec.encode(RESIDENT, 0);
    expect(codec.decode(value, 24 * HOUR).kind).toBe('expired');
  });

  it('refuses a cookie signed with another secret', () => {
    const other = new SessionCodec(Buffer.from('b'.repeat(32)), 24 * HOUR);
    expect(codec.decode(other.encode(RESIDENT).value).kind).toBe('invalid');
  });

  it('refuses a payload altered after signing, even to extend its own expiry', () => {
    const { value } = codec.encode(RESIDENT, 0);
    const [, signature] = value.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, sub: RESIDENT, iat: 0, exp: 9_999_999_999 })).toString(
      'base64url',
    );
    expect(codec.decode(`${forged}.${signature}`, 1000).kind).toBe('invalid');
  });

  it.each(['', 'garbage', 'a.b', 'a.b.c', `${'x'.repeat(10)}.`])('refuses malformed %j', (value) => {
    expect(codec.decode(value).kind).toBe('invalid');
  });

  it('refuses a correctly signed payload of the wrong shape', () => {
    const body = Buffer.from(JSON.stringify({ v: 1, sub: 'not-an-id', iat: 0, exp: 9e9 })).toString(
      'base64url',
    );
    const signature = createHmac('sha256', SECRET).update(body).digest('base64url');
    expect(codec.decode(`${body}.${signature}`).kind).toBe('invalid');
  });
});
