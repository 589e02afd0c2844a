import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectNoLeak,
  rejectionOf,
  startWecomStandIn,
} from '../../../test/support/platform-stand-ins/index.js';
import type { WecomStandIn } from '../../../test/support/platform-stand-ins/index.js';
import { InvalidAuthCodeError, PlatformApiError } from './errors.js';
import { WecomApi, WecomOAuthProvider } from './wecom.js';

const GETTOKEN = '/cgi-bin/gettoken';
const GETUSERINFO = '/cgi-bin/auth/getuserinfo';

let standIn: WecomStandIn;
let clock: { t: number };

function provider(overrides: { secret?: string } = {}) {
  const settings = {
    corpId: standIn.corpId,
    agentId: standIn.agentId,
    secret: overrides.secret ?? standIn.secret,
  };
  const api = new WecomApi(settings, { baseUrl: standIn.baseUrls.wecomApi, now: () => clock.t });
  return new WecomOAuthProvider(settings, api, standIn.baseUrls.wecomAuthorize);
}

beforeEach(async () => {
  standIn = await startWecomStandIn();
  clock = { t: 1_700_000_000_000 };
});

afterEach(async () => {
  await standIn.close();
});

describe('WecomOAuthProvider.authorizeUrl', () => {
  it('builds the documented URL with the corp id, encoded redirect, snsapi_base, state and agentid', () => {
    const url = new WecomOAuthProvider(
      { corpId: 'wwCORP', agentId: '1000002' },
      new WecomApi({ corpId: 'wwCORP', agentId: '1000002', secret: 's3cret' }),
    ).authorizeUrl({
      redirectUri: 'https://community.example/api/auth/wecom/callback?next=/app',
      state: 'abc123',
    });

    expect(url).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wwCORP' +
        '&redirect_uri=https%3A%2F%2Fcommunity.example%2Fapi%2Fauth%2Fwecom%2Fcallback%3Fnext%3D%2Fapp' +
        '&response_type=code&scope=snsapi_base&state=abc123&agentid=1000002#wechat_redirect',
    );
  });

  it('refuses a state outside the documented a-zA-Z0-9 (≤128) and a relative redirect', () => {
    const p = provider();
    expect(() => p.authorizeUrl({ redirectUri: 'https://x.example/cb', state: 'a-b' })).toThrow(RangeError);
    expect(() => p.authorizeUrl({ redirectUri: 'https://x.example/cb', state: 'a'.repeat(129) })).toThrow(
      RangeError,
    );
    expect(() => p.authorizeUrl({ redirectUri: '/cb', state: 'abc' })).toThrow();
  });

  it('round-trips through the stand-in authorize page to a code the exchange accepts', async () => {
    standIn.authorizeAs({ userid: 'zhangsan' });
    const p = provider();
    const res = await fetch(p.authorizeUrl({ redirectUri: 'http://127.0.0.1:1/cb', state: 'st4te' }), {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.searchParams.get('state')).toBe('st4te');
    expect(await p.exchange(back.searchParams.get('code') ?? '')).toEqual({
      platform: 'wecom',
      kind: 'member',
      platformId: 'zhangsan',
    });
  });
});

