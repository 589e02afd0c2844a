import Router from '@koa/router';
import { auth, signedInResident } from '../../auth/session.js';
import type { ResidentService } from '../../services/resident.service.js';

/** `GET /api/me`: the signed-in resident, household, roles with scopes, bound platforms. */
export function meRouter(deps: { residents: ResidentService }): Router {
  const router = new Router({ prefix: '/api/me' });
  router.get('/', auth(), async (ctx) => {
    ctx.body = await deps.residents.me(signedInResident(ctx));
  });
  return router;
}
