import type { ProviderEnv } from './config.js';
import { DingtalkProvider } from './dingtalk.js';
import { OPEN_WEIXIN_BASE_URL } from './oauth.js';
import type { Platform, FetchFn } from './types.js';
import { WechatOAuthProvider } from './wechat.js';
import { WecomApi, WecomOAuthProvider } from './wecom.js';
import { WecomJssdkSigner } from './wecom-jssdk.js';

/** Hosts to call instead of the real platforms (tests pass their stand-ins' URLs). */
export interface ProviderBaseUrls {
  wecomApi?: string;
  wecomAuthorize?: string;
  dingtalkApi?: string;
  wechatApi?: string;
  wechatAuthorize?: string;
}

export interface ProviderDeps {
  fetch?: FetchFn;
  baseUrls?: ProviderBaseUrls;
  now?: () => number;
  timeoutMs?: number;
  /** Origins the JSSDK signer will sign pages of (e.g. `[config.PUBLIC_URL]`); unset signs any http(s) URL. */
  jssdkAllowedOrigins?: readonly string[];
}

/** The enabled providers; the sign-in ones are keyed by platform so a route can use `providers[platform]`. */
export interface Providers {
  wecom?: WecomOAuthProvider;
  wecomJssdk?: WecomJssdkSigner;
  dingtalk?: DingtalkProvider;
  wechat?: WechatOAuthProvider;
}

export function createProviders(config: ProviderEnv, deps: ProviderDeps = {}): Providers {
  const { baseUrls = {}, jssdkAllowedOrigins, ...clientDeps } = deps;
  const providers: Providers = {};

  const { WECOM_CORP_ID: corpId, WECOM_AGENT_ID: agentId, WECOM_SECRET: secret } = config;
  if (corpId && agentId && secret) {
    const api = new WecomApi({ corpId, agentId, secret }, { ...clientDeps, baseUrl: baseUrls.wecomApi });
    providers.wecom = new WecomOAuthProvider(
      { corpId, agentId },
      api,
      baseUrls.wecomAuthorize ?? OPEN_WEIXIN_BASE_URL,
    );
    providers.wecomJssdk = new WecomJssdkSigner(api, {
      now: deps.now,
      allowedOrigins: jssdkAllowedOrigins,
    });
  }

  const { DINGTALK_APP_KEY: appKey, DINGTALK_APP_SECRET: appSecret } = config;
  if (appKey && appSecret) {
    providers.dingtalk = new DingtalkProvider(
      { appKey, appSecret },
      { ...clientDeps, baseUrl: baseUrls.dingtalkApi },
    );
  }

  const { WECHAT_APP_ID: appId, WECHAT_APP_SECRET: wechatSecret } = config;
  if (appId && wechatSecret) {
    providers.wechat = new WechatOAuthProvider(
      { appId, appSecret: wechatSecret },
      { ...clientDeps, baseUrl: baseUrls.wechatApi, authorizeBaseUrl: baseUrls.wechatAuthorize },
    );
  }

  return providers;
}

/** The platforms a user can sign in with here, e.g. for the mini-app to show only working buttons. */
export function enabledPlatforms(providers: Providers): Platform[] {
  return (['wecom', 'dingtalk', 'wechat'] as const).filter((platform) => providers[platform] !== undefined);
}
