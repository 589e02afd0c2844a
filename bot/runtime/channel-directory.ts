import {
  channelRecordsSchema,
  EMPTY_CHANNEL_RECORDS,
  type ChannelRecords,
} from '../../shared/schemas/channel.js';
import type { BotLogger } from './bot.js';

/** Where the records come from: the gateway (`GatewayClient.channels`), or a stand-in in tests. */
export interface ChannelRecordSource {
  channels(revision: string | null, waitMs: number, signal?: AbortSignal): Promise<unknown>;
}

export interface ChannelDirectoryOptions {
  /** How long one poll waits on the server for a change. */
  longPollMs?: number;
  /** Pause after a failed poll. */
  retryMs?: number;
  /** A lookup that misses fetches again at most this often, so unknown ids cannot flood the server. */
  missRefreshMs?: number;
  now?: () => number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);

/**
 * The channels admins registered, as this bot knows them: fetched from the server over the
 * authenticated gateway and kept current by a long-poll that returns as soon as the set changes
 * (at once in the process that changed it, within one poll elsewhere). Data only flows server → bot;
 * the records hold credentials, so they are never logged.
 */
export class ChannelDirectory {
  private records: ChannelRecords = EMPTY_CHANNEL_RECORDS;
  private inFlight: Promise<void> | null = null;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly longPollMs: number;
  private readonly retryMs: number;
  private readonly missRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: ChannelRecordSource,
    private readonly log: BotLogger,
    options: ChannelDirectoryOptions = {},
  ) {
    this.longPollMs = options.longPollMs ?? 20_000;
    this.retryMs = options.retryMs ?? 5_000;
    this.missRefreshMs = options.missRefreshMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /** The latest records; a new object whenever they change, so callers may memoise on identity. */
  get current(): ChannelRecords {
    return this.records;
  }

  /** Fetches now, sharing a fetch already in flight. */
  refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      this.lastFetchAt = this.now();
      try {
        this.apply(await this.source.channels(null, 0, this.abort.signal));
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  /**
   * For a lookup that found nothing (a channel registered a moment ago): fetches unless it did so
   * recently. True when the records may have changed, so the lookup is worth repeating.
   */
  async refreshAfterMiss(): Promise<boolean> {
    if (this.abort.signal.aborted) return false;
    if (!this.inFlight && this.now() - this.lastFetchAt < this.missRefreshMs) return false;
    try {
      await this.refresh();
      return true;
    } catch (err) {
      this.log.warn({ error: describe(err) }, 'channel records not fetched');
      return false;
    }
  }

  /** Loads the records once (a failure is logged, not fatal), then keeps them current until `stop`. */
  async start(): Promise<void> {
    if (this.loop) return;
    try {
      await this.refresh();
    } catch (err) {
      this.log.warn({ error: describe(err) }, 'channel records not fetched; retrying');
    }
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = null;
  }

  private async poll(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const answer = await this.source.channels(this.records.revision, this.longPollMs, signal);
        this.lastFetchAt = this.now();
        this.apply(answer);
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn({ error: describe(err) }, 'channel records not fetched; retrying');
        await sleep(this.retryMs, signal);
      }
    }
  }

  private apply(answer: unknown): void {
    const next = channelRecordsSchema.parse(answer);
    if (next.revision === this.records.revision) return;
    this.records = next;
    this.log.info(
      {
        wecomApps: next.wecomApps.length,
        wecomRobots: next.wecomRobots.length,
        dingtalkApps: next.dingtalkApps.length,
        dingtalkRobots: next.dingtalkRobots.length,
      },
      'channel records updated',
    );
  }
}
