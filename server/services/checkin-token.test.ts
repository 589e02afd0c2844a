import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHECKIN_PERIOD_MS, CheckinTokens } from './checkin-token.js';

const EVENT = '65a1b2c3d4e5f6a7b8c9d0e1';
const OTHER = '65a1b2c3d4e5f6a7b8c9d0e2';

/** Tokens on a clock the test moves. */
function clock(start = 1_700_000_000_000) {
  let now = start;
  const key = randomBytes(32);
  return {
    tokens: new CheckinTokens(key, () => now),
    other: new CheckinTokens(randomBytes(32), () => now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('CheckinTokens: QR tokens', () => {
  it('accepts the current window and the previous one (grace), refuses older as expired', () => {
    const { tokens, advance } = clock();
    const token = tokens.token(EVENT);
    expect(tokens.verifyToken(EVENT, token)).toEqual({ ok: true, window: tokens.currentWindow() });
    advance(CHECKIN_PERIOD_MS);
    expect(tokens.verifyToken(EVENT, token).ok).toBe(true);
    advance(CHECKIN_PERIOD_MS);
    expect(tokens.verifyToken(EVENT, token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses as forged: another key, another event, an edited window, a truncated signature', () => {
    const { tokens, other } = clock();
    expect(tokens.verifyToken(EVENT, other.token(EVENT))).toEqual({ ok: false, reason: 'forged' });
    expect(tokens.verifyToken(OTHER, tokens.token(EVENT))).toEqual({ ok: false, reason: 'forged' });
    const [id, window, sig] = tokens.token(EVENT).split('.');
    expect(tokens.verifyToken(EVENT, `${id}.${Number(window) + 1}.${sig}`).ok).toBe(false);
    expect(tokens.verifyToken(EVENT, `${id}.${window}.${sig!.slice(0, 20)}`)).toEqual({
      ok: false,
      reason: 'forged',
    });
    expect(tokens.verifyToken(EVENT, 'garbage')).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses a genuine token for a window far in the future', () => {
    const { tokens } = clock();
    const future = tokens.token(EVENT, tokens.currentWindow() + 5);
    expect(tokens.verifyToken(EVENT, future)).toEqual({ ok: false, reason: 'forged' });
  });

  it('reads the event id out of a token', () => {
    const { tokens } = clock();
    expect(CheckinTokens.eventIdOf(tokens.token(EVENT))).toBe(EVENT);
    expect(CheckinTokens.eventIdOf('nope')).toBeNull();
  });
});

describe('CheckinTokens: six-digit codes', () => {
  it('rotates every period, accepts the previous code, then calls it expired', () => {
    const { tokens, advance } = clock();
    const code = tokens.code(EVENT);
    expect(code).toMatch(/^\d{6}$/);
    expect(tokens.verifyCode(EVENT, code).ok).toBe(true);
    advance(CHECKIN_PERIOD_MS);
    expect(tokens.code(EVENT)).not.toBe(code);
    expect(tokens.verifyCode(EVENT, code).ok).toBe(true);
    advance(2 * CHECKIN_PERIOD_MS);
    expect(tokens.verifyCode(EVENT, code)).toEqual({ ok: false, reason: 'expired' });
  });

  it('calls a code of another event or key forged', () => {
    const { tokens, other } = clock();
    const code = tokens.code(EVENT);
    expect(tokens.verifyCode(OTHER, code).ok).toBe(tokens.code(OTHER) === code);
    const foreign = other.code(EVENT);
    expect(tokens.verifyCode(EVENT, foreign).ok).toBe(false);
    expect(tokens.verifyCode(EVENT, '12345')).toEqual({ ok: false, reason: 'forged' });
  });

  it('derives the same codes from the same secret', () => {
    const secret = randomBytes(32);
    const a = CheckinTokens.fromSecret(secret, () => 1_000_000);
    const b = CheckinTokens.fromSecret(secret, () => 1_000_000);
    expect(a.code(EVENT)).toBe(b.code(EVENT));
    expect(b.verifyToken(EVENT, a.token(EVENT)).ok).toBe(true);
  });
});
