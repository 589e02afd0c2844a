import { hint, IssuedTokens, OneTimeCodes, redirectWithCode, startStandIn } from './stand-in-server.js';
import type { StandIn, StandInReply, StandInRequest } from './stand-in-server.js';

/** Who a WeCom code identifies: a corp member, or a non-member (with external_userid if a customer). */
export type WecomUser = { userid: string } | { openid: string; external_userid?: string };

export interface WecomStandInOptions {
  corpId?: string;
  agentId?: string;
  secret?: string;
  /** Codes valid from the start; more can be issued with `issueCode`. */
  codes?: Record<string, WecomUser>;
  /** Who the authorize page signs in (it issues a fresh code for them). */
  authorizeAs?: WecomUser;
  tokenTtlSeconds?: number;
  ticketTtlSeconds?: number;
  latencyMs?: number;
}

export interface WecomStandIn extends StandIn {
  readonly corpId: string;
  readonly agentId: string;
  readonly secret: string;
  /** Ready to pass as `createProviders(…, { baseUrls })`. */
  readonly baseUrls: { wecomApi: string; wecomAuthorize: string };
  readonly tokens: IssuedTokens;
  readonly corpTickets: IssuedTokens;
  readonly agentTickets: IssuedTokens;
  issueCode(user: WecomUser): string;
  /** Changes who the authorize page signs in. */
  authorizeAs(user: WecomUser | undefined): void;
}

const EXPIRED = { errcode: 42001, errmsg: 'access_token expired' };
const INVALID_TOKEN = { errcode: 40014, errmsg: 'invalid access_token' };
const MISSING_TOKEN = { errcode: 41001, errmsg: 'access_token missing' };

/**
 * WeCom's server API as documented: `GET /cgi-bin/gettoken`, `GET /cgi-bin/auth/getuserinfo`,
 * `GET /cgi-bin/get_jsapi_ticket`, `GET /cgi-bin/ticket/get?type=agent_config`, plus the
 * `/connect/oauth2/authorize` page (normally on open.weixin.qq.com) redirecting back with a fresh code.
 * Errors are HTTP 200 with `errcode`/`errmsg`, codes are single use, tokens expire on demand.
 */
export async function startWecomStandIn(options: WecomStandInOptions = {}): Promise<WecomStandIn> {
  const corpId = options.corpId ?? 'ww7ca4776b2a70000';
  const agentId = options.agentId ?? '1000002';
  const secret = options.secret ?? 'wecom-app-secret-7d3f9a1c';
  const tokenTtl = options.tokenTtlSeconds ?? 7200;
  const ticketTtl = options.ticketTtlSeconds ?? 7200;
  const tokens = new IssuedTokens('wecom-token');
  const corpTickets = new IssuedTokens('wecom-corp-ticket');
  const agentTickets = new IssuedTokens('wecom-agent-ticket');
  const codes = new OneTimeCodes<WecomUser>('wc', options.codes);
  const settings = { authorizeAs: options.authorizeAs };

  /** Runs `answer` only for a valid access token, the way every WeCom API checks it first. */
  const withToken =
    (answer: (request: StandInRequest) => StandInReply) =>
    (request: StandInRequest): StandInReply => {
      const check = tokens.check(request.query.get('access_token'));
      if (check === 'missing') return { json: withHint(MISSING_TOKEN) };
      if (check === 'expired') return { json: withHint(EXPIRED) };
      if (check === 'invalid') return { json: withHint(INVALID_TOKEN) };
      return answer(request);
    };

  const standIn = await startStandIn(
    {
      'GET /cgi-bin/gettoken': ({ query }) => {
        if (query.get('corpid') !== corpId)
          return { json: withHint({ errcode: 40013, errmsg: 'invalid corpid' }) };
        if (query.get('corpsecret') !== secret) {
          return { json: withHint({ errcode: 40001, errmsg: 'invalid secret' }) };
        }
        return { json: { errcode: 0, errmsg: 'ok', access_token: tokens.current(), expires_in: tokenTtl } };
      },
      'GET /cgi-bin/auth/getuserinfo': withToken(({ query }) => {
        const redeemed = codes.redeem(query.get('code'));
        if (typeof redeemed === 'string')
          return { json: withHint({ errcode: 40029, errmsg: 'invalid code' }) };
        return { json: { errcode: 0, errmsg: 'ok', ...redeemed.user } };
      }),
      'GET /cgi-bin/get_jsapi_ticket': withToken(() => ({
        json: { errcode: 0, errmsg: 'ok', ticket: corpTickets.current(), expires_in: ticketTtl },
      })),
      'GET /cgi-bin/ticket/get': withToken(({ query }) => {
        if (query.get('type') !== 'agent_config') {
          return { json: withHint({ errcode: 40058, errmsg: 'invalid Request Parameter, type' }) };
        }
        return { json: { errcode: 0, errmsg: 'ok', ticket: agentTickets.current(), expires_in: ticketTtl } };
      }),
      'GET /connect/oauth2/authorize': ({ query }) => {
        const redirectUri = query.get('redirect_uri');
        if (query.get('appid') !== corpId || !redirectUri || query.get('response_type') !== 'code') {
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
    corpId,
    agentId,
    secret,
    baseUrls: { wecomApi: standIn.url, wecomAuthorize: standIn.url },
    tokens,
    corpTickets,
    agentTickets,
    issueCode: (user: WecomUser) => codes.issue(user),
    authorizeAs: (user: WecomUser | undefined) => {
      settings.authorizeAs = user;
    },
  });
}

function withHint(body: { errcode: number; errmsg: string }): { errcode: number; errmsg: string } {
  return {
    errcode: body.errcode,
    errmsg: `${body.errmsg}, ${hint()}, more info at https://open.work.weixin.qq.com/devtool/query?e=${body.errcode}`,
  };
}
