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
  /** Sends in flight at once on an unpaced account (group robots: one robot per group). */
  concurrency?: number;
  /**
   * Pause before claiming again after a short batch: entries trickling in (a broadcast being queued)
   * are then claimed a handful at a time rather than one claim each.
   */
  shortBatchPauseMs?: number;
  /** How long a claim holds its entries before another worker may take them. */
  leaseMs?: number;
  /** How long an outcome is re-reported while the server cannot be reached; within the lease by default. */
  reportRetryMs?: number;
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
  const batch = options.batch ?? 50;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const shortBatchPauseMs = options.shortBatchPauseMs ?? 200;
  const reportRetryMs = options.reportRetryMs ?? Math.floor(leaseMs * 0.75);
  const random = options.random ?? Math.random;
  const stop = new AbortController();
  /** Aborted only once stopping has given reports their last chance. */
  const reportRetry = new AbortController();
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

  /**
   * Reports outcomes, retrying while the server is away (restarting after a crash): the claim's lease
   * outlives the retries, so a message already sent is settled, never sent a second time.
   */
  async function report(reports: DeliveryReport[], log: { warn(o: object, m?: string): void }) {
    if (reports.length === 0) return;
    const giveUpAt = Date.now() + reportRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await options.client.report(reports);
        return;
      } catch (err) {
        if (Date.now() >= giveUpAt || (stop.signal.aborted && attempt > 0)) {
          log.warn({ err, entries: reports.length }, 'report failed; the leases will expire');
          return;
        }
        await sleep(Math.min(250 * 2 ** attempt, 2_000), reportRetry.signal);
      }
    }
  }

  async function run(adapter: ChannelAdapter, log: { warn(o: object, m?: string): void }) {
    let lastSentAt = 0;
    const limit = adapter.sendLimit;
    const window = limit ? new SendWindow(limit) : null;
    // Robots (no pacing) post to different groups in parallel; a paced account sends one at a time.
    const parallel = adapter.pacing.maxDelayMs === 0 ? concurrency : 1;
    while (!stop.signal.aborted) {
      let entries: ClaimedEntry[];
      try {
        entries = await options.client.claim(
          adapter.channel,
          adapter.accountId,
          { max: batch, waitMs: longPollMs, leaseMs },
          stop.signal,
        );
      } catch (err) {
        if (stop.signal.aborted) break;
        log.warn({ err, channel: adapter.channel }, 'claim failed; retrying');
        await sleep(1_000, stop.signal);
        continue;
      }
      const outcomes: DeliveryReport[] = [];
      const sending = new Set<Promise<void>>();
      for (const [index, entry] of entries.entries()) {
        const wait = lastSentAt + nextPause(adapter.pacing, random) - Date.now();
        if (wait > 0) {
          // Settle what went out before a long pause, so progress shows and a crash repeats nothing.
          if (wait >= 500) await report(outcomes.splice(0), log);
          await sleep(wait, stop.signal);
        }
        if (stop.signal.aborted) {
          // Hand back what was claimed but not sent, so another worker takes it at once.
          outcomes.push(...entries.slice(index).map((e) => handBack(e, 0, 'worker stopping')));
          break;
        }
        const key = limit?.key(entry) ?? null;
        const blockedFor = key && window ? window.waitFor(key) : 0;
        if (key && blockedFor > 0) {
          // The platform would refuse it now (20 a minute per robot): let it wait in the outbox instead.
          outcomes.push(handBack(entry, blockedFor, 'sender limit'));
          continue;
        }
        while (sending.size >= parallel) await Promise.race(sending);
        const startedAt = Date.now();
        if (key) window?.record(key, startedAt);
        const send = adapter
          .send(entry)
          .catch((err: unknown): SendResult => ({ ok: false, error: String(err), retryable: true }))
          .then((result) => {
            lastSentAt = Date.now();
            if (key) window?.settle(key, startedAt, lastSentAt);
            outcomes.push(toReport(entry, result));
          });
        sending.add(send);
        void send.finally(() => sending.delete(send));
        if (parallel === 1) await send;
      }
      await Promise.all(sending);
      await report(outcomes, log);
      if (entries.length > 0 && entries.length < batch) await sleep(shortBatchPauseMs, stop.signal);
    }
  }

  return function outboxDelivery(bot) {
    bot.onStart(() => {
      for (const adapter of bot.adapters) loops.push(run(adapter, bot.log));
    });
    return async () => {
      stop.abort();
      const grace = setTimeout(() => reportRetry.abort(), 5_000);
      await Promise.allSettled(loops);
      clearTimeout(grace);
    };
  };
}
