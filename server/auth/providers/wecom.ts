import { AccessTokenApi } from './access-token-api.js';
import { stringField } from './http.js';
import { assertPlausibleCode, buildAuthorizeUrl, OPEN_WEIXIN_BASE_URL } from './oauth.js';
import type { TokenCacheOptions } from './token-cache.js';
import type { ClientDeps, PlatformIdentity, RedirectAuthProvider } from './types.js';

export const WECOM_API_BASE_URL = 'https://qyapi.weixin.qq.com';

export interface WecomSettings {
  corpId: string;
  /** The self-built app (自建应用) whose secret this is; its trusted domain must host the redirect URI. */
  agentId: string;
  secret: string;
}

export interface WecomApiOptions extends ClientDeps, Omit<TokenCacheOptions, 'now'> {
  /** Default: the real `https://qyapi.weixin.qq.com`. */
  baseUrl?: string;
}

/**
 * The WeCom server API of one app. Its access token is per app (each app has its own secret), so one
 * instance is shared by sign-in and JSSDK signing.
 * Token: `GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET` → `{ errcode, errmsg, access_token, expires_in }`.
 */
export class WecomApi extends AccessTokenApi {
  readonly corpId: string;
  readonly agentId: string;

  constructor(settings: WecomSettings, options: WecomApiOptions = {}) {
    super({
      ...options,
      platform: 'wecom',
      baseUrl: options.baseUrl ?? WECOM_API_BASE_URL,
      tokenRequest: {
        method: 'GET',
        path: '/cgi-bin/gettoken',
        query: { corpid: settings.corpId, corpsecret: settings.secret },
      },
    });
    this.corpId = settings.corpId;
    this.agentId = settings.agentId;
  }
}

const GET_USER_INFO = '/cgi-bin/auth/getuserinfo';
/** 40029: invalid code (unknown, older than 5 minutes, or already used). */
const INVALID_CODE_ERRCODES = [40029];

/** WeCom web sign-in (企业微信网页授权登录), silent `snsapi_base` scope. */
export class WecomOAuthProvider implements RedirectAuthProvider {
  readonly platform = 'wecom' as const;
  readonly #settings: Pick<WecomSettings, 'corpId' | 'agentId'>;
  readonly #api: WecomApi;
  readonly #authorizeBaseUrl: string;

  constructor(
    settings: Pick<WecomSettings, 'corpId' | 'agentId'>,
    api: WecomApi,
    authorizeBaseUrl: string = OPEN_WEIXIN_BASE_URL,
  ) {
    this.#settings = settings;
    this.#api = api;
    this.#authorizeBaseUrl = authorizeBaseUrl;
  }

  /** Where to send the browser; WeCom comes back to `redirectUri?code=CODE&state=STATE`. */
  authorizeUrl(options: { redirectUri: string; state: string }): string {
    return buildAuthorizeUrl(this.#authorizeBaseUrl, {
      appid: this.#settings.corpId,
      redirectUri: options.redirectUri,
      state: options.state,
      agentid: this.#settings.agentId,
    });
  }

  /**
   * `GET /cgi-bin/auth/getuserinfo?access_token=…&code=…`: members get `{ userid }`; non-members get
   * `{ openid }` plus `external_userid` when they are a customer of the corp.
   */
  async exchange(code: string): Promise<PlatformIdentity> {
    assertPlausibleCode('wecom', GET_USER_INFO, code);
    const body = await this.#api.call(
      { method: 'GET', path: GET_USER_INFO, query: { code } },
      { invalidCodeErrcodes: INVALID_CODE_ERRCODES },
    );
    const userId = stringField(body, 'userid');
    if (userId) return { platform: 'wecom', kind: 'member', platformId: userId };
    const openId = stringField(body, 'openid');
    const externalUserId = stringField(body, 'external_userid');
    if (externalUserId) {
      return {
        platform: 'wecom',
        kind: 'external',
        platformId: externalUserId,
        ...(openId ? { openId } : {}),
      };
    }
    if (openId) return { platform: 'wecom', kind: 'openid', platformId: openId };
    throw this.#api.http.badResponse(GET_USER_INFO, 'neither userid nor openid');
  }
}
