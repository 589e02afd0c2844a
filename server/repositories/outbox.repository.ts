import { randomUUID } from 'node:crypto';
import type { Channel, OutboundMessage } from '../../shared/messages.js';
import type { Models } from '../models/index.js';
import { isDuplicateKeyError } from '../db/connect.js';
import { BatchInserter, type InsertOutcome } from './batch-insert.js';

export interface OutboxEntry extends OutboundMessage {
  /** The idempotency key. */
  id: string;
  /** Must accompany the report; proves the reporter still holds the lease. */
  claimToken: string;
  /** This attempt's number: 1 the first time, more after failures. */
  attempts: number;
}

/** What a worker says about one entry it claimed. */
export interface OutboxSettlement {
  id: string;
  claimToken: string;
  ok: boolean;
  error?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  /** Handed back unsent (a sender limit, shutdown): not an attempt. */
  deferred?: boolean;
}

type QueueDoc = OutboundMessage & {
  _id: string;
  attempts: number;
  availableAt: Date;
  lastError?: string | null;
};

interface ScanRequest {
  channel: Channel;
  accountId: string;
  /** Entries held now, not to be read as claimable. */
  exclude: ReadonlySet<string>;
  max: number;
}

interface ScanResult {
  docs: QueueDoc[];
  /** Whether the pass read the sender's whole queue, so `docs` is every unheld due entry. */
  complete: boolean;
}

/**
 * An entry a sender's workers hold: under a claim's token until `until` (a lease), or with no token
 * until `until` (handed back, or waiting to be retried). Once `until` has passed it is claimable again.
 */
interface Held {
  id: string;
  token: string | null;
  until: Date;
}

interface SenderState {
  _id: string;
  version: number;
  held: Held[];
}

/** Reports of up to this many sends delete their entries by `_id`; larger ones in one pass over the queue. */
const ONE_BY_ONE = 4;
/** Conditional rewrites of a sender's record retried after losing a race to another claim or report. */
const SWAP_ATTEMPTS = 8;
/**
 * How long a claim that read every unheld entry of a sender is believed: until then a claim only looks
 * at holds that ran out, by `_id`. Entries queued in this process end it at once; entries queued by
 * another process are seen within this long.
 */
const SEEN_ALL_FOR_MS = 10_000;
/** How many entries one pass shared by several senders' claims may read back. */
const SHARED_SCAN_MAX = 10_000;
/** Entries handed out by this process whose documents are kept, so a claim or report needn't read them. */
const KNOWN_MAX = 20_000;
const KNOWN_FOR_MS = 3_600_000;

export const senderKey = (channel: string, accountId: string) => `${channel}:${accountId}`;

const toEntry = (doc: QueueDoc, claimToken: string): OutboxEntry => ({
  id: doc._id,
  claimToken,
  attempts: (doc.attempts ?? 0) + 1,
  channel: doc.channel,
  accountId: doc.accountId,
  groupId: doc.groupId,
  content: doc.content,
  mentions: doc.mentions,
  replyTo: doc.replyTo,
});

/**
 * Work that arrives together goes to the engine as one call: FerretDB finds what a delete names by
 * reading the whole queue, and commits every write on its own, so concurrent reports share both.
 */
class Grouped<T, R> {
  private waiting: { items: readonly T[]; resolve: (r: R[]) => void; reject: (err: unknown) => void }[] = [];
  private busy = false;

  constructor(private readonly run: (items: T[]) => Promise<R[]>) {}

  submit(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.waiting.length + (this.busy ? 1 : 0);
  }

