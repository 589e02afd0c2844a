import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  startDingtalkStandIn,
  startWechatStandIn,
  startWecomStandIn,
} from '../../../test/support/platform-stand-ins/index.js';
import type {
  DingtalkStandIn,
  WechatStandIn,
  WecomStandIn,
} from '../../../test/support/platform-stand-ins/index.js';
import { checkProviderEnv, providerEnvSchema, providerEnvShape } from './config.js';
import { createProviders, enabledPlatforms } from './create-providers.js';
import type { Platform } from './types.js';

describe('providerEnvSchema', () => {
  it('accepts no settings at all, and treats blank values as unset', () => {
    expect(providerEnvSchema.parse({})).toEqual({});
    expect(providerEnvSchema.parse({ WECOM_SECRET: '  ', WECHAT_APP_ID: '' })).toEqual({});
  });

  it('accepts WECOM_CORP_ID alone, which the WeCom channel uses without sign-in', () => {
    expect(providerEnvSchema.safeParse({ WECOM_CORP_ID: 'wwCORP' }).success).toBe(true);
  });

  it.each([
    [{ WECOM_SECRET: 's' }, ['WECOM_AGENT_ID', 'WECOM_CORP_ID']],
    [{ WECOM_CORP_ID: 'ww', WECOM_AGENT_ID: '1000002' }, ['WECOM_SECRET']],
    [{ DINGTALK_APP_KEY: 'k' }, ['DINGTALK_APP_SECRET']],
    [{ WECHAT_APP_SECRET: 's' }, ['WECHAT_APP_ID']],
  ])('names what is missing from a half-configured provider: %j', (env, missing) => {
    const result = providerEnvSchema.safeParse(env);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(missing);
  });

  it('requires a numeric WECOM_AGENT_ID', () => {
    const result = providerEnvSchema.safeParse({
      WECOM_CORP_ID: 'ww',
      WECOM_AGENT_ID: 'app',
      WECOM_SECRET: 's',
    });
    expect(result.error?.issues[0]?.path).toEqual(['WECOM_AGENT_ID']);
  });

  it('merges into a larger config schema through the shape and the check', () => {
    const server = z
      .object({ PORT: z.coerce.number().default(3000), ...providerEnvShape })
      .superRefine(checkProviderEnv);
    expect(server.parse({ DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' })).toEqual({
      PORT: 3000,
      DINGTALK_APP_KEY: 'k',
      DINGTALK_APP_SECRET: 's',
    });
    expect(server.safeParse({ DINGTALK_APP_KEY: 'k' }).success).toBe(false);
  });
});

describe('createProviders', () => {
  let wecom: WecomStandIn;
  let dingtalk: DingtalkStandIn;
  let wechat: WechatStandIn;

  beforeAll(async () => {
    [wecom, dingtalk, wechat] = await Promise.all([
      startWecomStandIn(),
      startDingtalkStandIn(),
      startWechatStandIn(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([wecom.close(), dingtalk.close(), wechat.close()]);
  });

  it('returns nothing when nothing is configured', () => {
    const providers = createProviders(providerEnvSchema.parse({ WECOM_CORP_ID: 'ww-channel-only' }));
    expect(providers).toEqual({});
    expect(enabledPlatforms(providers)).toEqual([]);
  });

  it('returns only the configured providers', () => {
    const providers = createProviders({ WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's' });
    expect(Object.keys(providers)).toEqual(['wechat']);
    expect(enabledPlatforms(providers)).toEqual(['wechat']);
  });

  it('wires every provider to its stand-in so each sign-in flow works end to end', async () => {
    const providers = createProviders(
      {
        WECOM_CORP_ID: wecom.corpId,
        WECOM_AGENT_ID: wecom.agentId,
        WECOM_SECRET: wecom.secret,
        DINGTALK_APP_KEY: dingtalk.appKey,
        DINGTALK_APP_SECRET: dingtalk.appSecret,
        WECHAT_APP_ID: wechat.appId,
        WECHAT_APP_SECRET: wechat.appSecret,
      },
      { baseUrls: { ...wecom.baseUrls, ...dingtalk.baseUrls, ...wechat.baseUrls } },
    );
    expect(enabledPlatforms(providers)).toEqual(['wecom', 'dingtalk', 'wechat']);

    const codes: Record<Platform, string> = {
      wecom: wecom.issueCode({ userid: 'wecom-user' }),
      dingtalk: dingtalk.issueCode({ userid: 'ding-user' }),
      wechat: wechat.issueCode({ openid: 'wechat-openid' }),
    };
    // What the callback route does: look the provider up by the platform in the path.
    for (const platform of enabledPlatforms(providers)) {
      const identity = await providers[platform]?.exchange(codes[platform]);
      expect(identity?.platform).toBe(platform);
    }
    expect(wecom.calls('/cgi-bin/auth/getuserinfo')).toBe(1);
    expect(dingtalk.calls('/topapi/v2/user/getuserinfo')).toBe(1);
    expect(wechat.calls('/sns/oauth2/access_token')).toBe(1);

    const signature = await providers.wecomJssdk?.getConfigSignature('https://c.example/app');
    expect(signature?.signature).toMatch(/^[0-9a-f]{40}$/);
    expect(providers.wecomJssdk?.registerOptions).toEqual({ corpId: wecom.corpId, agentId: wecom.agentId });
    // Sign-in and JSSDK share one WeCom app token.
    expect(wecom.calls('/cgi-bin/gettoken')).toBe(1);
    expect(providers.wecom?.authorizeUrl({ redirectUri: 'https://c.example/cb', state: 'x1' })).toMatch(
      new RegExp(`^${wecom.url}/connect/oauth2/authorize\\?appid=${wecom.corpId}&`),
    );
  });
});
