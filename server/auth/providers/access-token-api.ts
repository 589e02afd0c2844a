import { errcodeOf, numberField, PlatformHttp, stringField } from './http.js';
import type { CallOptions, PlatformBody, PlatformRequest } from './http.js';
import { TokenCache } from './token-cache.js';
import type { TokenCacheOptions } from './token-cache.js';
import type { ClientDeps, Platform } from './types.js';

/** 40014: invalid access_token (also what an early-revoked token gets); 42001: access_token expired. */
const TOKEN_REJECTED_ERRCODES: readonly number[] = [40014, 42001];

export interface AccessTokenApiOptions extends ClientDeps, Omit<TokenCacheOptions, 'now'> {
  platform: Platform;
  baseUrl: string;
  /** The app-credential request (`gettoken`), answered with `{ access_token, expires_in }`. */
  tokenRequest: PlatformRequest;
}

export type AuthorizedRequest = Omit<PlatformRequest, 'query'> & { query?: Record<string, string> };

/**
 * A platform API authorized by an app access token (WeCom and DingTalk work the same way): the token is
 * cached per app until shortly before `expires_in`, loaded single-flight, and refreshed once when the
 * platform rejects it early, as both platforms' docs ask.
 */
export class AccessTokenApi {
  readonly http: PlatformHttp;
  readonly #tokens: TokenCache;

  constructor(options: AccessTokenApiOptions) {
    const { platform, baseUrl, tokenRequest, now } = options;
    this.http = new PlatformHttp(platform, baseUrl, options);
    this.#tokens = new TokenCache(
      async () => {
        const body = await this.http.call(tokenRequest);
        const value = stringField(body, 'access_token');
        const expiresInSeconds = numberField(body, 'expires_in');
        if (!value || expiresInSeconds === undefined) {
          throw this.http.badResponse(tokenRequest.path, 'no access_token/expires_in');
        }
        return { value, expiresInSeconds };
      },
      {
        now,
        refreshMarginSeconds: options.refreshMarginSeconds,
        failureCooldownMs: options.failureCooldownMs,
      },
    );
  }

  async call(request: AuthorizedRequest, options: CallOptions = {}): Promise<PlatformBody> {
    const token = await this.#tokens.get();
    const first = await this.http.call(withToken(request, token), {
      ...options,
      returnErrcodes: [...(options.returnErrcodes ?? []), ...TOKEN_REJECTED_ERRCODES],
    });
    if (!TOKEN_REJECTED_ERRCODES.includes(errcodeOf(first))) return first;
    this.#tokens.invalidate(token);
    // Only one retry: a second rejection means something other than expiry, so it is thrown as is.
    return this.http.call(withToken(request, await this.#tokens.get()), options);
  }
}

function withToken(request: AuthorizedRequest, token: string): PlatformRequest {
  return { ...request, query: { access_token: token, ...request.query } };
}
