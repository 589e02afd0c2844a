import { randomBytes } from 'node:crypto';
import { OneTimeCodes, redirectWithCode, startStandIn } from './stand-in-server.js';
import type { StandIn } from './stand-in-server.js';

/** Who a WeChat code identifies: an openid for our official account, a unionid when bound to Open Platform. */
export interface WechatUser {
  openid: string;
  unionid?: string;
  /** A snapshot-mode (快照页) virtual account. */
  snapshot?: boolean;
}

export interface WechatStandInOptions {
  appId?: string;
  appSecret?: string;
  /** Codes valid from the start; more can be issued with `issueCode`. */
  codes?: Record<string, WechatUser>;
  /** Who the authorize page signs in (it issues a fresh code for them). */
  authorizeAs?: WechatUser;
  latencyMs?: number;
}

export interface WechatStandIn extends StandIn {
  readonly appId: string;
  readonly appSecret: string;
  /** Ready to pass as `createProviders(…, { baseUrls })`. */
  readonly baseUrls: { wechatApi: string; wechatAuthorize: string };
  issueCode(user: WechatUser): string;
  /** Changes who the authorize page signs in. */
  authorizeAs(user: WechatUser | undefined): void;
}

/**
 * WeChat's web authorization as documented: `GET /sns/oauth2/access_token?appid&secret&code&grant_type`
 * and the `/connect/oauth2/authorize` page redirecting back with a fresh code. Errors are HTTP 200 with
 * `errcode`/`errmsg` ("…, rid: …"); a code works once (40029 unknown, 40163 already used).
 */
export async function startWechatStandIn(options: WechatStandInOptions = {}): Promise<WechatStandIn> {
  const appId = options.appId ?? 'wx520c15f417810387';
  const appSecret = options.appSecret ?? 'wechat-app-secret-0c9e44b2';
  const codes = new OneTimeCodes<WechatUser>('0', options.codes);
  const settings = { authorizeAs: options.authorizeAs };
  const error = (errcode: number, errmsg: string) => ({
    json: {
      errcode,
      errmsg: `${errmsg}, rid: ${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
    },
  });

  const standIn = await startStandIn(
    {
      'GET /sns/oauth2/access_token': ({ query }) => {
        if (query.get('appid') !== appId) return error(40013, 'invalid appid');
        if (query.get('secret') !== appSecret) return error(40125, 'invalid appsecret');
        if (query.get('grant_type') !== 'authorization_code') return error(40002, 'invalid grant_type');
        const redeemed = codes.redeem(query.get('code'));
        if (redeemed === 'used') return error(40163, 'code been used');
        if (redeemed === 'unknown') return error(40029, 'invalid code');
        const { openid, unionid, snapshot } = redeemed.user;
        return {
          json: {
            access_token: `sns-token-${randomBytes(8).toString('hex')}`,
            expires_in: 7200,
            refresh_token: `sns-refresh-${randomBytes(8).toString('hex')}`,
            openid,
            scope: 'snsapi_base',
            ...(unionid ? { unionid } : {}),
            ...(snapshot ? { is_snapshotuser: 1 } : {}),
          },
        };
      },
      'GET /connect/oauth2/authorize': ({ query }) => {
        const redirectUri = query.get('redirect_uri');
        if (query.get('appid') !== appId || !redirectUri || query.get('response_type') !== 'code') {
          return { raw: '<h1>参数错误</h1>', status: 400 };
        }
        if (!settings.authorizeAs) return { raw: '<h1>no user to sign in</h1>', status: 403 };
        return {
          redirect: redirectWithCode(
            redirectUri,
            codes.issue(settings.authorizeAs),
            query.get('state') ?? '',
          ),
        };
      },
    },
    { latencyMs: options.latencyMs },
  );

  return Object.assign(standIn, {
    appId,
    appSecret,
    baseUrls: { wechatApi: standIn.url, wechatAuthorize: standIn.url },
    issueCode: (user: WechatUser) => codes.issue(user),
    authorizeAs: (user: WechatUser | undefined) => {
      settings.authorizeAs = user;
    },
  });
}
