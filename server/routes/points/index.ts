import Router from '@koa/router';
import {
  entryIdParamSchema,
  grantableQuerySchema,
  grantSchema,
  historyQuerySchema,
  leaderboardQuerySchema,
  putRulesSchema,
} from '../../../shared/schemas/points.js';
import { z } from 'zod';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import type { PointsService } from '../../services/points.service.js';

const reasonSchema = z.object({ reason: z.string().trim().min(2).max(200) });

/**
 * Residents: `GET /api/points/me`, `GET /api/points/history`, `GET /api/points/leaderboard`.
 * Staff: `GET|PUT /api/points/rules`, `GET /api/points/residents?q=` (whom to grant to),
 * `POST /api/points/grants`, `POST /api/points/entries/:id/reverse`.
 * Admins: `GET|POST /api/points/reconciliation`.
 */
export function pointsRouter(deps: { points: PointsService }): Router {
  const router = new Router({ prefix: '/api/points' });

  router.get('/me', auth(), async (ctx) => {
    ctx.body = await deps.points.account(actorOf(ctx));
  });

  router.get('/history', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    ctx.body = await deps.points.history(actor, parseOrThrow(historyQuerySchema, ctx.query));
  });

  router.get('/leaderboard', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { by, currency } = parseOrThrow(leaderboardQuerySchema, ctx.query);
    ctx.body = await deps.points.leaderboard(actor, by, currency);
  });

  router.get('/rules', auth(), async (ctx) => {
    ctx.body = await deps.points.rules(actorOf(ctx));
  });

  router.put('/rules', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { rules } = parseOrThrow(putRulesSchema, ctx.request.body);
    ctx.body = await deps.points.saveRules(actor, rules);
  });

  router.get('/residents', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { q } = parseOrThrow(grantableQuerySchema, ctx.query);
    ctx.body = { items: await deps.points.grantable(actor, q) };
  });

  router.post('/grants', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(grantSchema, ctx.request.body);
    ctx.body = await deps.points.grant(actor, input);
  });

  router.post('/entries/:id/reverse', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(entryIdParamSchema, ctx.params);
    const { reason } = parseOrThrow(reasonSchema, ctx.request.body);
    ctx.body = await deps.points.correct(actor, id, reason);
  });

  router.get('/reconciliation', auth(), async (ctx) => {
    ctx.body = await deps.points.reconciliationReport(actorOf(ctx));
  });

  router.post('/reconciliation', auth(), async (ctx) => {
    ctx.body = await deps.points.reconcileNow(actorOf(ctx));
  });

  return router;
}
