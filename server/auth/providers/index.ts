export { checkProviderEnv, providerEnvSchema, providerEnvShape } from './config.js';
export type { ProviderEnv } from './config.js';
export { createProviders, enabledPlatforms } from './create-providers.js';
export type { ProviderBaseUrls, ProviderDeps, Providers } from './create-providers.js';
export { DingtalkProvider } from './dingtalk.js';
export {
  InvalidAuthCodeError,
  PlatformApiError,
  PlatformError,
  PlatformUnavailableError,
  UnusableIdentityError,
} from './errors.js';
export type { PlatformErrorReason } from './errors.js';
export type {
  AuthProvider,
  IdentityKind,
  Platform,
  PlatformIdentity,
  RedirectAuthProvider,
} from './types.js';
export { WechatOAuthProvider } from './wechat.js';
export { WecomApi, WecomOAuthProvider } from './wecom.js';
export { signJsapi, signableUrl, UnsignableUrlError, WecomJssdkSigner } from './wecom-jssdk.js';
export type { JssdkSignature } from './wecom-jssdk.js';
