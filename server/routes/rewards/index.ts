import Router from '@koa/router';
import {
  confirmSchema,
  createRewardSchema,
  objectIdParamSchema,
  redeemSchema,
} from '../../../shared/schemas/points.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import type { RewardService } from '../../services/reward.service.js';

/**
 * `GET /api/rewards`, `POST /api/rewards` (merchant/staff), `POST /api/rewards/:id/redeem` (resident),
 * `GET /api/rewards/redemptions/mine`, `GET /api/rewards/redemptions/merchant`,
 * `POST /api/rewards/redemptions/confirm` (merchant), `POST /api/rewards/redemptions/:id/cancel`.
 */
export function rewardsRouter(deps: { rewards: RewardService }): Router {
  const router = new Router({ prefix: '/api/rewards' });

  router.get('/', auth(), async (ctx) => {
    ctx.body = await deps.rewards.list(actorOf(ctx));
  });

  router.post('/', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(createRewardSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await deps.rewards.create(actor, input);
  });

  router.get('/redemptions/mine', auth(), async (ctx) => {
    ctx.body = await deps.rewards.mine(actorOf(ctx));
  });

  router.get('/redemptions/merchant', auth(), async (ctx) => {
    ctx.body = await deps.rewards.forMerchant(actorOf(ctx));
  });

  router.post('/redemptions/confirm', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { code } = parseOrThrow(confirmSchema, ctx.request.body);
    ctx.body = await deps.rewards.confirm(actor, code);
  });

  router.post('/redemptions/:id/cancel', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(objectIdParamSchema, ctx.params);
    ctx.body = await deps.rewards.cancel(actor, id);
  });

  router.post('/:id/redeem', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(objectIdParamSchema, ctx.params);
    const { requestId } = parseOrThrow(redeemSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await deps.rewards.redeem(actor, id, requestId);
  });

  return router;
}