  private schedule(): void {
    if (this.busy || this.waiting.length === 0) return;
    this.busy = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0);
    try {
      const results = await this.run(batch.flatMap((b) => b.items));
      let offset = 0;
      for (const b of batch) {
        b.resolve(results.slice(offset, offset + b.items.length));
        offset += b.items.length;
      }
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}

/** Indexes of the documents an unordered insert refused as duplicates; null if it failed otherwise. */
function duplicateIndexes(err: unknown, count: number): Set<number> | null {
  const list = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const errors = (Array.isArray(list) ? list : list ? [list] : []) as {
    index?: number;
    code?: number;
    err?: { index?: number; code?: number };
  }[];
  if (errors.length === 0) return isDuplicateKeyError(err) && count === 1 ? new Set([0]) : null;
  const indexes = new Set<number>();
  for (const e of errors) {
    const index = e.err?.index ?? e.index;
    if ((e.code ?? e.err?.code) !== 11000 || index === undefined) return null;
    indexes.add(index);
  }
  return indexes;
}

/**
 * The outbox is a small queue of what is still to be sent; `deliveries` keeps what happened to each
 * key for good, written when the entry is settled. While a key is queued its `_id` blocks a second
 * enqueue; after that the delivery record does (checked only for work that may be a retry).
 *
 * Claims never write the entries: on FerretDB every updated document costs a transaction of its own,
 * so a claim of 100 entries would cost 100. Instead each sender has one record listing what its
 * workers hold, rewritten conditionally on its version: one write per claim, whatever its size.
 */
export class OutboxRepository {
  private readonly inserter: BatchInserter<QueueDoc>;
  private readonly recorder: Grouped<Record<string, unknown>, InsertOutcome>;
  private readonly deleter: Grouped<QueueDoc, undefined>;
  private readonly scanner: Grouped<ScanRequest, ScanResult>;
  /** The sender of each claim this process made, so a report reads one sender's record. */
  private readonly claims = new Map<string, { sender: string; until: number }>();
  /** Documents of entries this process handed out and has not seen settled (oldest first). */
  private readonly known = new Map<string, { doc: QueueDoc; at: number }>();
  /** Senders whose last read saw every unheld entry, until when that is believed. */
  private readonly seenAllUntil = new Map<string, number>();
  /** Entries this process queued per sender, so a claim racing a new entry never believes it saw all. */
  private readonly queued = new Map<string, number>();
  /** Rewrites of one sender's record from this process go one at a time: they would only collide. */
  private readonly turns = new Map<string, Promise<unknown>>();
  /** Each sender's record as this process last saw it. */
  private readonly states = new Map<string, SenderState>();

  constructor(
    private readonly models: Pick<Models, 'outbox' | 'delivery' | 'outboxSender' | 'insertTarget'>,
    /** Told after each new entry, so waiting delivery workers wake at once instead of polling. */
    private readonly onEnqueued: (channel: string, accountId: string) => void = () => undefined,
  ) {
    this.inserter = new BatchInserter(models.outbox as never, models.insertTarget(models.outbox as never));
    // Records are built from queued entries, already checked when they were queued.
    this.recorder = new Grouped(async (records) => {
      try {
        await models.insertTarget(models.delivery as never).insertMany(records, { ordered: false });
        return records.map(() => 'inserted' as const);
      } catch (err) {
        const duplicates = duplicateIndexes(err, records.length);
        if (!duplicates) throw err;
        return records.map((_, i) => (duplicates.has(i) ? 'duplicate' : 'inserted'));
      }
    });
    this.scanner = new Grouped((requests) => this.scan(requests));
    this.deleter = new Grouped(async (docs) => {
      const senders = new Set(docs.map((d) => senderKey(d.channel, d.accountId)));
      // One sender's entries are named by sender too, which PostgreSQL finds without reading the rest.
      const only = senders.size === 1 ? { channel: docs[0]!.channel, accountId: docs[0]!.accountId } : {};
      await models.outbox.deleteMany({ ...only, _id: { $in: docs.map((d) => d._id) } });
      return docs.map(() => undefined);
    });
  }

  /**
   * Queues one message under an idempotency key; the same key is delivered once, ever. Pass
   * `mayBeRetry` when the caller may have queued this key before (a retried inbound message).
   */
  async enqueue(
    key: string,
    message: OutboundMessage,
    options: { mayBeRetry?: boolean } = {},
  ): Promise<InsertOutcome> {
    const fields: OutboundMessage = {
      channel: message.channel,
      accountId: message.accountId,
      groupId: message.groupId,
      content: message.content,
      mentions: message.mentions,
      replyTo: message.replyTo,
    };
    if (options.mayBeRetry && (await this.models.delivery.exists({ _id: key }))) return 'duplicate';
    const outcome = await this.inserter.insert({ _id: key, ...fields, attempts: 0, availableAt: new Date() });
    if (outcome === 'inserted') {
      const sender = senderKey(message.channel, message.accountId);
      this.queued.set(sender, (this.queued.get(sender) ?? 0) + 1);
      this.seenAllUntil.delete(sender);
      this.onEnqueued(message.channel, message.accountId);
    }
    return outcome;
  }

