import { UnusableIdentityError } from './errors.js';
import { numberField, PlatformHttp, stringField } from './http.js';
import { assertPlausibleCode, buildAuthorizeUrl, OPEN_WEIXIN_BASE_URL } from './oauth.js';
import type { ClientDeps, PlatformIdentity, RedirectAuthProvider } from './types.js';

export const WECHAT_API_BASE_URL = 'https://api.weixin.qq.com';

export interface WechatSettings {
  /** AppID of the official account (服务号) with web authorization rights. */
  appId: string;
  appSecret: string;
}

export interface WechatOptions extends ClientDeps {
  /** Default: the real `https://api.weixin.qq.com`. */
  baseUrl?: string;
  /** Default: the real `https://open.weixin.qq.com`. */
  authorizeBaseUrl?: string;
}

const ACCESS_TOKEN = '/sns/oauth2/access_token';
/** 40029: invalid code; 40163: code been used. */
const INVALID_CODE_ERRCODES = [40029, 40163];

/**
 * WeChat official-account web sign-in (微信网页授权), silent `snsapi_base` scope. Unlike WeCom and
 * DingTalk there is no app token to cache: the code exchange is authenticated by the app secret itself.
 */
export class WechatOAuthProvider implements RedirectAuthProvider {
  readonly platform = 'wechat' as const;
  readonly #settings: WechatSettings;
  readonly #http: PlatformHttp;
  readonly #authorizeBaseUrl: string;

  constructor(settings: WechatSettings, options: WechatOptions = {}) {
    this.#settings = settings;
    this.#http = new PlatformHttp('wechat', options.baseUrl ?? WECHAT_API_BASE_URL, options);
    this.#authorizeBaseUrl = options.authorizeBaseUrl ?? OPEN_WEIXIN_BASE_URL;
  }

  /** Where to send the browser; WeChat comes back to `redirectUri?code=CODE&state=STATE`. */
  authorizeUrl(options: { redirectUri: string; state: string }): string {
    return buildAuthorizeUrl(this.#authorizeBaseUrl, {
      appid: this.#settings.appId,
      redirectUri: options.redirectUri,
      state: options.state,
    });
  }

  /**
   * `GET /sns/oauth2/access_token?appid=…&secret=…&code=…&grant_type=authorization_code` →
   * `{ access_token, expires_in, refresh_token, openid, scope, unionid?, is_snapshotuser? }`. The user
   * access token is dropped: with `snsapi_base` there is nothing more to fetch with it.
   */
  async exchange(code: string): Promise<PlatformIdentity> {
    assertPlausibleCode('wechat', ACCESS_TOKEN, code);
    const body = await this.#http.call(
      {
        method: 'GET',
        path: ACCESS_TOKEN,
        query: {
          appid: this.#settings.appId,
          secret: this.#settings.appSecret,
          code,
          grant_type: 'authorization_code',
        },
      },
      { invalidCodeErrcodes: INVALID_CODE_ERRCODES },
    );
    const openId = stringField(body, 'openid');
    if (!openId) throw this.#http.badResponse(ACCESS_TOKEN, 'no openid');
    // Snapshot-mode (快照页) users are virtual accounts; binding one to a resident would bind no one.
    if (numberField(body, 'is_snapshotuser') === 1) {
      throw new UnusableIdentityError('wechat', ACCESS_TOKEN, 'snapshot-mode virtual account');
    }
    const unionId = stringField(body, 'unionid');
    return { platform: 'wechat', kind: 'openid', platformId: openId, ...(unionId ? { unionId } : {}) };
  }
}
