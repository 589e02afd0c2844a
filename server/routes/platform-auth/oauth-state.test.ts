import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { deriveStateKey, OAUTH_STATE_COOKIE, OAUTH_STATE_TTL_MS, OAuthStateCookie } from './oauth-state.js';

interface CookieWrite {
  value: string;
  options: { httpOnly?: boolean; sameSite?: string; path?: string; expires?: Date };
}

/** The cookie jar of one browser across requests; each `ctx()` is one request from it. */
function browser() {
  const jar = new Map<string, string>();
  const writes: CookieWrite[] = [];
  const ctx = () =>
    ({
      secure: false,
      cookies: {
        get: (name: string) => jar.get(name),
        set: (name: string, value: string, options: CookieWrite['options']) => {
          writes.push({ value, options });
          if (value) jar.set(name, value);
          else jar.delete(name);
        },
      },
    }) as unknown as Context;
  return { jar, writes, ctx };
}

const KEY = deriveStateKey(Buffer.from('session-secret-for-tests-0123456789abcdef'));

describe('OAuthStateCookie', () => {
  it('issues a platform-safe state in an httpOnly, lax, short-lived cookie scoped to /api/auth/', () => {
    const now = 1_700_000_000_000;
    const states = new OAuthStateCookie(KEY, () => now);
    const b = browser();
    const state = states.issue(b.ctx(), 'wecom');
    expect(state).toMatch(/^[a-f0-9]{32}$/);
    expect(b.writes[0]!.options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/api/auth/' });
    expect(b.writes[0]!.options.expires?.getTime()).toBe(now + OAUTH_STATE_TTL_MS);
    expect(states.take(b.ctx(), 'wecom', state)).toBe('ok');
  });

  it('is single use: the cookie is cleared by the first callback whatever its outcome', () => {
    const states = new OAuthStateCookie(KEY);
    const b = browser();
    const state = states.issue(b.ctx(), 'wechat');
    expect(states.take(b.ctx(), 'wechat', 'someone-elses-state')).toBe('mismatch');
    expect(b.jar.has(OAUTH_STATE_COOKIE)).toBe(false);
    expect(states.take(b.ctx(), 'wechat', state)).toBe('missing');
  });

  it('refuses another platform’s state, an expired one, a tampered one and one signed with another key', () => {
    let now = 1_700_000_000_000;
    const states = new OAuthStateCookie(KEY, () => now);

    const a = browser();
    const forWecom = states.issue(a.ctx(), 'wecom');
    expect(states.take(a.ctx(), 'wechat', forWecom)).toBe('mismatch');

    const b = browser();
    const late = states.issue(b.ctx(), 'wecom');
    now += OAUTH_STATE_TTL_MS + 1_000;
    expect(states.take(b.ctx(), 'wecom', late)).toBe('expired');

    const c = browser();
    const state = states.issue(c.ctx(), 'wecom');
    const [platform, , expires, mac] = c.jar.get(OAUTH_STATE_COOKIE)!.split('.');
    c.jar.set(OAUTH_STATE_COOKIE, [platform, 'f'.repeat(32), expires, mac].join('.'));
    expect(states.take(c.ctx(), 'wecom', 'f'.repeat(32))).toBe('forged');

    const d = browser();
    const other = new OAuthStateCookie(
      deriveStateKey(Buffer.from('another-servers-secret-0123456789abcdef')),
      () => now,
    );
    const foreign = other.issue(d.ctx(), 'wecom');
    expect(states.take(d.ctx(), 'wecom', foreign)).toBe('forged');
    expect(state).not.toBe(foreign);
  });
});
