import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import {
  InvalidAuthCodeError,
  PlatformApiError,
  PlatformUnavailableError,
  UnsignableUrlError,
  UnusableIdentityError,
  type AuthProvider,
  type Platform,
  type PlatformIdentity,
  type RedirectAuthProvider,
} from '../../auth/providers/index.js';
import { AppError } from '../../errors.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import { identityKeys, PlatformAuthService, type SignInProviders } from './platform-auth.service.js';

const log = pino({ level: 'silent' });

const resident = (id: string): ResidentRecord => ({
  id,
  communityId: 'c0c0c0c0c0c0c0c0c0c0c0c0',
  householdId: null,
  householdScope: null,
  relation: null,
  floorArea: null,
  name: '王秀英',
  phoneMasked: null,
  roles: [],
  version: 0,
});

const WANG = resident('a1a1a1a1a1a1a1a1a1a1a1a1');

/** A provider whose exchange answers `identity` or throws `error`. */
function provider(platform: Platform, outcome: PlatformIdentity | Error): RedirectAuthProvider {
  return {
    platform,
    exchange: vi.fn<AuthProvider['exchange']>(async () => {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    }),
    authorizeUrl: ({ state }) => `https://open.example/authorize?state=${state}`,
  };
}

/** The residents repository replaced by a map of `channel:platformId` → resident. */
function serviceWith(providers: SignInProviders, bound: Record<string, ResidentRecord> = {}) {
  const findByIdentity = vi.fn(
    async (channel: string, platformId: string) => bound[`${channel}:${platformId}`] ?? null,
  );
  return { service: new PlatformAuthService({ providers, residents: { findByIdentity } }), findByIdentity };
}

async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('identityKeys', () => {
  it('looks members up by the ids chat messages carry, customers by external_userid, WeChat by openid', () => {
    expect(identityKeys({ platform: 'wecom', kind: 'member', platformId: 'zhangsan' })).toEqual([
      { channel: 'wecom', kind: 'userid', platformId: 'zhangsan' },
    ]);
    expect(
      identityKeys({ platform: 'wecom', kind: 'external', platformId: 'wmABC', openId: 'oXYZ' }),
    ).toEqual([{ channel: 'wecom', kind: 'externalUserid', platformId: 'wmABC' }]);
    expect(identityKeys({ platform: 'wechat', kind: 'openid', platformId: 'oWx1' })).toEqual([
      { channel: 'wechat', kind: 'openid', platformId: 'oWx1' },
    ]);
  });

  it('tries a DingTalk staffId first and then the unionId; a bare WeCom openid matches nothing', () => {
    expect(
      identityKeys({ platform: 'dingtalk', kind: 'member', platformId: 'staff01', unionId: 'uid01' }),
    ).toEqual([
      { channel: 'dingtalk', kind: 'staffId', platformId: 'staff01' },
      { channel: 'dingtalk', kind: 'unionId', platformId: 'uid01' },
    ]);
    expect(identityKeys({ platform: 'wecom', kind: 'openid', platformId: 'oCorp1' })).toEqual([]);
  });
});

