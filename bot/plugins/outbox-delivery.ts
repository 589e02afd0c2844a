import type { ChannelAdapter, Pacing, SendResult } from '../runtime/adapter.js';
import type { BotPlugin } from '../runtime/bot.js';
import type { ClaimedEntry, DeliveryReport, GatewayClient } from '../runtime/gateway-client.js';
import { SendWindow } from './send-window.js';

export interface OutboxDeliveryOptions {
  client: GatewayClient;
  /** How long one claim waits on the server for new entries. */
  longPollMs?: number;
  /** How many entries one claim may take. */
  batch?: number;
  random?: () => number;
}

/** A pause drawn uniformly from the adapter's pacing window. */
export function nextPause(pacing: Pacing, random: () => number = Math.random): number {
  return pacing.minDelayMs + Math.round((pacing.maxDelayMs - pacing.minDelayMs) * random());
}

export function toReport(entry: ClaimedEntry, result: SendResult): DeliveryReport {
  if (result.ok) return { id: entry.id, claimToken: entry.claimToken, ok: true };
  return {
    id: entry.id,
    claimToken: entry.claimToken,
    ok: false,
    error: result.error.slice(0, 500),
    retryable: result.retryable,
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Delivers what the server queued: one loop per bot account claims outbox entries, sends them one
 * at a time with the account's pacing, and reports each outcome so the server can retry or record it.
 */
export function OutboxDelivery(options: OutboxDeliveryOptions): BotPlugin {
  const longPollMs = options.longPollMs ?? 20_000;
  const batch = options.batch ?? 10;
  const random = options.random ?? Math.random;
  const stop = new AbortController();
  const loops: Promise<void>[] = [];

  /** Gives an entry back without counting an attempt: it goes out once `afterMs` has passed. */
  const handBack = (entry: ClaimedEntry, afterMs: number, reason: string): DeliveryReport => ({
    id: entry.id,
    claimToken: entry.claimToken,
    ok: false,
    error: reason,
    retryable: true,
    retryAfterMs: Math.max(0, Math.ceil(afterMs)),
    deferred: true,
  });

  async function run(adapter: ChannelAdapter, log: { warn(o: object, m?: string): void }) {
    let lastSentAt = 0;
    const limit = adapter.sendLimit;
    const window = limit ? new SendWindow(limit) : null;
    while (!stop.signal.aborted) {
      let entries: ClaimedEntry[];
      try {
        entries = await options.client.claim(
          adapter.channel,
          adapter.accountId,
          { max: batch, waitMs: longPollMs },
          stop.signal,
        );
      } catch (err) {
        if (stop.signal.aborted) break;
        log.warn({ err, channel: adapter.channel }, 'claim failed; retrying');
        await sleep(1_000, stop.signal);
        continue;
      }
      for (const [index, entry] of entries.entries()) {
        const wait = lastSentAt + nextPause(adapter.pacing, random) - Date.now();
        if (wait > 0) await sleep(wait, stop.signal);
        if (stop.signal.aborted) {
          // Hand back what was claimed but not sent, so another worker takes it at once.
          const rest = entries.slice(index).map((e) => handBack(e, 0, 'worker stopping'));
          await options.client.report(rest).catch(() => undefined);
          break;
        }
        const key = limit?.key(entry) ?? null;
        const blockedFor = key && window ? window.waitFor(key) : 0;
        if (key && blockedFor > 0) {
          // The platform would refuse it now (20 a minute per robot): let it wait in the outbox instead.
          await options.client.report([handBack(entry, blockedFor, 'sender limit')]).catch(() => undefined);
          continue;
        }
        if (key) window?.record(key);
        const result = await adapter
          .send(entry)
          .catch((err: unknown): SendResult => ({ ok: false, error: String(err), retryable: true }));
        lastSentAt = Date.now();
        await options.client
          .report([toReport(entry, result)])
          .catch((err: unknown) => log.warn({ err, id: entry.id }, 'report failed; the lease will expire'));
      }
    }
  }

  return function outboxDelivery(bot) {
    bot.onStart(() => {
      for (const adapter of bot.adapters) loops.push(run(adapter, bot.log));
    });
    return async () => {
      stop.abort();
      await Promise.allSettled(loops);
    };
  };
}
