import Router from '@koa/router';
import { listOpinionsQuerySchema } from '../../../shared/schemas/opinion.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { OpinionService } from '../../services/opinion.service.js';

/** `GET /api/opinions?community=…&category=…`: the community's recent opinions for the mini-app. */
export function opinionsRouter(deps: { opinions: OpinionService }): Router {
  const router = new Router({ prefix: '/api/opinions' });
  router.get('/', async (ctx) => {
    const query = parseOrThrow(listOpinionsQuerySchema, ctx.query);
    ctx.body = await deps.opinions.list(query);
  });
  return router;
}