describe('PlatformAuthService.residentFor', () => {
  it('404 when the platform is not configured, without asking anyone', async () => {
    const { service, findByIdentity } = serviceWith({});
    const error = await appErrorOf(service.residentFor('wechat', 'code1', log));
    expect(error).toMatchObject({ status: 404, code: 'sign_in_unavailable' });
    expect(findByIdentity).not.toHaveBeenCalled();
  });

  it('401 for a code the platform refuses, 401 for an unusable account, 503 when the platform fails', async () => {
    const cases: [Error, number, string][] = [
      [
        new InvalidAuthCodeError('wecom', '/cgi-bin/auth/getuserinfo', 'invalid code', 40029),
        401,
        'invalid_code',
      ],
      [new UnusableIdentityError('wecom', '/x', 'snapshot user'), 401, 'unusable_identity'],
      [
        new PlatformApiError('wecom', '/cgi-bin/gettoken', 'invalid secret', 40001),
        503,
        'platform_unavailable',
      ],
      [new PlatformUnavailableError('wecom', '/cgi-bin/gettoken', 'HTTP 502'), 503, 'platform_unavailable'],
    ];
    for (const [thrown, status, code] of cases) {
      const { service, findByIdentity } = serviceWith({ wecom: provider('wecom', thrown) });
      const error = await appErrorOf(service.residentFor('wecom', 'code1', log));
      expect(error).toMatchObject({ status, code, params: { platform: 'platformAuth.platforms.wecom' } });
      expect(error.translateParams).toEqual(['platform']);
      expect(findByIdentity).not.toHaveBeenCalled();
    }
  });

  it('403 for an account nobody has bound, naming the platform for the translated hint', async () => {
    const { service, findByIdentity } = serviceWith({
      wecom: provider('wecom', { platform: 'wecom', kind: 'member', platformId: 'lisi' }),
    });
    const error = await appErrorOf(service.residentFor('wecom', 'code1', log));
    expect(error).toMatchObject({
      status: 403,
      code: 'account_not_bound',
      messageKey: 'platformAuth.notBound',
      params: { platform: 'platformAuth.platforms.wecom' },
    });
    expect(findByIdentity).toHaveBeenCalledWith('wecom', 'lisi');
  });

  it('403 for a WeCom user known only by openid, without a lookup that could match a userid', async () => {
    const { service, findByIdentity } = serviceWith(
      { wecom: provider('wecom', { platform: 'wecom', kind: 'openid', platformId: 'zhangsan' }) },
      { 'wecom:zhangsan': WANG },
    );
    expect(await appErrorOf(service.residentFor('wecom', 'code1', log))).toMatchObject({ status: 403 });
    expect(findByIdentity).not.toHaveBeenCalled();
  });

  it('finds the bound resident; DingTalk falls back to the unionId', async () => {
    const ding = provider('dingtalk', {
      platform: 'dingtalk',
      kind: 'member',
      platformId: 'staff01',
      unionId: 'uid01',
    });
    const { service, findByIdentity } = serviceWith({ dingtalk: ding }, { 'dingtalk:uid01': WANG });
    expect(await service.residentFor('dingtalk', 'authcode', log)).toBe(WANG);
    expect(ding.exchange).toHaveBeenCalledWith('authcode');
    expect(findByIdentity.mock.calls).toEqual([
      ['dingtalk', 'staff01'],
      ['dingtalk', 'uid01'],
    ]);
  });

  it('passes on errors that are not the platform’s, so they surface as 500s', async () => {
    const { service } = serviceWith({ wechat: provider('wechat', new TypeError('bug')) });
    await expect(service.residentFor('wechat', 'code1', log)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('PlatformAuthService.jssdkSignature', () => {
  const signed = { timestamp: 1_700_000_000, nonceStr: 'n0nce', signature: 'f'.repeat(40) };
  const signer = () => ({
    registerOptions: { corpId: 'ww1', agentId: '1000002' },
    getConfigSignature: vi.fn(async () => signed),
    getAgentConfigSignature: vi.fn(async () => ({ ...signed, nonceStr: 'agent' })),
  });
  const ORIGIN = 'https://community.example';

  it('signs pages of our origin with the corp ticket or the app ticket as asked', async () => {
    const wecomJssdk = signer();
    const { service } = serviceWith({ wecomJssdk });
    const url = `${ORIGIN}/app/#/me`;
    expect(await service.jssdkSignature({ url, kind: 'config' }, ORIGIN, log)).toEqual({
      corpId: 'ww1',
      agentId: '1000002',
      ...signed,
    });
    expect(await service.jssdkSignature({ url, kind: 'agent' }, ORIGIN, log)).toMatchObject({
      nonceStr: 'agent',
    });
    expect(wecomJssdk.getConfigSignature).toHaveBeenCalledWith(url);
    expect(wecomJssdk.getAgentConfigSignature).toHaveBeenCalledWith(url);
  });

  it('400 for another origin or no URL at all, before any ticket is fetched', async () => {
    const wecomJssdk = signer();
    const { service } = serviceWith({ wecomJssdk });
    for (const url of [
      'https://evil.example/app/',
      'https://community.example.evil.example/',
      'app/',
      'http://community.example/app/',
    ]) {
      const error = await appErrorOf(service.jssdkSignature({ url, kind: 'config' }, ORIGIN, log));
      expect(error).toMatchObject({ status: 400, code: 'unsignable_url' });
    }
    expect(wecomJssdk.getConfigSignature).not.toHaveBeenCalled();
  });

  it('400 when the signer refuses the URL, 503 when the ticket cannot be had, 404 without WeCom', async () => {
    const refusing = signer();
    refusing.getConfigSignature.mockRejectedValueOnce(new UnsignableUrlError('no'));
    const url = `${ORIGIN}/app/`;
    expect(
      await appErrorOf(
        serviceWith({ wecomJssdk: refusing }).service.jssdkSignature({ url, kind: 'config' }, ORIGIN, log),
      ),
    ).toMatchObject({ status: 400, code: 'unsignable_url' });

    const failing = signer();
    failing.getAgentConfigSignature.mockRejectedValueOnce(
      new PlatformApiError('wecom', '/cgi-bin/ticket/get', 'no rights', 48002),
    );
    expect(
      await appErrorOf(
        serviceWith({ wecomJssdk: failing }).service.jssdkSignature({ url, kind: 'agent' }, ORIGIN, log),
      ),
    ).toMatchObject({ status: 503, code: 'platform_unavailable' });

    expect(
      await appErrorOf(serviceWith({}).service.jssdkSignature({ url, kind: 'config' }, ORIGIN, log)),
    ).toMatchObject({
      status: 404,
    });
  });
});
