import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectNoLeak,
  rejectionOf,
  startWechatStandIn,
} from '../../../test/support/platform-stand-ins/index.js';
import type { WechatStandIn } from '../../../test/support/platform-stand-ins/index.js';
import { InvalidAuthCodeError, PlatformApiError, UnusableIdentityError } from './errors.js';
import { WechatOAuthProvider } from './wechat.js';

const ACCESS_TOKEN = '/sns/oauth2/access_token';

let standIn: WechatStandIn;

function provider(secret?: string) {
  return new WechatOAuthProvider(
    { appId: standIn.appId, appSecret: secret ?? standIn.appSecret },
    { baseUrl: standIn.baseUrls.wechatApi, authorizeBaseUrl: standIn.baseUrls.wechatAuthorize },
  );
}

beforeEach(async () => {
  standIn = await startWechatStandIn();
});

afterEach(async () => {
  await standIn.close();
});

describe('WechatOAuthProvider.authorizeUrl', () => {
  it('builds the documented snsapi_base URL on open.weixin.qq.com', () => {
    const url = new WechatOAuthProvider({ appId: 'wx807d86fb6b3d4fd2', appSecret: 's3cret' }).authorizeUrl({
      redirectUri: 'https://community.example/api/auth/wechat/callback',
      state: 'STATE123',
    });
    expect(url).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx807d86fb6b3d4fd2' +
        '&redirect_uri=https%3A%2F%2Fcommunity.example%2Fapi%2Fauth%2Fwechat%2Fcallback' +
        '&response_type=code&scope=snsapi_base&state=STATE123#wechat_redirect',
    );
  });

  it('round-trips through the stand-in authorize page to a code the exchange accepts', async () => {
    standIn.authorizeAs({ openid: 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc' });
    const p = provider();
    const res = await fetch(p.authorizeUrl({ redirectUri: 'http://127.0.0.1:1/cb?x=1', state: 's1' }), {
      redirect: 'manual',
    });
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.searchParams.get('x')).toBe('1');
    expect(await p.exchange(back.searchParams.get('code') ?? '')).toMatchObject({
      platformId: 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc',
    });
  });
});

describe('WechatOAuthProvider.exchange', () => {
  it('maps a code to the openid and unionid, sending the documented parameters', async () => {
    const code = standIn.issueCode({ openid: 'oOPENID1', unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' });
    expect(await provider().exchange(code)).toEqual({
      platform: 'wechat',
      kind: 'openid',
      platformId: 'oOPENID1',
      unionId: 'o6_bmasdasdsad6_2sgVt7hMZOPfL',
    });
    const query = standIn.requests[0]?.query;
    expect(Object.fromEntries(query ?? [])).toEqual({
      appid: standIn.appId,
      secret: standIn.appSecret,
      code,
      grant_type: 'authorization_code',
    });
  });

  it('leaves unionId out when the account is not bound to an Open Platform account', async () => {
    expect(await provider().exchange(standIn.issueCode({ openid: 'oOPENID2' }))).toEqual({
      platform: 'wechat',
      kind: 'openid',
      platformId: 'oOPENID2',
    });
  });

  it('rejects an unknown code (40029) and a reused one (40163) with InvalidAuthCodeError', async () => {
    const p = provider();
    await expect(p.exchange('061Abc0w3Xyz')).rejects.toMatchObject({
      errcode: 40029,
      reason: 'invalid_code',
    });
    const code = standIn.issueCode({ openid: 'oOPENID3' });
    await p.exchange(code);
    const reused = await rejectionOf(p.exchange(code));
    expect(reused).toBeInstanceOf(InvalidAuthCodeError);
    expect(reused).toMatchObject({ errcode: 40163 });
  });

  it('refuses a snapshot-mode virtual account', async () => {
    const error = await rejectionOf(
      provider().exchange(standIn.issueCode({ openid: 'oVirtual', snapshot: true })),
    );
    expect(error).toBeInstanceOf(UnusableIdentityError);
    expect(error).toMatchObject({ userFault: true });
  });

  it('reports a wrong app secret as PlatformApiError 40125 without the secret or the code', async () => {
    const secret = 'wrong-wechat-secret-77aa';
    const code = standIn.issueCode({ openid: 'oOPENID4' });
    const error = await rejectionOf(provider(secret).exchange(code));
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({ errcode: 40125, userFault: false });
    expectNoLeak(error, [secret, code]);
  });

  it('makes exactly one platform call per exchange (there is no app token to fetch)', async () => {
    const p = provider();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => p.exchange(standIn.issueCode({ openid: `o${i}` }))),
    );
    expect(standIn.calls(ACCESS_TOKEN)).toBe(10);
    expect(standIn.requests).toHaveLength(10);
  });
});
