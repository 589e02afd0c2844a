import Router from '@koa/router';
import { channelParamsSchema, createChannelSchema } from '../../../shared/schemas/channel.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import type { ChannelService } from '../../services/channel.service.js';

/**
 * `GET /api/channels`, `POST /api/channels`, `DELETE /api/channels/:id`: the WeCom and DingTalk
 * channels admins register for their community. Credentials are accepted, never shown.
 */
export function channelsRouter(deps: { channels: ChannelService }): Router {
  const router = new Router({ prefix: '/api/channels' });

  router.get('/', auth(), async (ctx) => {
    ctx.body = await deps.channels.list(actorOf(ctx));
  });

  router.post('/', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(createChannelSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await deps.channels.create(actor, input);
  });

  router.delete('/:id', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(channelParamsSchema, ctx.params);
    await deps.channels.remove(actor, id);
    ctx.status = 204;
  });

  return router;
}
