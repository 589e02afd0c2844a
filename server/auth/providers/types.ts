export type Platform = 'wecom' | 'dingtalk' | 'wechat';

/**
 * How the platform knows the person:
 * - `member`: a member of our WeCom corp or DingTalk organisation (`platformId` = userid / staffId);
 * - `external`: a WeCom external contact (customer) of the corp (`platformId` = external_userid);
 * - `openid`: someone known only by an openid, unique to our WeChat official account or WeCom corp.
 */
export type IdentityKind = 'member' | 'external' | 'openid';

/** Who signed in, as the platform vouches for it; routes look the resident up by `(platform, platformId)`. */
export interface PlatformIdentity {
  platform: Platform;
  kind: IdentityKind;
  platformId: string;
  /** WeChat/DingTalk unionid, stable across apps of one developer account, when the platform returned it. */
  unionId?: string;
  /** A WeCom non-member's openid when `platformId` is their external_userid. */
  openId?: string;
}

/** A provider that turns a platform's one-time sign-in code into an identity. */
export interface AuthProvider {
  readonly platform: Platform;
  exchange(code: string): Promise<PlatformIdentity>;
}

/** A provider whose sign-in starts by redirecting the browser to the platform's authorize page. */
export interface RedirectAuthProvider extends AuthProvider {
  authorizeUrl(options: { redirectUri: string; state: string }): string;
}

export type FetchFn = typeof globalThis.fetch;

/** What every platform client needs injected; tests pass a stand-in's URL and a fake clock. */
export interface ClientDeps {
  fetch?: FetchFn;
  /** Milliseconds since the epoch; injected so tests can move past token expiry without waiting. */
  now?: () => number;
  /** Per-request timeout. */
  timeoutMs?: number;
}
