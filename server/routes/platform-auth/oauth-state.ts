import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

export const OAUTH_STATE_COOKIE = 'nb_oauth_state';
/** Platforms' codes live five minutes; a sign-in not finished in ten has been abandoned. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
const COOKIE_PATH = '/api/auth/';

export type StateCheck = 'ok' | 'missing' | 'forged' | 'expired' | 'mismatch';

/**
 * The OAuth `state` of a redirect sign-in, kept in a short-lived HMAC-signed cookie that names the
 * platform and the expiry: a callback is accepted only from the browser that started it, once.
 */
export class OAuthStateCookie {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(key: Buffer, now: () => number = Date.now) {
    this.#key = key;
    this.#now = now;
  }

  /** Makes a fresh state, sets the cookie, and returns the state for the authorize URL. */
  issue(ctx: Context, platform: string): string {
    // Platforms accept 1-128 characters of a-zA-Z0-9 only, so hex.
    const state = randomBytes(16).toString('hex');
    const expiresAt = this.#now() + OAUTH_STATE_TTL_MS;
    const body = `${platform}.${state}.${Math.floor(expiresAt / 1000)}`;
    ctx.cookies.set(OAUTH_STATE_COOKIE, `${body}.${this.#sign(body)}`, {
      ...cookieOptions(ctx),
      expires: new Date(expiresAt),
    });
    return state;
  }

  /** Checks the callback's state against the cookie and clears the cookie whatever the outcome. */
  take(ctx: Context, platform: string, state: string): StateCheck {
    const value = ctx.cookies.get(OAUTH_STATE_COOKIE);
    if (!value) return 'missing';
    ctx.cookies.set(OAUTH_STATE_COOKIE, '', { ...cookieOptions(ctx), expires: new Date(0) });
    const parts = value.split('.');
    if (parts.length !== 4) return 'forged';
    const [cookiePlatform, cookieState, expires, mac] = parts as [string, string, string, string];
    if (!equal(this.#sign(`${cookiePlatform}.${cookieState}.${expires}`), mac)) return 'forged';
    if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= this.#now()) return 'expired';
    return cookiePlatform === platform && equal(cookieState, state) ? 'ok' : 'mismatch';
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/** A key of its own for state cookies, derived so a session signature can never pass as one. */
export function deriveStateKey(sessionSecret: Buffer): Buffer {
  return createHmac('sha256', sessionSecret).update('nb-oauth-state-v1').digest();
}

const cookieOptions = (ctx: Context) => ({
  httpOnly: true,
  // Lax: the platform sends the browser back with a top-level GET, which still carries the cookie.
  sameSite: 'lax' as const,
  secure: ctx.secure,
  path: COOKIE_PATH,
  signed: false,
  overwrite: true,
});

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
