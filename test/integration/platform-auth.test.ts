import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import { loadConfig } from '../../server/config.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { createLogger } from '../../server/logger.js';
import type { PlatformBaseUrls } from '../../server/platform-config.js';
import { OAUTH_STATE_COOKIE } from '../../server/routes/platform-auth/oauth-state.js';
import type { JssdkSignatureView } from '../../server/routes/platform-auth/schema.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { MeView } from '../../shared/schemas/resident.js';
import {
  startDingtalkStandIn,
  startWechatStandIn,
  startWecomStandIn,
  type DingtalkStandIn,
  type WechatStandIn,
  type WecomStandIn,
} from '../support/platform-stand-ins/index.js';
import { TEST_GATEWAY_SECRET } from '../support/test-server.js';

/**
 * Signing in to the mini-app with WeCom, WeChat (OAuth redirects) and DingTalk (authCode), and WeCom
 * JSSDK signing: a real server over HTTP whose providers talk to local stand-ins of the platforms.
 */

const PUBLIC_URL = 'https://community.example';

interface Platforms {
  wecom: WecomStandIn;
  dingtalk: DingtalkStandIn;
  wechat: WechatStandIn;
}

let engine: TestEngine;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await engine?.stop();
});

async function startPlatforms(): Promise<Platforms> {
  const [wecom, dingtalk, wechat] = await Promise.all([
    startWecomStandIn(),
    startDingtalkStandIn(),
    startWechatStandIn(),
  ]);
  closers.push(() => Promise.all([wecom.close(), dingtalk.close(), wechat.close()]));
  return { wecom, dingtalk, wechat };
}

/** A server with all three sign-ins configured against the stand-ins, and two bound residents. */
async function startSignInServer(platforms: Platforms, env: Record<string, string> = {}) {
  const { wecom, dingtalk, wechat } = platforms;
  const config = loadConfig(
    {
      MONGODB_URI: engine.uri,
      MONGODB_DB: `nbtest_pa_${randomUUID().slice(0, 8)}`,
      DATA_DIR: engine.dataDir,
      PORT: '0',
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      DEMO: 'false',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      WECOM_CORP_ID: wecom.corpId,
      WECOM_AGENT_ID: wecom.agentId,
      WECOM_SECRET: wecom.secret,
      DINGTALK_APP_KEY: dingtalk.appKey,
      DINGTALK_APP_SECRET: dingtalk.appSecret,
      WECHAT_APP_ID: wechat.appId,
      WECHAT_APP_SECRET: wechat.appSecret,
      ...env,
    },
    () => TEST_GATEWAY_SECRET,
  );
  const baseUrls: PlatformBaseUrls = { ...wecom.baseUrls, ...dingtalk.baseUrls, ...wechat.baseUrls };
  const server = await startServer({
    config,
    log: createLogger(config.LOG_LEVEL),
    embedBot: false,
    platformBaseUrls: baseUrls,
  });
  closers.push(() => server.stop());
  const { communities, residents } = server.container.repositories;
  const community = await communities.create({ code: 'lingshan', name: '灵山社区', compounds: [] });
  const wang = await residents.create({
    communityId: community.id,
    name: '王秀英',
    identities: [
      { channel: 'wecom', kind: 'userid', platformId: 'wang-wecom' },
      { channel: 'dingtalk', kind: 'staffId', platformId: 'wang-ding' },
      { channel: 'wechat', kind: 'openid', platformId: 'o-wang' },
    ],
  });
  const li = await residents.create({
    communityId: community.id,
    name: '李建国',
    identities: [
      { channel: 'wecom', kind: 'externalUserid', platformId: 'wm-li' },
      { channel: 'dingtalk', kind: 'unionId', platformId: 'union-li' },
    ],
  });
  return { server, wang, li };
}

function cookieFrom(res: Response, name: string): string | null {
  const header = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return header ? header.split(';')[0]! : null;
}

const setCookieHeader = (res: Response, name: string) =>
  res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? '';

async function json(res: Response): Promise<unknown> {
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : null;
}

/**
 * What a browser does: opens `/start`, follows the platform's authorize page back, and arrives at the
 * callback with the state cookie. Returns the callback request to make and the cookie to send with it.
 */
