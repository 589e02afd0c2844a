import Router from '@koa/router';
import { z } from 'zod';
import { membershipEventSchema } from '../../shared/messages.js';
import { parseOrThrow } from '../middleware/validate.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import { serviceUnavailable } from '../errors.js';
import { gatewayAuth } from './gateway-auth.js';
import type { MessageProcessor } from './message-processor.js';
import type { OutboxNotifier } from './outbox-notifier.js';
import { claimSchema, postMessageSchema, reportSchema } from './schema.js';

const membershipSchema = z.object({ event: membershipEventSchema });

export interface GatewayDeps {
  secret: string;
  processor: MessageProcessor;
  outbox: OutboxRepository;
  notifier: OutboxNotifier;
  /** Aborted at shutdown so long-polls return at once. */
  shutdown: AbortSignal;
}

/** Backoff for a failed delivery: 5 s, 20 s, 80 s … capped at one hour. */
export const retryDelayMs = (attempts: number) => Math.min(5_000 * 4 ** Math.max(attempts - 1, 0), 3_600_000);
export const MAX_DELIVERY_ATTEMPTS = 8;

/** The bot's side door: messages in, outbox entries out, delivery outcomes back. */
export function gatewayRouter(deps: GatewayDeps): Router {
  const router = new Router({ prefix: '/gateway' });
  router.use(gatewayAuth(deps.secret));

  router.post('/messages', async (ctx) => {
    if (!deps.processor.acceptingWork) throw serviceUnavailable('shutting_down', 'errors.shuttingDown');
    const { message } = parseOrThrow(postMessageSchema, ctx.verifiedBody);
    const status = await deps.processor.accept(message);
    ctx.status = status === 'accepted' ? 202 : 200;
    ctx.body = { status };
  });

  router.post('/membership', async (ctx) => {
    if (!deps.processor.acceptingWork) throw serviceUnavailable('shutting_down', 'errors.shuttingDown');
    const { event } = parseOrThrow(membershipSchema, ctx.verifiedBody);
    ctx.body = { status: await deps.processor.applyMembership(event) };
  });

  router.post('/outbox/claim', async (ctx) => {
    const input = parseOrThrow(claimSchema, ctx.verifiedBody);
    const claimAll = () => deps.outbox.claimMany(input.channel, input.accountId, input.leaseMs, input.max);
    let entries = await claimAll();
    if (entries.length === 0 && input.waitMs > 0 && !deps.shutdown.aborted) {
      // Wake for a new entry, or when a retried or deferred one falls due, whichever comes first.
      const nextDue = await deps.outbox.nextDueAt(input.channel, input.accountId);
      const untilDue = nextDue ? Math.max(nextDue.getTime() - Date.now(), 0) : input.waitMs;
      await deps.notifier.wait(
        input.channel,
        input.accountId,
        Math.min(input.waitMs, untilDue),
        deps.shutdown,
      );
      // A worker that stopped waiting (shutting down) would never send what it was handed.
      if (ctx.req.socket.destroyed) return;
      entries = await claimAll();
    }
    ctx.body = { entries };
  });

  router.post('/outbox/report', async (ctx) => {
    const { results } = parseOrThrow(reportSchema, ctx.verifiedBody);
    // One call for the whole batch: it costs the engine a few round trips, not two per entry.
    const settled = await deps.outbox.settle(results, (attempts, r) =>
      r.retryable !== false && attempts < MAX_DELIVERY_ATTEMPTS
        ? new Date(Date.now() + (r.retryAfterMs ?? retryDelayMs(attempts)))
        : null,
    );
    ctx.body = { settled };
  });

  return router;
}
