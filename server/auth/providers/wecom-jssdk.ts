import { createHash, randomBytes } from 'node:crypto';
import { numberField, stringField } from './http.js';
import { TokenCache } from './token-cache.js';
import type { TokenCacheOptions } from './token-cache.js';
import type { WecomApi } from './wecom.js';

/** What `@wecom/jssdk`'s `getConfigSignature` / `getAgentConfigSignature` callbacks must resolve to. */
export interface JssdkSignature {
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** The URL a page must be signed for: its own, without `#` and what follows, otherwise as given. */
export function signableUrl(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/**
 * WeCom's JS-SDK signature: SHA-1 (hex) of
 * `jsapi_ticket=TICKET&noncestr=NONCESTR&timestamp=TIMESTAMP&url=URL`, in exactly that order, no encoding.
 */
export function signJsapi(ticket: string, nonceStr: string, timestamp: number, url: string): string {
  return createHash('sha1')
    .update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`)
    .digest('hex');
}

/** A URL this server refuses to sign (not absolute http(s), or outside the allowed origins). */
export class UnsignableUrlError extends Error {
  override name = 'UnsignableUrlError';
  readonly code = 'unsignable_url';
}

export interface WecomJssdkOptions extends Omit<TokenCacheOptions, 'now'> {
  now?: () => number;
  /** Random nonce; injectable for tests. */
  nonce?: () => string;
  /** Origins of our own pages, e.g. PUBLIC_URL's; when set, nothing else is signed. */
  allowedOrigins?: readonly string[];
}

const CORP_TICKET = '/cgi-bin/get_jsapi_ticket';
const AGENT_TICKET = '/cgi-bin/ticket/get';

/**
 * Signs `@wecom/jssdk` registration for our pages. The corp ticket signs `wx.config`
 * (`getConfigSignature`), the app ticket (`type=agent_config`) signs `wx.agentConfig`
 * (`getAgentConfigSignature`). WeCom limits ticket fetches (400 an hour per corp, 100 per app) and asks
 * servers to cache them, so each is cached until shortly before `expires_in` (7200 s) and fetched by one
 * request however many pages ask at once.
 */
export class WecomJssdkSigner {
  readonly #corpTicket: TokenCache;
  readonly #agentTicket: TokenCache;
  readonly #now: () => number;
  readonly #nonce: () => string;
  readonly #allowedOrigins: ReadonlySet<string> | undefined;
  /** What the page passes to `ww.register` besides the two signature callbacks. */
  readonly registerOptions: { corpId: string; agentId: string };

  constructor(api: WecomApi, options: WecomJssdkOptions = {}) {
    this.registerOptions = { corpId: api.corpId, agentId: api.agentId };
    this.#now = options.now ?? Date.now;
    this.#nonce = options.nonce ?? (() => randomBytes(8).toString('hex'));
    this.#allowedOrigins =
      options.allowedOrigins && new Set(options.allowedOrigins.map((o) => new URL(o).origin));
    const cacheOptions = {
      now: this.#now,
      refreshMarginSeconds: options.refreshMarginSeconds,
      failureCooldownMs: options.failureCooldownMs,
    };
    const loadTicket = (path: string, query: Record<string, string>) => async () => {
      const body = await api.call({ method: 'GET', path, query });
      const value = stringField(body, 'ticket');
      const expiresInSeconds = numberField(body, 'expires_in');
      if (!value || expiresInSeconds === undefined) throw api.http.badResponse(path, 'no ticket/expires_in');
      return { value, expiresInSeconds };
    };
    this.#corpTicket = new TokenCache(loadTicket(CORP_TICKET, {}), cacheOptions);
    this.#agentTicket = new TokenCache(loadTicket(AGENT_TICKET, { type: 'agent_config' }), cacheOptions);
  }

  /** For `ww.register({ getConfigSignature })`, signed with the corp jsapi ticket. */
  getConfigSignature(url: string): Promise<JssdkSignature> {
    return this.#sign(this.#corpTicket, url);
  }

  /** For `ww.register({ getAgentConfigSignature })`, signed with the app's `agent_config` ticket. */
  getAgentConfigSignature(url: string): Promise<JssdkSignature> {
    return this.#sign(this.#agentTicket, url);
  }

  async #sign(tickets: TokenCache, url: string): Promise<JssdkSignature> {
    const target = signableUrl(url);
    let parsed: URL;
    try {
      parsed = new URL(target);
    } catch {
      throw new UnsignableUrlError('url must be an absolute http(s) URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new UnsignableUrlError('url must be an absolute http(s) URL');
    }
    if (this.#allowedOrigins && !this.#allowedOrigins.has(parsed.origin)) {
      throw new UnsignableUrlError('url is not one of our pages');
    }
    const ticket = await tickets.get();
    const timestamp = Math.floor(this.#now() / 1000);
    const nonceStr = this.#nonce();
    return { timestamp, nonceStr, signature: signJsapi(ticket, nonceStr, timestamp, target) };
  }
}
