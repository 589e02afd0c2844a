import type { MembershipEvent } from '../../shared/messages.js';
import type { BotPlugin } from '../runtime/bot.js';
import type { GatewayClient } from '../runtime/gateway-client.js';
import { isPermanent } from './gateway-forwarder.js';

export interface MembershipForwarderOptions {
  client: GatewayClient;
  /** Delays between attempts while the server is unreachable or restarting. */
  retryDelaysMs?: number[];
}

const DEFAULT_RETRY_DELAYS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/**
 * Tells the server who joined and left the groups, for adapters whose platform reports it (WeChat);
 * the server applies each event once, so a retry after a lost answer is harmless.
 */
export function MembershipForwarder(options: MembershipForwarderOptions): BotPlugin {
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS;
  const pending = new Set<Promise<void>>();
  return function membershipForwarder(bot) {
    const forward = (event: MembershipEvent) => {
      const forwarding = (async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            await options.client.postMembership(event);
            return;
          } catch (err) {
            const delay = delays[attempt];
            if (isPermanent(err) || delay === undefined) {
              bot.log.error({ err, channel: event.channel, attempt }, 'membership event not forwarded');
              return;
            }
            await new Promise((r) => setTimeout(r, delay));
          }
        }
      })();
      pending.add(forwarding);
      void forwarding.finally(() => pending.delete(forwarding));
    };
    for (const adapter of bot.adapters) adapter.onMembership?.(forward);
    return async () => {
      await Promise.allSettled([...pending]);
    };
  };
}