  /**
   * Claims up to `max` due entries for one sender, oldest queued first, by one conditional rewrite of
   * the sender's record. Unheld entries are found in one pass over the queue that stops at `max` (no
   * sort: FerretDB sorts by reading the whole queue, and storage order is the order entries were
   * queued in); once such a pass has seen them all, only holds that ran out (an expired lease of a
   * worker that died mid-send, a hand-back or a retry now due) are looked up, by `_id`.
   */
  claimMany(channel: Channel, accountId: string, leaseMs: number, max: number): Promise<OutboxEntry[]> {
    return this.inTurn(senderKey(channel, accountId), () => this.claimNow(channel, accountId, leaseMs, max));
  }

  private async claimNow(
    channel: Channel,
    accountId: string,
    leaseMs: number,
    max: number,
  ): Promise<OutboxEntry[]> {
    const sender = senderKey(channel, accountId);
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const now = new Date();
      const queuedBefore = this.queued.get(sender) ?? 0;
      const state = await this.lastState(sender, attempt);
      const live = state.held.filter((h) => h.until > now);
      let docs: QueueDoc[];
      let gone: string[] = [];
      let sawAll = false;
      if ((this.seenAllUntil.get(sender) ?? 0) > now.getTime()) {
        const due = state.held
          .filter((h) => h.until <= now)
          .sort((a, b) => a.until.getTime() - b.until.getTime())
          .slice(0, max);
        if (due.length === 0) return [];
        ({ docs, missing: gone } = await this.docsOf(due.map((h) => h.id)));
      } else {
        let complete: boolean;
        ({ docs, complete } = await this.scanner
          .submit([{ channel, accountId, exclude: new Set(live.map((h) => h.id)), max }])
          .then(([found]) => found!));
        // A pass that read the whole queue saw every unheld entry: once they are taken, nothing is left.
        sawAll = complete && (this.queued.get(sender) ?? 0) === queuedBefore;
        if (docs.length === 0) {
          if (sawAll) this.seenAllUntil.set(sender, now.getTime() + SEEN_ALL_FOR_MS);
          return [];
        }
      }
      const lapsed = new Set(state.held.filter((h) => h.token !== null && h.until <= now).map((h) => h.id));
      const delivered = await this.alreadyDelivered(docs.filter((d) => lapsed.has(d._id)).map((d) => d._id));
      if (delivered.size > 0) {
        docs = docs.filter((d) => !delivered.has(d._id));
        gone = [...gone, ...delivered];
      }
      const claimToken = randomUUID();
      const until = new Date(now.getTime() + leaseMs);
      const taken = new Set([...docs.map((d) => d._id), ...gone]);
      const held = [
        ...state.held.filter((h) => !taken.has(h.id)),
        ...docs.map((d) => ({ id: d._id, token: claimToken, until })),
      ];
      if (!(await this.swap(state, held))) continue;
      if (sawAll && (this.queued.get(sender) ?? 0) === queuedBefore)
        this.seenAllUntil.set(sender, now.getTime() + SEEN_ALL_FOR_MS);
      if (docs.length === 0) return [];
      this.remember(claimToken, sender, until.getTime(), docs);
      return docs.map((d) => toEntry(d, claimToken));
    }
    return [];
  }

