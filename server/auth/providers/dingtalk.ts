import { AccessTokenApi } from './access-token-api.js';
import { isRecord, stringField } from './http.js';
import { assertPlausibleCode } from './oauth.js';
import type { TokenCacheOptions } from './token-cache.js';
import type { AuthProvider, ClientDeps, PlatformIdentity } from './types.js';

export const DINGTALK_API_BASE_URL = 'https://oapi.dingtalk.com';

export interface DingtalkSettings {
  /** AppKey of the internal app (企业内部应用); the same app the DingTalk channel uses. */
  appKey: string;
  appSecret: string;
}

export interface DingtalkOptions extends ClientDeps, Omit<TokenCacheOptions, 'now'> {
  /** Default: the real `https://oapi.dingtalk.com`. */
  baseUrl?: string;
}

const GET_USER_INFO = '/topapi/v2/user/getuserinfo';
/** 40078: 不存在的临时授权码 (unknown, older than 5 minutes, or already used). */
const INVALID_CODE_ERRCODES = [40078];

/**
 * DingTalk sign-in without a login (钉钉免登): the mini-app page gets an authCode from
 * `dd.getAuthCode` / `dd.runtime.permission.requestAuthCode` and the server exchanges it.
 *
 * Token: `GET /gettoken?appkey=…&appsecret=…` → `{ errcode, errmsg, access_token, expires_in }`.
 * DingTalk's newer API issues the same app token at `POST https://api.dingtalk.com/v1.0/oauth2/accessToken`
 * with `{ appKey, appSecret }` → `{ accessToken, expireIn }`; the code exchange below still lives on
 * oapi and takes the token as `access_token`, so the older token endpoint keeps this to one host.
 */
export class DingtalkProvider implements AuthProvider {
  readonly platform = 'dingtalk' as const;
  readonly #api: AccessTokenApi;

  constructor(settings: DingtalkSettings, options: DingtalkOptions = {}) {
    this.#api = new AccessTokenApi({
      ...options,
      platform: 'dingtalk',
      baseUrl: options.baseUrl ?? DINGTALK_API_BASE_URL,
      tokenRequest: {
        method: 'GET',
        path: '/gettoken',
        query: { appkey: settings.appKey, appsecret: settings.appSecret },
      },
    });
  }

  /**
   * `POST /topapi/v2/user/getuserinfo?access_token=…` with `{ code }` →
   * `{ errcode, errmsg, result: { userid, unionid, device_id, sys, sys_level, name, associated_unionid } }`.
   */
  async exchange(code: string): Promise<PlatformIdentity> {
    assertPlausibleCode('dingtalk', GET_USER_INFO, code);
    const body = await this.#api.call(
      { method: 'POST', path: GET_USER_INFO, json: { code } },
      { invalidCodeErrcodes: INVALID_CODE_ERRCODES },
    );
    const result = isRecord(body.result) ? body.result : {};
    const userId = stringField(result, 'userid');
    if (!userId) throw this.#api.http.badResponse(GET_USER_INFO, 'no result.userid');
    const unionId = stringField(result, 'unionid');
    return { platform: 'dingtalk', kind: 'member', platformId: userId, ...(unionId ? { unionId } : {}) };
  }
}
