import Router from '@koa/router';
import { listAuditQuerySchema } from '../../../shared/schemas/audit.js';
import { auth, signedInResident } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { AuditService } from '../../services/audit.service.js';

/** `GET /api/audit?limit=&before=`: the community's staff actions, for admins. */
export function auditRouter(deps: { audit: AuditService }): Router {
  const router = new Router({ prefix: '/api/audit' });
  router.get('/', auth(), async (ctx) => {
    const query = parseOrThrow(listAuditQuerySchema, ctx.query);
    ctx.body = await deps.audit.list(signedInResident(ctx), query);
  });
  return router;
}
