import { randomBytes } from 'node:crypto';
import { IssuedTokens, OneTimeCodes, startStandIn } from './stand-in-server.js';
import type { StandIn } from './stand-in-server.js';

/** Who a DingTalk authCode identifies: an organisation member. */
export interface DingtalkUser {
  userid: string;
  unionid?: string;
  name?: string;
}

export interface DingtalkStandInOptions {
  appKey?: string;
  appSecret?: string;
  /** authCodes valid from the start; more can be issued with `issueCode`. */
  codes?: Record<string, DingtalkUser>;
  tokenTtlSeconds?: number;
  /** What an expired token is answered with: 42001 (access_token超时, default) or 40014 (不合法的access_token). */
  expiredTokenErrcode?: 42001 | 40014;
  latencyMs?: number;
}

export interface DingtalkStandIn extends StandIn {
  readonly appKey: string;
  readonly appSecret: string;
  /** Ready to pass as `createProviders(…, { baseUrls })`. */
  readonly baseUrls: { dingtalkApi: string };
  readonly tokens: IssuedTokens;
  issueCode(user: DingtalkUser): string;
}

/**
 * DingTalk's oapi as documented: `GET /gettoken?appkey=…&appsecret=…` and
 * `POST /topapi/v2/user/getuserinfo?access_token=…` with `{ code }`. Errors are HTTP 200 with
 * `errcode`/`errmsg` and a `request_id`; authCodes are single use.
 */
export async function startDingtalkStandIn(options: DingtalkStandInOptions = {}): Promise<DingtalkStandIn> {
  const appKey = options.appKey ?? 'dingappkey4f2e8b1c';
  const appSecret = options.appSecret ?? 'dingtalk-app-secret-51b7c0de';
  const tokenTtl = options.tokenTtlSeconds ?? 7200;
  const tokens = new IssuedTokens('ding-token');
  const codes = new OneTimeCodes<DingtalkUser>('da', options.codes);
  const expiredTokenErrcode = options.expiredTokenErrcode ?? 42001;
  const requestId = () => randomBytes(6).toString('hex');

  const standIn = await startStandIn(
    {
      'GET /gettoken': ({ query }) => {
        if (query.get('appkey') !== appKey || query.get('appsecret') !== appSecret) {
          return {
            json: {
              errcode: 40001,
              errmsg: '获取access_token时Secret错误，或者access_token无效',
              request_id: requestId(),
            },
          };
        }
        return { json: { errcode: 0, errmsg: 'ok', access_token: tokens.current(), expires_in: tokenTtl } };
      },
      'POST /topapi/v2/user/getuserinfo': ({ query, body }) => {
        const check = tokens.check(query.get('access_token'));
        if (check === 'missing') return { json: { errcode: 41001, errmsg: '缺少access_token参数' } };
        if (check === 'expired') {
          const errmsg = expiredTokenErrcode === 42001 ? 'access_token超时' : '不合法的access_token';
          return { json: { errcode: expiredTokenErrcode, errmsg, request_id: requestId() } };
        }
        if (check === 'invalid') {
          return { json: { errcode: 40014, errmsg: '不合法的access_token', request_id: requestId() } };
        }
        const code =
          typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string'
            ? body.code
            : undefined;
        const redeemed = codes.redeem(code);
        if (typeof redeemed === 'string') {
          return { json: { errcode: 40078, errmsg: '不存在的临时授权码', request_id: requestId() } };
        }
        const { userid, unionid, name } = redeemed.user;
        return {
          json: {
            errcode: 0,
            errmsg: 'ok',
            request_id: requestId(),
            result: {
              userid,
              device_id: randomBytes(8).toString('hex'),
              sys: false,
              sys_level: 0,
              ...(unionid ? { unionid, associated_unionid: '' } : {}),
              ...(name ? { name } : {}),
            },
          },
        };
      },
    },
    { latencyMs: options.latencyMs },
  );

  return Object.assign(standIn, {
    appKey,
    appSecret,
    baseUrls: { dingtalkApi: standIn.url },
    tokens,
    issueCode: (user: DingtalkUser) => codes.issue(user),
  });
}
