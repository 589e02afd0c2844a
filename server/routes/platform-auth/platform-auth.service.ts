import type { Channel } from '../../../shared/messages.js';
import type { IdentityKind } from '../../../shared/schemas/community.js';
import {
  PlatformError,
  UnsignableUrlError,
  type AuthProvider,
  type Platform,
  type PlatformIdentity,
  type RedirectAuthProvider,
  type WecomJssdkSigner,
} from '../../auth/providers/index.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ResidentRecord, ResidentRepository } from '../../repositories/resident.repository.js';
import type { JssdkSignatureQuery, JssdkSignatureView, RedirectPlatform } from './schema.js';

/** Where a resident's bound account is looked up: the identity namespaces chat binding writes. */
export interface IdentityKey {
  channel: Channel;
  kind: IdentityKind;
  platformId: string;
}

/**
 * The bound identities a platform's answer may match, most specific first. A WeCom user known only by
 * an openid (neither member nor customer) can never have been bound from a group, so matches nothing.
 */
export function identityKeys(identity: PlatformIdentity): IdentityKey[] {
  switch (identity.platform) {
    case 'wecom':
      if (identity.kind === 'member') {
        return [{ channel: 'wecom', kind: 'userid', platformId: identity.platformId }];
      }
      if (identity.kind === 'external') {
        return [{ channel: 'wecom', kind: 'externalUserid', platformId: identity.platformId }];
      }
      return [];
    case 'dingtalk':
      return [
        { channel: 'dingtalk', kind: 'staffId', platformId: identity.platformId },
        ...(identity.unionId
          ? [{ channel: 'dingtalk' as const, kind: 'unionId' as const, platformId: identity.unionId }]
          : []),
      ];
    case 'wechat':
      return [{ channel: 'wechat', kind: 'openid', platformId: identity.platformId }];
  }
}

const platformName = (platform: Platform) => `platformAuth.platforms.${platform}`;

export const signInUnavailable = () => new AppError(404, 'sign_in_unavailable', 'platformAuth.unavailable');

export const stateInvalid = () => new AppError(400, 'oauth_state_invalid', 'platformAuth.stateInvalid');

export const unsignableUrl = () => new AppError(400, 'unsignable_url', 'platformAuth.unsignableUrl');

/** The user's code or account at fault → 401; our configuration or the platform at fault → 503. */
export function platformFailure(err: PlatformError): AppError {
  const params = { platform: platformName(err.platform) };
  if (err.reason === 'invalid_code') {
    return new AppError(401, 'invalid_code', 'platformAuth.invalidCode', params, ['platform']);
  }
  if (err.userFault) {
    return new AppError(401, 'unusable_identity', 'platformAuth.unusableIdentity', params, ['platform']);
  }
  return new AppError(503, 'platform_unavailable', 'platformAuth.platformUnavailable', params, ['platform']);
}

/** The configured providers (`createProviders`), as far as sign-in and signing use them. */
export interface SignInProviders {
  wecom?: RedirectAuthProvider;
  wechat?: RedirectAuthProvider;
  dingtalk?: AuthProvider;
  wecomJssdk?: Pick<WecomJssdkSigner, 'getConfigSignature' | 'getAgentConfigSignature' | 'registerOptions'>;
}

export interface PlatformAuthDeps {
  providers: SignInProviders;
  residents: Pick<ResidentRepository, 'findByIdentity'>;
}

/** Platform sign-in and JSSDK signing: code → platform identity → the resident it is bound to. */
export class PlatformAuthService {
  constructor(private readonly deps: PlatformAuthDeps) {}

  /** The provider of a redirect sign-in; 404 when that platform is not configured here. */
  redirectProvider(platform: RedirectPlatform): RedirectAuthProvider {
    const provider = this.deps.providers[platform];
    if (!provider) throw signInUnavailable();
    return provider;
  }

  /**
   * Exchanges a one-time code and finds the resident bound to that account. 401 for a bad code, 403
   * for an account nobody has bound yet (they bind from their group first), 503 when the platform fails.
   */
  async residentFor(platform: Platform, code: string, log: Logger): Promise<ResidentRecord> {
    const provider: AuthProvider | undefined = this.deps.providers[platform];
    if (!provider) throw signInUnavailable();
    let identity: PlatformIdentity;
    try {
      identity = await provider.exchange(code);
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      // Provider messages name the endpoint only; secrets, tokens and codes are already redacted.
      log.warn({ err, platform, reason: err.reason, errcode: err.errcode }, 'platform sign-in failed');
      throw platformFailure(err);
    }
    for (const key of identityKeys(identity)) {
      const resident = await this.deps.residents.findByIdentity(key.channel, key.platformId);
      if (resident) {
        log.info({ platform, residentId: resident.id, via: key.kind }, 'platform sign-in');
        return resident;
      }
    }
    log.info({ platform, kind: identity.kind }, 'platform sign-in by an unbound account');
    throw new AppError(
      403,
      'account_not_bound',
      'platformAuth.notBound',
      { platform: platformName(platform) },
      ['platform'],
    );
  }

  /**
   * Signs `@wecom/jssdk` registration for one of our pages: `allowedOrigin` is PUBLIC_URL's origin, or
   * the request's own when none is configured.
   */
  async jssdkSignature(
    query: JssdkSignatureQuery,
    allowedOrigin: string,
    log: Logger,
  ): Promise<JssdkSignatureView> {
    const signer = this.deps.providers.wecomJssdk;
    if (!signer) throw signInUnavailable();
    let origin: string;
    try {
      origin = new URL(query.url).origin;
    } catch {
      throw unsignableUrl();
    }
    if (origin !== allowedOrigin) throw unsignableUrl();
    try {
      const signature =
        query.kind === 'agent'
          ? await signer.getAgentConfigSignature(query.url)
          : await signer.getConfigSignature(query.url);
      return { ...signer.registerOptions, ...signature };
    } catch (err) {
      if (err instanceof UnsignableUrlError) throw unsignableUrl();
      if (!(err instanceof PlatformError)) throw err;
      log.warn({ err, reason: err.reason, errcode: err.errcode }, 'wecom jsapi ticket unavailable');
      throw platformFailure(err);
    }
  }
}