async function throughAuthorizePage(server: RunningServer, platform: 'wecom' | 'wechat') {
  const start = await fetch(`${server.url}/api/auth/${platform}/start`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const stateCookie = cookieFrom(start, OAUTH_STATE_COOKIE);
  expect(stateCookie).not.toBeNull();
  const authorize = new URL(start.headers.get('location')!);
  const page = await fetch(authorize, { redirect: 'manual' });
  expect(page.status).toBe(302);
  const back = new URL(page.headers.get('location')!);
  return {
    start,
    authorize,
    back,
    stateCookie: stateCookie!,
    callbackUrl: `${server.url}${back.pathname}${back.search}`,
  };
}

const callback = (url: string, cookie: string | null, headers: Record<string, string> = {}) =>
  fetch(url, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });

async function me(server: RunningServer, sessionCookie: string | null): Promise<MeView> {
  const res = await fetch(`${server.url}/api/me`, { headers: { cookie: sessionCookie ?? '' } });
  expect(res.status).toBe(200);
  return (await res.json()) as MeView;
}

let platforms: Platforms;
let server: RunningServer;

beforeAll(async () => {
  platforms = await startPlatforms();
  ({ server } = await startSignInServer(platforms, { PUBLIC_URL }));
  platforms.wecom.authorizeAs({ userid: 'wang-wecom' });
  platforms.wechat.authorizeAs({ openid: 'o-wang' });
});

describe('GET /api/auth/platforms', () => {
  it('200 naming the configured sign-ins, and none of their settings', async () => {
    const res = await fetch(`${server.url}/api/auth/platforms`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ platforms: ['wecom', 'dingtalk', 'wechat'] });
  });
});

