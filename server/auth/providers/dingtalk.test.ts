import { afterEach, describe, expect, it } from 'vitest';
import {
  expectNoLeak,
  rejectionOf,
  startDingtalkStandIn,
} from '../../../test/support/platform-stand-ins/index.js';
import type {
  DingtalkStandIn,
  DingtalkStandInOptions,
} from '../../../test/support/platform-stand-ins/index.js';
import { DingtalkProvider } from './dingtalk.js';
import { InvalidAuthCodeError, PlatformApiError } from './errors.js';

const GETTOKEN = '/gettoken';
const GETUSERINFO = '/topapi/v2/user/getuserinfo';

let standIn: DingtalkStandIn | undefined;
let clock: { t: number };

async function setup(options: DingtalkStandInOptions = {}, secret?: string) {
  standIn = await startDingtalkStandIn(options);
  clock = { t: 1_700_000_000_000 };
  const provider = new DingtalkProvider(
    { appKey: standIn.appKey, appSecret: secret ?? standIn.appSecret },
    { baseUrl: standIn.baseUrls.dingtalkApi, now: () => clock.t },
  );
  return { s: standIn, provider };
}

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('DingtalkProvider.exchange', () => {
  it('maps an authCode to the userid and unionid, posting the code in the JSON body', async () => {
    const { s, provider } = await setup();
    const code = s.issueCode({ userid: 'manager4220', unionid: 'gliiW0piiii02zBUjUxxxx', name: '张三' });

    expect(await provider.exchange(code)).toEqual({
      platform: 'dingtalk',
      kind: 'member',
      platformId: 'manager4220',
      unionId: 'gliiW0piiii02zBUjUxxxx',
    });
    const tokenRequest = s.requests.find((r) => r.path === GETTOKEN);
    expect(tokenRequest?.method).toBe('GET');
    expect(tokenRequest?.query.get('appkey')).toBe(s.appKey);
    expect(tokenRequest?.query.get('appsecret')).toBe(s.appSecret);
    const userRequest = s.requests.find((r) => r.path === GETUSERINFO);
    expect(userRequest?.method).toBe('POST');
    expect(userRequest?.body).toEqual({ code });
    expect(userRequest?.query.get('code')).toBeNull();
    expect(userRequest?.query.get('access_token')).toBe(s.tokens.peek());
  });

  it('leaves unionId out when DingTalk returns none', async () => {
    const { s, provider } = await setup();
    expect(await provider.exchange(s.issueCode({ userid: 'u1' }))).toEqual({
      platform: 'dingtalk',
      kind: 'member',
      platformId: 'u1',
    });
  });

  it('rejects an unknown or reused authCode with InvalidAuthCodeError 40078', async () => {
    const { s, provider } = await setup();
    const unknown = await rejectionOf(provider.exchange('0123456789abcdef'));
    expect(unknown).toBeInstanceOf(InvalidAuthCodeError);
    expect(unknown).toMatchObject({ platform: 'dingtalk', errcode: 40078, userFault: true });

    const code = s.issueCode({ userid: 'u1' });
    await provider.exchange(code);
    await expect(provider.exchange(code)).rejects.toMatchObject({ errcode: 40078 });
  });

  it('reuses the access token across exchanges and refreshes it shortly before expires_in', async () => {
    const { s, provider } = await setup();
    for (const userid of ['a', 'b', 'c']) await provider.exchange(s.issueCode({ userid }));
    expect(s.calls(GETTOKEN)).toBe(1);
    clock.t += 6901 * 1000;
    await provider.exchange(s.issueCode({ userid: 'd' }));
    expect(s.calls(GETTOKEN)).toBe(2);
  });

  it.each([42001, 40014] as const)(
    'refreshes the token once when DingTalk answers %i for an expired one',
    async (errcode) => {
      const { s, provider } = await setup({ expiredTokenErrcode: errcode });
      await provider.exchange(s.issueCode({ userid: 'a' }));
      s.tokens.expire();
      expect(await provider.exchange(s.issueCode({ userid: 'b' }))).toMatchObject({ platformId: 'b' });
      expect(s.calls(GETTOKEN)).toBe(2);
      expect(s.calls(GETUSERINFO)).toBe(3);
    },
  );

  it('fetches one token for 10 concurrent exchanges, and one refresh for 10 after expiry', async () => {
    const { s, provider } = await setup({ latencyMs: 20 });
    const batch = (prefix: string) =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) => provider.exchange(s.issueCode({ userid: `${prefix}${i}` }))),
      );
    expect((await batch('x')).map((i) => i.platformId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `x${i}`),
    );
    expect(s.calls(GETTOKEN)).toBe(1);
    s.tokens.expire();
    await batch('y');
    expect(s.calls(GETTOKEN)).toBe(2);
    expect(s.calls(GETUSERINFO)).toBe(30);
  });

  it('reports a wrong app secret as PlatformApiError without the secret', async () => {
    const secret = 'not-the-app-secret-3c1d';
    const { s, provider } = await setup({}, secret);
    const error = await rejectionOf(provider.exchange(s.issueCode({ userid: 'a' })));
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({ errcode: 40001, endpoint: GETTOKEN, userFault: false });
    expectNoLeak(error, [secret, s.appSecret]);
  });
});
