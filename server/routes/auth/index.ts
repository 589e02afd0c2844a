import Router from '@koa/router';
import { demoSignInBodySchema } from '../../../shared/schemas/resident.js';
import { issueSession } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { ResidentService } from '../../services/resident.service.js';

/**
 * Signing in and out. These are the only endpoints without `auth()`: they are how one gets a session.
 * Platform sign-ins (WeCom, DingTalk, WeChat OAuth) add their own routes and call `issueSession`.
 */
export function authRouter(deps: { residents: ResidentService; demo: boolean }): Router {
  const router = new Router({ prefix: '/api/auth' });

  // Works with or without a valid session: signing out always leaves the browser signed out.
  router.post('/logout', async (ctx) => {
    ctx.sessions.clear(ctx);
    ctx.status = 204;
  });

  if (deps.demo) {
    // Demo mode only: pick any seeded resident and be them, so the mini-app can be tried without a platform.
    router.get('/demo/residents', async (ctx) => {
      ctx.body = await deps.residents.demoResidents();
    });
    router.post('/demo', async (ctx) => {
      const { residentId } = parseOrThrow(demoSignInBodySchema, ctx.request.body);
      const { resident } = await issueSession(ctx, residentId);
      ctx.body = await deps.residents.me(resident);
    });
  }
  return router;
}