describe('GET /api/auth/:platform/start', () => {
  it('404 for a platform without a redirect sign-in here, translated', async () => {
    for (const platform of ['dingtalk', 'github', 'demo']) {
      const res = await fetch(`${server.url}/api/auth/${platform}/start`, {
        redirect: 'manual',
        headers: { 'accept-language': 'en' },
      });
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({
        error: {
          code: 'sign_in_unavailable',
          message: 'This way of signing in is not set up for this community',
        },
      });
    }
  });

  it('302 to the platform’s authorize page with a fresh state, kept in an httpOnly cookie', async () => {
    for (const [platform, appId, standIn] of [
      ['wecom', platforms.wecom.corpId, platforms.wecom.url],
      ['wechat', platforms.wechat.appId, platforms.wechat.url],
    ] as const) {
      const first = await fetch(`${server.url}/api/auth/${platform}/start`, { redirect: 'manual' });
      const second = await fetch(`${server.url}/api/auth/${platform}/start`, { redirect: 'manual' });
      expect(first.status).toBe(302);
      const location = new URL(first.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(`${standIn}/connect/oauth2/authorize`);
      expect(location.hash).toBe('#wechat_redirect');
      expect(location.searchParams.get('appid')).toBe(appId);
      expect(location.searchParams.get('scope')).toBe('snsapi_base');
      expect(location.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/auth/${platform}/callback`);
      const state = location.searchParams.get('state')!;
      expect(state).toMatch(/^[a-f0-9]{32}$/);
      expect(new URL(second.headers.get('location')!).searchParams.get('state')).not.toBe(state);
      const cookie = setCookieHeader(first, OAUTH_STATE_COOKIE);
      expect(cookie).toContain(`.${state}.`);
      expect(cookie).toMatch(/httponly/i);
      expect(cookie).toMatch(/samesite=lax/i);
      expect(cookie).toMatch(/path=\/api\/auth\//i);
    }
    expect(platforms.wecom.requests.at(-1)?.path).not.toBe('/cgi-bin/auth/getuserinfo');
  });
});

describe('GET /api/auth/:platform/callback', () => {
  it('400 without code or state', async () => {
    const { stateCookie } = await throughAuthorizePage(server, 'wecom');
    const res = await callback(`${server.url}/api/auth/wecom/callback?code=abc`, stateCookie, {
      'accept-language': 'en',
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('400 for a state that is missing, another browser’s, another platform’s or replayed; the code is not spent', async () => {
    platforms.wecom.authorizeAs({ userid: 'wang-wecom' });
    platforms.wechat.authorizeAs({ openid: 'o-wang' });
    const exchanges = () =>
      platforms.wecom.calls('/cgi-bin/auth/getuserinfo') + platforms.wechat.calls('/sns/oauth2/access_token');
    const before = exchanges();

    const mine = await throughAuthorizePage(server, 'wecom');
    const someoneElses = await throughAuthorizePage(server, 'wecom');
    const wechat = await throughAuthorizePage(server, 'wechat');
    const attempts: [string, string | null][] = [
      [mine.callbackUrl, null],
      [mine.callbackUrl, someoneElses.stateCookie],
      [mine.callbackUrl.replace('/wecom/', '/wechat/'), mine.stateCookie],
      [
        wechat.callbackUrl,
        `${OAUTH_STATE_COOKIE}=wechat.${wechat.back.searchParams.get('state')}.9999999999.forged`,
      ],
    ];
    for (const [url, cookie] of attempts) {
      const res = await callback(url, cookie, { 'accept-language': 'zh-TW' });
      expect(res.status, `${url} ${cookie}`).toBe(400);
      expect(await json(res)).toEqual({
        error: { code: 'oauth_state_invalid', message: '登入連結已失效或不是在本瀏覽器中開啟的，請重新登入' },
      });
      expect(cookieFrom(res, SESSION_COOKIE)).toBeNull();
    }
    expect(exchanges()).toBe(before);

    // The genuine pair works once: the browser drops the cookie, and a copied one meets a spent code.
    const ok = await callback(someoneElses.callbackUrl, someoneElses.stateCookie);
    expect(ok.status).toBe(302);
    expect(setCookieHeader(ok, OAUTH_STATE_COOKIE)).toMatch(/expires=Thu, 01 Jan 1970/i);
    expect((await callback(someoneElses.callbackUrl, null)).status).toBe(400);
    const copied = await callback(someoneElses.callbackUrl, someoneElses.stateCookie);
    expect(copied.status).toBe(401);
    expect(cookieFrom(copied, SESSION_COOKIE)).toBeNull();
  });

  it('400 as a translated page for a browser that lands there', async () => {
    const { callbackUrl } = await throughAuthorizePage(server, 'wechat');
    const res = await callback(callbackUrl, null, {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-language': 'zh-CN,zh;q=0.9',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('登录链接已失效或不是在本浏览器里打开的，请重新登录');
    expect(page).toContain('href="/app/"');
  });

  it('401 for a code the platform refuses, translated with the platform’s name', async () => {
    for (const platform of ['wecom', 'wechat'] as const) {
      const { callbackUrl, stateCookie, back } = await throughAuthorizePage(server, platform);
      const forged = callbackUrl.replace(back.searchParams.get('code')!, 'not-a-code-the-platform-issued');
      const res = await callback(forged, stateCookie, { 'accept-language': 'en' });
      expect(res.status).toBe(401);
      const name = platform === 'wecom' ? 'WeCom' : 'WeChat';
      expect(await json(res)).toEqual({
        error: {
          code: 'invalid_code',
          message: `Signing in with ${name} did not work (the code was invalid or expired); please try again`,
        },
      });
      expect(cookieFrom(res, SESSION_COOKIE)).toBeNull();
    }
  });

  it('401 for a WeChat snapshot-mode account, which is nobody', async () => {
    platforms.wechat.authorizeAs({ openid: 'o-wang', snapshot: true });
    const { callbackUrl, stateCookie } = await throughAuthorizePage(server, 'wechat');
    const res = await callback(callbackUrl, stateCookie);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: 'unusable_identity' } });
  });

  it('403 for an account nobody has bound: JSON for the app, a page for the browser, both saying #绑定', async () => {
    platforms.wecom.authorizeAs({ userid: 'stranger' });
    const asJson = await throughAuthorizePage(server, 'wecom');
    const res = await callback(asJson.callbackUrl, asJson.stateCookie);
    expect(res.status).toBe(403);
    expect(await json(res)).toEqual({
      error: {
        code: 'account_not_bound',
        message:
          '您的企业微信账号还没有绑定住户。请先在小区的群里发送“#绑定 楼栋-单元-房号”（例如 #绑定 3-2-501），审核通过后再来登录',
      },
    });

    platforms.wechat.authorizeAs({ openid: 'o-stranger' });
    const asPage = await throughAuthorizePage(server, 'wechat');
    const page = await callback(asPage.callbackUrl, asPage.stateCookie, {
      accept: 'text/html',
      'accept-language': 'en',
    });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(
      'Your WeChat account is not linked to a household yet. First send &quot;#bind building-unit-room&quot;',
    );
    expect(cookieFrom(page, SESSION_COOKIE)).toBeNull();
  });

  it('503 when the platform fails, without blaming the user', async () => {
    platforms.wecom.authorizeAs({ userid: 'wang-wecom' });
    const { callbackUrl, stateCookie } = await throughAuthorizePage(server, 'wecom');
    platforms.wecom.failNext('/cgi-bin/auth/getuserinfo', { raw: '<h1>502 Bad Gateway</h1>', status: 502 });
    const res = await callback(callbackUrl, stateCookie, { 'accept-language': 'en' });
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({
      error: {
        code: 'platform_unavailable',
        message: 'WeCom cannot be reached right now; please try again later',
      },
    });
  });

  it('302 to /app/ signed in as the bound resident: WeCom member, WeCom customer, WeChat openid', async () => {
    const cases = [
      ['wecom', { userid: 'wang-wecom' }, '王秀英'],
      ['wecom', { openid: 'o-li-corp', external_userid: 'wm-li' }, '李建国'],
      ['wechat', { openid: 'o-wang' }, '王秀英'],
    ] as const;
    for (const [platform, user, name] of cases) {
      if (platform === 'wecom') platforms.wecom.authorizeAs(user);
      else platforms.wechat.authorizeAs(user);
      const { callbackUrl, stateCookie } = await throughAuthorizePage(server, platform);
      const res = await callback(callbackUrl, stateCookie);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/app/');
      const session = setCookieHeader(res, SESSION_COOKIE);
      expect(session).toMatch(/httponly/i);
      expect((await me(server, cookieFrom(res, SESSION_COOKIE))).resident.name).toBe(name);
    }
  });
});

describe('POST /api/auth/dingtalk', () => {
  const post = (body: unknown, language = 'zh-CN') =>
    fetch(`${server.url}/api/auth/dingtalk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': language },
      body: JSON.stringify(body),
    });

  it('400 without an authCode', async () => {
    for (const body of [{}, { authCode: '' }, { authCode: 42 }]) {
      const res = await post(body, 'en');
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: 'validation_failed' } });
    }
  });

  it('401 for an authCode DingTalk does not know, or one already used', async () => {
    const code = platforms.dingtalk.issueCode({ userid: 'wang-ding' });
    expect((await post({ authCode: code })).status).toBe(200);
    for (const authCode of [code, 'da-never-issued']) {
      const res = await post({ authCode }, 'zh-TW');
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({
        error: { code: 'invalid_code', message: '釘釘登入沒有成功（授權碼無效或已過期），請重新登入' },
      });
    }
  });

  it('403 for a DingTalk member nobody has bound', async () => {
    const res = await post({
      authCode: platforms.dingtalk.issueCode({ userid: 'nobody', unionid: 'union-x' }),
    });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ error: { code: 'account_not_bound' } });
    expect(cookieFrom(res, SESSION_COOKIE)).toBeNull();
  });

  it('200 with the signed-in resident and a working session, by staffId or by unionId', async () => {
    const byStaff = await post({ authCode: platforms.dingtalk.issueCode({ userid: 'wang-ding' }) });
    expect(byStaff.status).toBe(200);
    expect(((await byStaff.json()) as MeView).resident.name).toBe('王秀英');
    expect((await me(server, cookieFrom(byStaff, SESSION_COOKIE))).resident.name).toBe('王秀英');

    const byUnion = await post({
      authCode: platforms.dingtalk.issueCode({ userid: 'li-new-staff', unionid: 'union-li' }),
    });
    expect(byUnion.status).toBe(200);
    expect((await me(server, cookieFrom(byUnion, SESSION_COOKIE))).resident.name).toBe('李建国');
  });
});

