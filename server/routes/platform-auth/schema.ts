import { z } from 'zod';

/** Platforms that sign in by redirecting the browser to an authorize page. */
export const REDIRECT_PLATFORMS = ['wecom', 'wechat'] as const;
export type RedirectPlatform = (typeof REDIRECT_PLATFORMS)[number];

// Codes and states are checked in full by the providers and the state cookie; this only bounds them.
export const oauthCallbackQuerySchema = z.object({
  code: z.string().min(1).max(512),
  state: z.string().min(1).max(128),
});
export type OAuthCallbackQuery = z.infer<typeof oauthCallbackQuerySchema>;

/** `POST /api/auth/dingtalk`: the authCode the page got from `dd.getAuthCode`. */
export const dingtalkSignInBodySchema = z.object({
  authCode: z.string().trim().min(1).max(512),
});
export type DingtalkSignInBody = z.infer<typeof dingtalkSignInBodySchema>;

/** `GET /api/auth/wecom/jssdk-signature`: which of `ww.register`'s two callbacks asks, for which page. */
export const jssdkSignatureQuerySchema = z.object({
  url: z.string().min(1).max(2048),
  kind: z.enum(['config', 'agent']).default('config'),
});
export type JssdkSignatureQuery = z.infer<typeof jssdkSignatureQuerySchema>;

/** What `getConfigSignature` / `getAgentConfigSignature` resolve to, plus `ww.register`'s ids. */
export interface JssdkSignatureView {
  corpId: string;
  agentId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}