describe('WecomOAuthProvider.exchange', () => {
  it('maps a member code to their userid, sending the documented parameters', async () => {
    const code = standIn.issueCode({ userid: 'lisi' });
    expect(await provider().exchange(code)).toEqual({
      platform: 'wecom',
      kind: 'member',
      platformId: 'lisi',
    });

    const tokenRequest = standIn.requests.find((r) => r.path === GETTOKEN);
    expect(tokenRequest?.query.get('corpid')).toBe(standIn.corpId);
    expect(tokenRequest?.query.get('corpsecret')).toBe(standIn.secret);
    const userRequest = standIn.requests.find((r) => r.path === GETUSERINFO);
    expect(userRequest?.query.get('code')).toBe(code);
    expect(userRequest?.query.get('access_token')).toBe(standIn.tokens.peek());
  });

  it('maps a customer to their external_userid and keeps the openid', async () => {
    const code = standIn.issueCode({ openid: 'oAbc123', external_userid: 'wmEXT456' });
    expect(await provider().exchange(code)).toEqual({
      platform: 'wecom',
      kind: 'external',
      platformId: 'wmEXT456',
      openId: 'oAbc123',
    });
  });

  it('maps another non-member to their openid', async () => {
    const code = standIn.issueCode({ openid: 'oNonMember789' });
    expect(await provider().exchange(code)).toEqual({
      platform: 'wecom',
      kind: 'openid',
      platformId: 'oNonMember789',
    });
  });

  it('rejects an unknown code with InvalidAuthCodeError carrying errcode 40029', async () => {
    const error = await rejectionOf(provider().exchange('not-a-real-code'));
    expect(error).toBeInstanceOf(InvalidAuthCodeError);
    expect(error).toMatchObject({
      platform: 'wecom',
      errcode: 40029,
      reason: 'invalid_code',
      userFault: true,
    });
  });

  it('rejects a code used twice, as WeCom codes are single use', async () => {
    const p = provider();
    const code = standIn.issueCode({ userid: 'wangwu' });
    await p.exchange(code);
    await expect(p.exchange(code)).rejects.toMatchObject({ errcode: 40029 });
  });

  it('rejects a malformed code without calling WeCom', async () => {
    const p = provider();
    for (const bad of ['', 'has space', 'x'.repeat(513), '中文']) {
      await expect(p.exchange(bad)).rejects.toBeInstanceOf(InvalidAuthCodeError);
    }
    expect(standIn.requests).toHaveLength(0);
  });

  it('reuses the access token across exchanges', async () => {
    const p = provider();
    for (const userid of ['a1', 'a2', 'a3']) await p.exchange(standIn.issueCode({ userid }));
    expect(standIn.calls(GETTOKEN)).toBe(1);
    expect(standIn.calls(GETUSERINFO)).toBe(3);
  });

  it('refreshes the token shortly before expires_in, not after', async () => {
    const p = provider();
    await p.exchange(standIn.issueCode({ userid: 'a1' }));
    clock.t += (7200 - 301) * 1000;
    await p.exchange(standIn.issueCode({ userid: 'a2' }));
    expect(standIn.calls(GETTOKEN)).toBe(1);
    clock.t += 2000;
    await p.exchange(standIn.issueCode({ userid: 'a3' }));
    expect(standIn.calls(GETTOKEN)).toBe(2);
  });

  it.each([
    ['expired (42001)', () => standIn.tokens.expire()],
    ['revoked early (40014)', () => standIn.tokens.revoke()],
  ])('refreshes the token once and retries when it was %s', async (_label, reject) => {
    const p = provider();
    await p.exchange(standIn.issueCode({ userid: 'a1' }));
    reject();
    expect(await p.exchange(standIn.issueCode({ userid: 'a2' }))).toMatchObject({ platformId: 'a2' });
    expect(standIn.calls(GETTOKEN)).toBe(2);
    expect(standIn.calls(GETUSERINFO)).toBe(3);
  });

  it('gives up after one refresh when the new token is rejected too', async () => {
    const p = provider();
    await p.exchange(standIn.issueCode({ userid: 'a1' }));
    standIn.failNext(GETUSERINFO, { json: { errcode: 42001, errmsg: 'access_token expired' } }, 2);
    const error = await rejectionOf(p.exchange(standIn.issueCode({ userid: 'a2' })));
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({ errcode: 42001 });
    expect(standIn.calls(GETTOKEN)).toBe(2);
    expect(standIn.calls(GETUSERINFO)).toBe(3);
  });

  it('fetches one token for 10 concurrent first exchanges (single flight)', async () => {
    standIn.latencyMs = 20;
    const p = provider();
    const codes = Array.from({ length: 10 }, (_, i) => standIn.issueCode({ userid: `u${i}` }));
    const identities = await Promise.all(codes.map((code) => p.exchange(code)));
    expect(identities.map((i) => i.platformId)).toEqual(codes.map((_, i) => `u${i}`));
    expect(standIn.calls(GETTOKEN)).toBe(1);
    expect(standIn.calls(GETUSERINFO)).toBe(10);
  });

  it('refreshes an expired token once for 10 concurrent exchanges', async () => {
    const p = provider();
    await p.exchange(standIn.issueCode({ userid: 'warm' }));
    standIn.tokens.expire();
    standIn.latencyMs = 20;
    const codes = Array.from({ length: 10 }, (_, i) => standIn.issueCode({ userid: `u${i}` }));
    await Promise.all(codes.map((code) => p.exchange(code)));
    expect(standIn.calls(GETTOKEN)).toBe(2);
  });

  it('reports a wrong secret as PlatformApiError 40001 without the secret, and does not hammer gettoken', async () => {
    const secret = 'wrong-secret-9f8e7d6c';
    const p = provider({ secret });
    const code = standIn.issueCode({ userid: 'a1' });
    const error = await rejectionOf(p.exchange(code));
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({ errcode: 40001, endpoint: GETTOKEN, userFault: false });
    expectNoLeak(error, [secret, standIn.secret]);

    await expect(p.exchange(code)).rejects.toMatchObject({ errcode: 40001 });
    expect(standIn.calls(GETTOKEN)).toBe(1);
  });

  it('keeps the access token and the code out of an invalid-code error', async () => {
    const p = provider();
    await p.exchange(standIn.issueCode({ userid: 'a1' }));
    const code = standIn.issueCode({ userid: 'a2' });
    await p.exchange(code);
    const error = await rejectionOf(p.exchange(code));
    expectNoLeak(error, [standIn.secret, standIn.tokens.peek() ?? '', code]);
  });
});