describe('GET /api/auth/wecom/jssdk-signature', () => {
  let session: string;

  beforeAll(async () => {
    const res = await fetch(`${server.url}/api/auth/dingtalk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authCode: platforms.dingtalk.issueCode({ userid: 'wang-ding' }) }),
    });
    session = cookieFrom(res, SESSION_COOKIE)!;
  });

  const sign = (query: string, cookie: string | null = session) =>
    fetch(`${server.url}/api/auth/wecom/jssdk-signature?${query}`, {
      headers: { ...(cookie ? { cookie } : {}), 'accept-language': 'en' },
    });

  it('401 without a session', async () => {
    const res = await sign(`url=${encodeURIComponent(`${PUBLIC_URL}/app/`)}`, null);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: { code: 'session_missing' } });
  });

  it('400 without a URL, for an unknown kind, and for a page that is not on PUBLIC_URL', async () => {
    const tickets = () => platforms.wecom.calls('/cgi-bin/get_jsapi_ticket');
    const before = tickets();
    for (const query of [
      '',
      `url=${encodeURIComponent(`${PUBLIC_URL}/app/`)}&kind=other`,
      `url=${encodeURIComponent('https://evil.example/app/')}`,
      `url=${encodeURIComponent(`${server.url}/app/`)}`,
    ]) {
      const res = await sign(query);
      expect(res.status, query).toBe(400);
    }
    const res = await sign(`url=${encodeURIComponent('https://evil.example/app/')}`);
    expect(await json(res)).toEqual({
      error: { code: 'unsignable_url', message: 'Only pages of this site can be signed' },
    });
    expect(tickets()).toBe(before);
  });

  it('200 with the documented SHA-1 over the corp ticket (config) or the app ticket (agent)', async () => {
    const url = `${PUBLIC_URL}/app/?from=group#/notices/7`;
    const signedUrl = `${PUBLIC_URL}/app/?from=group`;
    for (const [kind, tickets] of [
      ['config', platforms.wecom.corpTickets],
      ['agent', platforms.wecom.agentTickets],
    ] as const) {
      const res = await sign(`url=${encodeURIComponent(url)}&kind=${kind}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      const body = (await res.json()) as JssdkSignatureView;
      expect(body).toMatchObject({ corpId: platforms.wecom.corpId, agentId: platforms.wecom.agentId });
      const expected = createHash('sha1')
        .update(
          `jsapi_ticket=${tickets.peek()}&noncestr=${body.nonceStr}&timestamp=${body.timestamp}&url=${signedUrl}`,
        )
        .digest('hex');
      expect(body.signature).toBe(expected);
      expect(Math.abs(body.timestamp - Date.now() / 1000)).toBeLessThan(60);
    }
  });
});

describe('platform tokens across sign-ins', () => {
  it('are fetched once per app and shared by sign-ins and JSSDK signing; redirects use the request origin without PUBLIC_URL', async () => {
    const fresh = await startPlatforms();
    const { server: own } = await startSignInServer(fresh);

    fresh.wecom.authorizeAs({ userid: 'wang-wecom' });
    let session: string | null = null;
    for (let i = 0; i < 3; i++) {
      const flow = await throughAuthorizePage(own, 'wecom');
      expect(flow.authorize.searchParams.get('redirect_uri')).toBe(`${own.url}/api/auth/wecom/callback`);
      const res = await callback(flow.callbackUrl, flow.stateCookie);
      expect(res.status).toBe(302);
      session = cookieFrom(res, SESSION_COOKIE);
    }
    for (let i = 0; i < 2; i++) {
      const res = await fetch(
        `${own.url}/api/auth/wecom/jssdk-signature?url=${encodeURIComponent(`${own.url}/app/`)}`,
        { headers: { cookie: session! } },
      );
      expect(res.status).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${own.url}/api/auth/dingtalk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authCode: fresh.dingtalk.issueCode({ userid: 'wang-ding' }) }),
      });
      expect(res.status).toBe(200);
    }

    expect(fresh.wecom.calls('/cgi-bin/auth/getuserinfo')).toBe(3);
    expect(fresh.wecom.calls('/cgi-bin/gettoken')).toBe(1);
    expect(fresh.wecom.calls('/cgi-bin/get_jsapi_ticket')).toBe(1);
    expect(fresh.dingtalk.calls('/topapi/v2/user/getuserinfo')).toBe(3);
    expect(fresh.dingtalk.calls('/gettoken')).toBe(1);
  });
});
