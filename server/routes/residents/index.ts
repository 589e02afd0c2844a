import Router from '@koa/router';
import { residentParamsSchema, updateRolesBodySchema } from '../../../shared/schemas/resident.js';
import { auth, signedInResident } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { ResidentService } from '../../services/resident.service.js';

/** Residents as staff manage them; the service checks each call against the policy first. */
export function residentsRouter(deps: { residents: ResidentService }): Router {
  const router = new Router({ prefix: '/api/residents' });

  router.get('/:id', auth(), async (ctx) => {
    const { id } = parseOrThrow(residentParamsSchema, ctx.params);
    ctx.body = await deps.residents.get(signedInResident(ctx), id);
  });

  router.put('/:id/roles', auth(), async (ctx) => {
    const { id } = parseOrThrow(residentParamsSchema, ctx.params);
    const body = parseOrThrow(updateRolesBodySchema, ctx.request.body);
    ctx.body = await deps.residents.updateRoles(signedInResident(ctx), id, body);
  });

  return router;
}
