import Router from '@koa/router';
import {
  adoptOpinionSchema,
  listOpinionsQuerySchema,
  opinionIdParamSchema,
} from '../../../shared/schemas/opinion.js';
import { auth, signedInResident } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import type { OpinionService } from '../../services/opinion.service.js';

/**
 * `GET /api/opinions?community=…&category=…`: the community's recent opinions, for its signed-in
 * residents. The demo also lets anonymous visitors read them, as its mini-app has no sign-in yet.
 * `POST /api/opinions/:id/adopt` `{note?}`: staff adopt one (意见采纳); a repeat answers `unchanged`.
 */
export function opinionsRouter(deps: { opinions: OpinionService; demo: boolean }): Router {
  const router = new Router({ prefix: '/api/opinions' });
  router.get('/', auth({ optional: deps.demo }), async (ctx) => {
    const query = parseOrThrow(listOpinionsQuerySchema, ctx.query);
    ctx.body = await deps.opinions.list(query, ctx.actor ?? null);
  });

  router.post('/:id/adopt', auth(), async (ctx) => {
    const actor = signedInResident(ctx);
    const { id } = parseOrThrow(opinionIdParamSchema, ctx.params);
    const { note } = parseOrThrow(adoptOpinionSchema, ctx.request.body ?? {});
    ctx.body = await deps.opinions.adopt({ actor, id, note });
  });
  return router;
}