  /**
   * Settles what a worker reports, in a few round trips per batch: sent entries leave the queue and
   * get their record; failures are retried later (`retryAt`, from the attempt's number) or recorded
   * for good; hand-backs wait until `retryAfterMs` without counting an attempt. Only the holder of an
   * entry's claim settles it: a late report after another worker re-claimed it changes nothing.
   * Returns how many entries were settled.
   */
  async settle(
    reports: readonly OutboxSettlement[],
    retryAt: (attempts: number, report: OutboxSettlement) => Date | null,
  ): Promise<number> {
    if (reports.length === 0) return 0;
    const states = await this.holders(reports);
    const bySender = new Map<SenderState, OutboxSettlement[]>();
    for (const r of reports) {
      const state = states.find((s) => s.held.some((h) => h.id === r.id && h.token === r.claimToken));
      if (state) bySender.set(state, [...(bySender.get(state) ?? []), r]);
    }
    let settled = 0;
    for (const [state, mine] of bySender) {
      // The queue first, then the holder's record: a crash in between leaves a hold that expires, never a resend.
      const sent = await this.settleSent(mine.filter((r) => r.ok));
      const now = Date.now();
      const waits = new Map(
        mine
          .filter((r) => !r.ok && r.deferred)
          .map((r) => [r.id, { token: r.claimToken, until: new Date(now + (r.retryAfterMs ?? 0)) }]),
      );
      const failures = mine.filter((r) => !r.ok && !r.deferred);
      const failed = await this.settleFailed(failures, retryAt, waits);
      const done = new Map(mine.filter((r) => !waits.has(r.id)).map((r) => [r.id, r.claimToken]));
      const retried = new Set(failures.map((r) => r.id));
      const handedBack = await this.inTurn(state._id, () => this.release(state._id, done, waits, retried));
      settled += sent + failed + handedBack;
    }
    return settled;
  }

  /**
   * When the next entry for a sender falls due: what waits (retries, hand-backs, leases) waits in the
   * sender's record, so this reads one document.
   */
  async nextDueAt(channel: Channel, accountId: string): Promise<Date | null> {
    const now = Date.now();
    const { held } = await this.senderState(senderKey(channel, accountId));
    const next = Math.min(...held.map((h) => h.until.getTime()).filter((t) => t > now));
    return Number.isFinite(next) ? new Date(next) : null;
  }

  /** Inserts still waiting or under way; shutdown waits for this to reach zero. */
  get pendingWrites(): number {
    return this.inserter.pending + this.recorder.pending + this.deleter.pending;
  }

  private async senderState(sender: string): Promise<SenderState> {
    const doc = await this.models.outboxSender.findById(sender).lean<SenderState>();
    const state = doc
      ? { _id: doc._id, version: doc.version, held: doc.held ?? [] }
      : { _id: sender, version: 0, held: [] };
    this.states.set(sender, state);
    return state;
  }

  /**
   * The sender's record as this process last read or wrote it, for a first rewrite attempt: it is
   * current unless another process changed it, and then the rewrite fails and reads it afresh.
   */
  private lastState(sender: string, attempt: number): Promise<SenderState> {
    const known = attempt === 0 ? this.states.get(sender) : undefined;
    return known ? Promise.resolve(known) : this.senderState(sender);
  }

  /** Rewrites a sender's holds if nobody changed them since `state` was read. */
  private async swap(state: SenderState, held: Held[]): Promise<boolean> {
    let swapped: boolean;
    if (state.version === 0) {
      try {
        await this.models.outboxSender.create({ _id: state._id, version: 1, held });
        swapped = true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        swapped = false;
      }
    } else {
      const res = await this.models.outboxSender.updateOne(
        { _id: state._id, version: state.version },
        { $set: { held }, $inc: { version: 1 } },
      );
      swapped = res.modifiedCount === 1;
    }
    if (swapped) this.states.set(state._id, { _id: state._id, version: state.version + 1, held });
    else this.states.delete(state._id);
    return swapped;
  }

  /** The current records of the senders whose claims the reports name. */
  private async holders(reports: readonly OutboxSettlement[]): Promise<SenderState[]> {
    const senders = new Set<string>();
    const unknown = new Set<string>();
    for (const r of reports) {
      const sender = this.claims.get(r.claimToken)?.sender;
      if (sender) senders.add(sender);
      else unknown.add(r.claimToken);
    }
    if (unknown.size > 0) {
      // Claimed through another process, or before a restart: the senders holding those tokens.
      const found = await this.models.outboxSender
        .find({ 'held.token': { $in: [...unknown] } }, { _id: 1 })
        .lean<{ _id: string }[]>();
      for (const f of found) senders.add(f._id);
    }
    // This process's last view suffices: a hold changed elsewhere fails the release, which reads afresh.
    return Promise.all([...senders].map((s) => this.lastState(s, 0)));
  }

