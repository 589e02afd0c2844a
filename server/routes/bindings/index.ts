import Router from '@koa/router';
import {
  bindingParamsSchema,
  listBindingsQuerySchema,
  rejectBindingBodySchema,
} from '../../../shared/schemas/binding.js';
import { auth, signedInResident } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { BindingService } from '../../services/binding.service.js';

/** Binding requests as building leads and secretaries decide them; the service asks the policy first. */
export function bindingsRouter(deps: { bindings: BindingService }): Router {
  const router = new Router({ prefix: '/api/bindings' });

  router.get('/', auth(), async (ctx) => {
    const query = parseOrThrow(listBindingsQuerySchema, ctx.query);
    ctx.body = await deps.bindings.list(signedInResident(ctx), query);
  });

  router.post('/:id/approve', auth(), async (ctx) => {
    const { id } = parseOrThrow(bindingParamsSchema, ctx.params);
    ctx.body = await deps.bindings.decideById(signedInResident(ctx), id, { status: 'approved' });
  });

  router.post('/:id/reject', auth(), async (ctx) => {
    const { id } = parseOrThrow(bindingParamsSchema, ctx.params);
    const { reason } = parseOrThrow(rejectBindingBodySchema, ctx.request.body ?? {});
    ctx.body = await deps.bindings.decideById(signedInResident(ctx), id, { status: 'rejected', reason });
  });

  return router;
}
