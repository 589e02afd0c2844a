import type { ChannelAdapter, Pacing, SendResult } from '../runtime/adapter.js';
import type { BotPlugin } from '../runtime/bot.js';
import type { ClaimedEntry, DeliveryReport, GatewayClient } from '../runtime/gateway-client.js';
import { SendWindow } from './send-window.js';

export interface OutboxDeliveryOptions {
  client: GatewayClient;
  /** How long one claim waits on the server for new entries. */
  longPollMs?: number;
  /** How many entries one claim may take; a worker holds at most two claims' worth unsent. */
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
  /**
   * An entry whose sender may send again within this long waits in the worker and goes out the moment
   * it may; one that must wait longer is handed back, to come due again just before then.
   */
  holdMs?: number;
  /**
   * How long a paced account's outcomes (one send every few seconds) may wait to be reported together;
   * 0, the default, reports each send at once, in the background, so a crash of the bot repeats none.
   */
  pacedReportMs?: number;
  random?: () => number;
}

/** How long an unpaced account's outcomes may wait to be reported together. */
const UNPACED_REPORT_MS = 100;

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

type Log = { warn(o: object, m?: string): void };

/** At most `size` holders at once; the rest wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Delivers what the server queued: one loop per bot account claims outbox entries and sends them,
 * a paced account one at a time with its pause, group robots several at once, each robot kept under
 * its platform's limit. Outcomes are reported in batches, in the background, so the server can
 * retry or record them while the next entries go out.
 */
export function OutboxDelivery(options: OutboxDeliveryOptions): BotPlugin {
  const longPollMs = options.longPollMs ?? 20_000;
  const batch = options.batch ?? 100;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const shortBatchPauseMs = options.shortBatchPauseMs ?? 200;
  const reportRetryMs = options.reportRetryMs ?? Math.floor(leaseMs * 0.75);
  const holdMs = Math.min(options.holdMs ?? 3_000, Math.floor(leaseMs / 2));
  const pacedReportMs = options.pacedReportMs ?? 0;
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
  async function report(reports: DeliveryReport[], log: Log) {
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

  /**
   * Collects one account's outcomes and reports them in the background, one report at a time: when a
   * batch's worth is ready, when the oldest has waited `maxAgeMs`, or when asked.
   */
  function outcomes(log: Log, maxAgeMs: number) {
    let pending: DeliveryReport[] = [];
    let timer: NodeJS.Timeout | null = null;
    let chain: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending.length > 0) {
        const taken = pending;
        pending = [];
        chain = chain.then(() => report(taken, log));
      }
      return chain;
    };
    return {
      add(r: DeliveryReport) {
        pending.push(r);
        if (pending.length >= batch) void flush();
        else timer ??= setTimeout(() => void flush(), maxAgeMs);
      },
      flush,
    };
  }

  async function run(adapter: ChannelAdapter, log: Log) {
    const limit = adapter.sendLimit;
    const window = limit ? new SendWindow(limit) : null;
    const paced = adapter.pacing.maxDelayMs > 0;
    // A paced account claims no more than it can send well within the lease.
    const perClaim = paced
      ? Math.max(1, Math.min(batch, Math.floor(leaseMs / 2 / adapter.pacing.maxDelayMs)))
      : batch;
    // Outcomes wait at most 100 ms to be reported together: a bot that dies between a send and its
    // report repeats that send after the lease, so the window is kept short.
    const results = outcomes(log, paced ? pacedReportMs : UNPACED_REPORT_MS);
    const slots = new Slots(paced ? 1 : concurrency);
    const inHand = new Set<Promise<void>>();
    let lastSentAt = 0;

    /** Sends one entry at `at` (its sender's next free moment), or hands it back if stopping first. */
    async function deliver(entry: ClaimedEntry, key: string | null, at: number) {
      await sleep(at - Date.now(), stop.signal);
      if (!stop.signal.aborted) await slots.take();
      if (stop.signal.aborted) {
        // Hand back what was claimed but not sent, so another worker takes it at once.
        if (key) window?.cancel(key, at);
        results.add(handBack(entry, 0, 'worker stopping'));
        return;
      }
      try {
        const startedAt = Date.now();
        if (key && startedAt !== at) window?.settle(key, at, startedAt);
        const result = await adapter
          .send(entry)
          .catch((err: unknown): SendResult => ({ ok: false, error: String(err), retryable: true }));
        lastSentAt = Date.now();
        if (key) window?.settle(key, startedAt, lastSentAt);
        results.add(toReport(entry, result));
      } finally {
        slots.give();
      }
    }

    while (!stop.signal.aborted) {
      // Claim ahead while earlier entries are still going out, up to two claims' worth in hand.
      while (inHand.size > perClaim) await Promise.race(inHand);
      let entries: ClaimedEntry[];
      try {
        entries = await options.client.claim(
          adapter.channel,
          adapter.accountId,
          { max: perClaim, waitMs: longPollMs, leaseMs },
          stop.signal,
        );
      } catch (err) {
        if (stop.signal.aborted) break;
        log.warn({ err, channel: adapter.channel }, 'claim failed; retrying');
        await sleep(1_000, stop.signal);
        continue;
      }
      for (const entry of entries) {
        const key = limit?.key(entry) ?? null;
        const now = Date.now();
        const wait = key && window ? window.waitFor(key, now) : 0;
        if (wait > holdMs) {
          // The platform would refuse it for a while (20 a minute per robot): it waits in the outbox,
          // and comes due again shortly before its robot may send, so it goes out on the dot.
          results.add(handBack(entry, wait - holdMs / 2, 'sender limit'));
          continue;
        }
        let at = now + wait;
        if (paced) at = Math.max(at, lastSentAt + nextPause(adapter.pacing, random));
        // The slot is taken now, so the entries after this one for the same sender queue behind it.
        if (key) window?.record(key, at, now);
        if (paced) {
          // One at a time: the next entry's pause counts from when this one went out.
          await deliver(entry, key, at);
          continue;
        }
        const sending = deliver(entry, key, at);
        inHand.add(sending);
        void sending.finally(() => {
          inHand.delete(sending);
          if (inHand.size === 0) void results.flush();
        });
      }
      if (paced) void results.flush();
      if (entries.length > 0 && entries.length < perClaim) await sleep(shortBatchPauseMs, stop.signal);
    }
    await Promise.all(inHand);
    await results.flush();
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