  /**
   * Unheld due entries for each sender, up to its `max`, in queue order. Claims for several senders
   * arriving together (workers waking for a broadcast) share one pass over the queue.
   */
  private async scan(requests: ScanRequest[]): Promise<ScanResult[]> {
    const now = new Date();
    if (requests.length === 1) {
      const [{ channel, accountId, exclude, max }] = requests as [ScanRequest];
      const docs = await this.models.outbox
        .find({
          channel,
          accountId,
          availableAt: { $lte: now },
          ...(exclude.size ? { _id: { $nin: [...exclude] } } : {}),
        })
        .limit(max)
        .batchSize(max)
        .lean<QueueDoc[]>();
      return [{ docs, complete: docs.length < max }];
    }
    // Enough for every sender's share however the queue is spread, within reason.
    const limit = Math.max(
      SHARED_SCAN_MAX,
      requests.reduce((n, r) => n + r.max + r.exclude.size, 0),
    );
    const all = await this.models.outbox
      .find({
        availableAt: { $lte: now },
        $or: requests.map((r) => ({ channel: r.channel, accountId: r.accountId })),
      })
      .limit(limit)
      .batchSize(limit)
      .lean<QueueDoc[]>();
    const whole = all.length < limit;
    return Promise.all(
      requests.map(async (r) => {
        const docs = all
          .filter((d) => d.channel === r.channel && d.accountId === r.accountId && !r.exclude.has(d._id))
          .slice(0, r.max);
        if (whole || docs.length === r.max) return { docs, complete: whole && docs.length < r.max };
        // The shared pass stopped early: this sender's own pass says what else there is.
        const [own] = await this.scan([r]);
        return own!;
      }),
    );
  }

  /** The entries' documents, from what this process handed out or else from the engine. */
  private async docsOf(ids: readonly string[]): Promise<{ docs: QueueDoc[]; missing: string[] }> {
    const unknown = ids.filter((id) => !this.known.has(id));
    const read =
      unknown.length === 0
        ? []
        : unknown.length <= ONE_BY_ONE
          ? await Promise.all(unknown.map((id) => this.models.outbox.findById(id).lean<QueueDoc>()))
          : await this.models.outbox
              .find({ _id: { $in: unknown } })
              .limit(unknown.length)
              .lean<QueueDoc[]>();
    const fetched = new Map(read.flatMap((d) => (d ? [[d._id, d] as const] : [])));
    const docs: QueueDoc[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const doc = this.known.get(id)?.doc ?? fetched.get(id);
      if (doc) docs.push(doc);
      else missing.push(id);
    }
    return { docs, missing };
  }

  private async settleSent(reports: readonly OutboxSettlement[]): Promise<number> {
    if (reports.length === 0) return 0;
    const { docs } = await this.docsOf(reports.map((r) => r.id));
    const sentAt = new Date();
    // Recorded before removed: a crash in between leaves the entry queued beside its record, and the
    // claim that takes over its lease finds the record and drops the entry instead of sending it again.
    const outcomes = await this.recorder.submit(
      docs.map((doc) => recordDoc(doc, { status: 'sent', sentAt, lastError: null })),
    );
    // A key delivered before and queued again (without `mayBeRetry`): its record is overwritten.
    for (const [i, doc] of docs.entries())
      if (outcomes[i] === 'duplicate') await this.record(doc, { status: 'sent', sentAt, lastError: null });
    if (docs.length <= ONE_BY_ONE)
      await Promise.all(docs.map((doc) => this.models.outbox.deleteOne({ _id: doc._id })));
    else await this.deleter.submit(docs);
    this.forget(reports.map((r) => r.id));
    return docs.length;
  }

  /**
   * Of entries whose lease ran out unsettled (a worker or server that died mid-send), those already
   * recorded as delivered: their server died between the record and removing them. They leave the
   * queue without a second send. Rare, so one read of the delivery log is affordable.
   */
  private async alreadyDelivered(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const recorded = await this.models.delivery
      .find({ _id: { $in: [...ids] } }, { _id: 1 })
      .lean<{ _id: string }[]>();
    const delivered = new Set(recorded.map((d) => d._id));
    if (delivered.size > 0) await this.models.outbox.deleteMany({ _id: { $in: [...delivered] } });
    return delivered;
  }

