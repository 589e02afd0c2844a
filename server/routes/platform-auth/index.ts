import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { auth, issueSession } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { ResidentService } from '../../services/resident.service.js';
import { OAuthStateCookie } from './oauth-state.js';
import { failuresAsPage } from './platform-auth-page.js';
import {
  PlatformAuthService,
  signInUnavailable,
  stateInvalid,
  type PlatformAuthDeps,
} from './platform-auth.service.js';
import {
  dingtalkSignInBodySchema,
  jssdkSignatureQuerySchema,
  oauthCallbackQuerySchema,
  REDIRECT_PLATFORMS,
  type RedirectPlatform,
} from './schema.js';

export { deriveStateKey } from './oauth-state.js';
export type { JssdkSignatureView } from './schema.js';

export interface PlatformAuthRouterDeps extends PlatformAuthDeps {
  /** For the DingTalk sign-in's answer, the same view as `GET /api/me`. */
  me: Pick<ResidentService, 'me'>;
  /** Signs the OAuth state cookie (derived from the session secret). */
  stateKey: Buffer;
  /** PUBLIC_URL: the origin of redirect URIs and of pages the JSSDK may be registered on. */
  publicUrl?: string;
  now?: () => number;
}

const platformParamsSchema = z.object({ platform: z.string() });

/** The `:platform` of a redirect sign-in route; anything else is not a sign-in this server offers. */
function redirectPlatformOf(ctx: Context): RedirectPlatform {
  const { platform } = parseOrThrow(platformParamsSchema, ctx.params);
  if (!(REDIRECT_PLATFORMS as readonly string[]).includes(platform)) throw signInUnavailable();
  return platform as RedirectPlatform;
}

/**
 * Sign-in through WeCom, WeChat (OAuth redirect) and DingTalk (authCode from the page), and WeCom
 * JSSDK signing. Sign-in routes have no `auth()`: they are how one gets a session.
 */
export function platformAuthRouter(deps: PlatformAuthRouterDeps): Router {
  const router = new Router({ prefix: '/api/auth' });
  const service = new PlatformAuthService(deps);
  const states = new OAuthStateCookie(deps.stateKey, deps.now);
  // Koa 3's ctx.origin is the Origin header; ours is the URL this request came in on (proxy headers trusted).
  const originOf = (ctx: Context) =>
    deps.publicUrl ? new URL(deps.publicUrl).origin : `${ctx.protocol}://${ctx.host}`;

  // Which sign-in buttons the mini-app shows; public, it names platforms, never their settings.
  router.get('/platforms', (ctx) => {
    ctx.body = { platforms: (['wecom', 'dingtalk', 'wechat'] as const).filter((p) => deps.providers[p]) };
  });

  // `GET /api/auth/wecom/start` → the platform's authorize page, which comes back to the callback below.
  router.get('/:platform/start', failuresAsPage(), async (ctx) => {
    const platform = redirectPlatformOf(ctx);
    const provider = service.redirectProvider(platform);
    const redirectUri = `${originOf(ctx)}/api/auth/${platform}/callback`;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(provider.authorizeUrl({ redirectUri, state: states.issue(ctx, platform) }));
  });

  router.get('/:platform/callback', failuresAsPage(), async (ctx) => {
    const platform = redirectPlatformOf(ctx);
    // A platform not configured here is a 404 before the query or the cookie is looked at.
    service.redirectProvider(platform);
    const { code, state } = parseOrThrow(oauthCallbackQuerySchema, ctx.query);
    if (states.take(ctx, platform, state) !== 'ok') throw stateInvalid();
    const resident = await service.residentFor(platform, code, ctx.log);
    await issueSession(ctx, resident.id);
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect('/app/');
  });

  router.post('/dingtalk', async (ctx) => {
    const { authCode } = parseOrThrow(dingtalkSignInBodySchema, ctx.request.body);
    const resident = await service.residentFor('dingtalk', authCode, ctx.log);
    const { resident: signedIn } = await issueSession(ctx, resident.id);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = await deps.me.me(signedIn);
  });

  // Any signed-in resident may register the JSSDK on our own pages; there is no object to authorise.
  router.get('/wecom/jssdk-signature', auth(), async (ctx) => {
    const query = parseOrThrow(jssdkSignatureQuerySchema, ctx.query);
    ctx.body = await service.jssdkSignature(query, originOf(ctx), ctx.log);
  });

  return router;
}
