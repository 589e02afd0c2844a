import Router from '@koa/router';
import { listOpinionsQuerySchema } from '../../../shared/schemas/opinion.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { OpinionService } from '../../services/opinion.service.js';

/**
 * `GET /api/opinions?community=…&category=…`: the community's recent opinions, for its signed-in
 * residents. The demo also lets anonymous visitors read them, as its mini-app has no sign-in yet.
 */
export function opinionsRouter(deps: { opinions: OpinionService; demo: boolean }): Router {
  const router = new Router({ prefix: '/api/opinions' });
  router.get('/', auth({ optional: deps.demo }), async (ctx) => {
    const query = parseOrThrow(listOpinionsQuerySchema, ctx.query);
    ctx.body = await deps.opinions.list(query, ctx.actor ?? null);
  });
  return router;
}
