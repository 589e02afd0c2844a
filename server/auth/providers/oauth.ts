import { InvalidAuthCodeError } from './errors.js';
import type { Platform } from './types.js';

/** The host of the authorize page shared by WeChat official accounts and WeCom. */
export const OPEN_WEIXIN_BASE_URL = 'https://open.weixin.qq.com';

/** Both platforms document `state` as at most 128 bytes of `a-zA-Z0-9`; anything else may be dropped. */
const STATE_PATTERN = /^[a-zA-Z0-9]{1,128}$/;

/** WeCom documents codes of at most 512 bytes; all three platforms issue printable ASCII without spaces. */
const CODE_PATTERN = /^[\x21-\x7e]{1,512}$/;

export interface AuthorizeUrlParams {
  appid: string;
  redirectUri: string;
  state: string;
  /** WeCom only: recommended, and required for some scopes. */
  agentid?: string;
}

/**
 * `…/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…
 * [&agentid=…]#wechat_redirect`, parameters in the documented order; the fragment is what makes the
 * client attach the user's identity, so it is never optional.
 */
export function buildAuthorizeUrl(baseUrl: string, params: AuthorizeUrlParams): string {
  if (!STATE_PATTERN.test(params.state)) {
    throw new RangeError('OAuth state must be 1-128 characters of a-zA-Z0-9');
  }
  const redirect = new URL(params.redirectUri);
  if (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') {
    throw new RangeError('OAuth redirect URI must be an absolute http(s) URL');
  }
  const query = new URLSearchParams([
    ['appid', params.appid],
    ['redirect_uri', params.redirectUri],
    ['response_type', 'code'],
    ['scope', 'snsapi_base'],
    ['state', params.state],
  ]);
  if (params.agentid !== undefined) query.append('agentid', params.agentid);
  return `${baseUrl.replace(/\/+$/, '')}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
}

/** Rejects a code no platform could have issued before spending a platform call (and rate limit) on it. */
export function assertPlausibleCode(platform: Platform, endpoint: string, code: string): void {
  if (!CODE_PATTERN.test(code)) {
    throw new InvalidAuthCodeError(platform, endpoint, 'malformed code');
  }
}