  /**
   * A failure counts an attempt; the entry waits in its sender's record until `retryAt` (added to
   * `waits`), or is recorded as failed for good.
   */
  private async settleFailed(
    reports: readonly OutboxSettlement[],
    retryAt: (attempts: number, report: OutboxSettlement) => Date | null,
    waits: Map<string, { token: string; until: Date }>,
  ): Promise<number> {
    let settled = 0;
    for (const r of reports) {
      const doc = await this.models.outbox.findById(r.id).lean<QueueDoc>();
      if (!doc) continue;
      const error = r.error ?? 'unknown';
      const when = retryAt((doc.attempts ?? 0) + 1, r);
      if (when) {
        await this.models.outbox.updateOne(
          { _id: r.id },
          { $set: { lastError: error }, $inc: { attempts: 1 } },
        );
        waits.set(r.id, { token: r.claimToken, until: when });
        settled++;
        continue;
      }
      const gone = await this.models.outbox.findOneAndDelete({ _id: r.id }).lean<QueueDoc>();
      if (!gone) continue;
      await this.record(gone, { status: 'failed', lastError: error });
      settled++;
    }
    // Read afresh next time: the attempt count has changed.
    this.forget(reports.map((r) => r.id));
    return settled;
  }

  /**
   * Drops the holds of settled entries and turns those to try later into waits, where the reporting
   * claim still holds them; returns how many hand-backs (not failures) took effect.
   */
  private async release(
    sender: string,
    done: ReadonlyMap<string, string>,
    waits: ReadonlyMap<string, { token: string; until: Date }>,
    failed: ReadonlySet<string>,
  ): Promise<number> {
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const current = await this.lastState(sender, attempt);
      let handedBack = 0;
      let changed = false;
      const held: Held[] = [];
      for (const h of current.held) {
        const wait = waits.get(h.id);
        if (done.get(h.id) === h.token) changed = true;
        else if (wait && wait.token === h.token) {
          held.push({ id: h.id, token: null, until: wait.until });
          if (!failed.has(h.id)) handedBack++;
          changed = true;
        } else held.push(h);
      }
      if (!changed || (await this.swap(current, held))) return handedBack;
    }
    return 0;
  }

  /** Runs `work` after this process's earlier rewrites of the sender's record. */
  private inTurn<T>(sender: string, work: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(sender) ?? Promise.resolve();
    const mine = previous.then(work, work);
    const settled = mine.catch(() => undefined);
    this.turns.set(sender, settled);
    void settled.then(() => {
      if (this.turns.get(sender) === settled) this.turns.delete(sender);
    });
    return mine;
  }

  /** Writes the permanent outcome of the entry's last attempt; an upsert, so a repeat is harmless. */
  private async record(
    entry: QueueDoc,
    outcome: { status: 'sent' | 'failed'; sentAt?: Date; lastError: string | null },
  ): Promise<void> {
    const { _id, channel, accountId, groupId, content, mentions, replyTo } = entry;
    await this.models.delivery.updateOne(
      { _id },
      {
        $set: {
          channel,
          accountId,
          groupId,
          content,
          mentions,
          replyTo,
          attempts: (entry.attempts ?? 0) + 1,
          ...outcome,
        },
      },
      { upsert: true },
    );
  }

  private remember(claimToken: string, sender: string, until: number, docs: readonly QueueDoc[]): void {
    const now = Date.now();
    for (const [token, claim] of this.claims) if (claim.until < now - KNOWN_FOR_MS) this.claims.delete(token);
    for (const [id, { at }] of this.known) {
      if (at > now - KNOWN_FOR_MS && this.known.size < KNOWN_MAX) break;
      this.known.delete(id);
    }
    this.claims.set(claimToken, { sender, until });
    for (const doc of docs) {
      // Re-set at the end, so the oldest stays first.
      this.known.delete(doc._id);
      this.known.set(doc._id, { doc, at: now });
    }
  }

  private forget(ids: readonly string[]): void {
    for (const id of ids) this.known.delete(id);
  }
}

function recordDoc(
  entry: QueueDoc,
  outcome: { status: 'sent' | 'failed'; sentAt: Date | null; lastError: string | null },
): Record<string, unknown> {
  const { _id, channel, accountId, groupId, content, mentions, replyTo } = entry;
  const now = new Date();
  return {
    _id,
    channel,
    accountId,
    groupId: groupId ?? null,
    content,
    mentions: mentions ?? [],
    replyTo: replyTo ?? null,
    attempts: (entry.attempts ?? 0) + 1,
    ...outcome,
    createdAt: now,
    updatedAt: now,
  };
}
