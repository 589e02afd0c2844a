import Router from '@koa/router';
import { channelRecordsRequestSchema } from '../../shared/schemas/channel.js';
import { parseOrThrow } from '../middleware/validate.js';
import type { ChannelService } from '../services/channel.service.js';
import { gatewayAuth } from './gateway-auth.js';

export interface ChannelGatewayDeps {
  secret: string;
  channels: Pick<ChannelService, 'recordsAfter'>;
  /** Aborted at shutdown so long-polls return at once. */
  shutdown: AbortSignal;
}

/**
 * `POST /gateway/channels`: the registered channels with their credentials, for bot processes that
 * hold the gateway secret and no one else. With the revision the bot has, it waits for a change.
 */
export function channelGatewayRouter(deps: ChannelGatewayDeps): Router {
  const router = new Router({ prefix: '/gateway' });
  router.use(gatewayAuth(deps.secret));
  router.post('/channels', async (ctx) => {
    const { revision, waitMs } = parseOrThrow(channelRecordsRequestSchema, ctx.verifiedBody);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.channels.recordsAfter(revision, waitMs, deps.shutdown);
  });
  return router;
}
