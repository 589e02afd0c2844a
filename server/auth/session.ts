import type { Context, Middleware } from 'koa';
import { unauthorized } from '../errors.js';
import type { ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import { residentNotFound } from '../services/directory-errors.js';
import { SESSION_COOKIE, type SessionCodec } from './session-codec.js';

declare module 'koa' {
  interface DefaultContext {
    /** Reads, issues and clears session cookies (installed by `sessions()`). */
    sessions: SessionManager;
    /** The signed-in resident, once `auth()` has run and found one. */
    actor?: ResidentRecord;
  }
}

export type SessionState =
  { kind: 'none' } | { kind: 'invalid' } | { kind: 'expired' } | { kind: 'valid'; resident: ResidentRecord };

/** The session cookie of a request: who it names, whether it is genuine and still current. */
export class SessionManager {
  constructor(
    private readonly codec: SessionCodec,
    private readonly residents: Pick<ResidentRepository, 'findById'>,
  ) {}

  async read(ctx: Context): Promise<SessionState> {
    const value = ctx.cookies.get(SESSION_COOKIE);
    if (!value) return { kind: 'none' };
    const check = this.codec.decode(value);
    if (check.kind !== 'valid') return { kind: check.kind };
    const resident = await this.residents.findById(check.payload.sub);
    // A resident removed since sign-in has no session any more.
    return resident ? { kind: 'valid', resident } : { kind: 'invalid' };
  }

  async issue(ctx: Context, residentId: string): Promise<{ resident: ResidentRecord; expiresAt: Date }> {
    const resident = await this.residents.findById(residentId);
    if (!resident) throw residentNotFound();
    const { value, expiresAt } = this.codec.encode(resident.id);
    ctx.cookies.set(SESSION_COOKIE, value, { ...cookieOptions(ctx), expires: expiresAt });
    return { resident, expiresAt };
  }

  clear(ctx: Context): void {
    ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(ctx), expires: new Date(0) });
  }
}

const cookieOptions = (ctx: Context) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  // Behind TLS (the app trusts X-Forwarded-Proto) the cookie never travels in clear text.
  secure: ctx.secure,
  path: '/',
  signed: false,
  overwrite: true,
});

/** Installs the session manager on every request; reading a cookie happens only in `auth()`. */
export function sessions(manager: SessionManager): Middleware {
  return async (ctx, next) => {
    ctx.sessions = manager;
    await next();
  };
}

/**
 * Requires a signed-in resident (401 otherwise) and puts them on `ctx.actor`. With `optional`, a
 * request without any cookie passes as anonymous; a forged or expired cookie is still refused.
 */
export function auth(options: { optional?: boolean } = {}): Middleware {
  return async (ctx, next) => {
    const state = await ctx.sessions.read(ctx);
    switch (state.kind) {
      case 'valid':
        ctx.actor = state.resident;
        // Personal data: never kept by shared caches or the browser's back-forward cache.
        ctx.set('Cache-Control', 'private, no-store');
        break;
      case 'none':
        if (!options.optional) throw unauthorized('session_missing', 'access.signInRequired');
        break;
      case 'expired':
        ctx.sessions.clear(ctx);
        throw unauthorized('session_expired', 'access.sessionExpired');
      case 'invalid':
        ctx.sessions.clear(ctx);
        throw unauthorized('session_invalid', 'access.sessionInvalid');
    }
    await next();
  };
}

/**
 * Signs the resident in: sets the session cookie on the response. Sign-in flows (platform OAuth, demo)
 * call this once they know who the person is.
 */
export function issueSession(
  ctx: Context,
  residentId: string,
): Promise<{ resident: ResidentRecord; expiresAt: Date }> {
  return ctx.sessions.issue(ctx, residentId);
}

/** The resident `auth()` found; a 401 when the route forgot `auth()` or allowed anonymous access. */
export function signedInResident(ctx: Context): ResidentRecord {
  if (!ctx.actor) throw unauthorized('session_missing', 'access.signInRequired');
  return ctx.actor;
}
