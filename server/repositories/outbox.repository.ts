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
  attempts: number;
}

type QueueDoc = OutboundMessage & {
  _id: string;
  status: 'pending' | 'sending';
  attempts: number;
  availableAt: Date;
  claimToken?: string | null;
};

/**
 * The outbox is a small queue of what is still to be sent; `deliveries` keeps what happened to each
 * key for good, written when the entry is settled. While a key is queued its `_id` blocks a second
 * enqueue; after that the delivery record does (checked only for work that may be a retry).
 */
export class OutboxRepository {
  private readonly inserter: BatchInserter<QueueDoc>;

  constructor(
    private readonly models: Pick<Models, 'outbox' | 'delivery' | 'insertTarget'>,
    /** Told after each new entry, so waiting delivery workers wake at once instead of polling. */
    private readonly onEnqueued: (channel: string, accountId: string) => void = () => undefined,
  ) {
    this.inserter = new BatchInserter(models.outbox as never, models.insertTarget(models.outbox as never));
  }

  /**
   * Queues one message under an idempotency key; the same key is delivered once, ever. Pass
   * `mayBeRetry` when the caller may have queued this key before (a retried inbound message).
   */
  async enqueue(
    key: string,
    message: OutboundMessage,
    options: { availableAt?: Date; mayBeRetry?: boolean } = {},
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
    const outcome = await this.inserter.insert({
      _id: key,
      ...fields,
      status: 'pending',
      attempts: 0,
      availableAt: options.availableAt ?? new Date(),
    });
    if (outcome === 'inserted') this.onEnqueued(message.channel, message.accountId);
    return outcome;
  }

  /**
   * Claims the oldest due entry for one sender by a conditional update, so two workers never take the
   * same one; an expired lease (a worker that died mid-send) makes the entry claimable again.
   */
  async claim(channel: Channel, accountId: string, leaseMs: number): Promise<OutboxEntry | null> {
    const now = new Date();
    const claimToken = randomUUID();
    const doc = await this.models.outbox
      .findOneAndUpdate(
        {
          channel,
          accountId,
          $or: [
            { status: 'pending', availableAt: { $lte: now } },
            { status: 'sending', leaseUntil: { $lt: now } },
          ],
        },
        {
          $set: { status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs), claimToken },
          $inc: { attempts: 1 },
        },
        { sort: { availableAt: 1, _id: 1 }, returnDocument: 'after' },
      )
      .lean<QueueDoc>();
    if (!doc) return null;
    return {
      id: doc._id,
      claimToken,
      attempts: doc.attempts,
      channel: doc.channel,
      accountId: doc.accountId,
      groupId: doc.groupId,
      content: doc.content,
      mentions: doc.mentions,
      replyTo: doc.replyTo,
    };
  }

  /**
   * Claims up to `max` due entries for one sender in three round trips whatever `max` is: the ids of
   * due entries, one conditional update over them (re-checked per document, so two workers never
   * take the same one) under a token of this claim, and the entries so marked. No sort: FerretDB
   * sorts by reading the whole queue, while an unsorted limited read stops at the first due entries,
   * and the queue's storage order is the order entries were queued in.
   */
  async claimMany(channel: Channel, accountId: string, leaseMs: number, max: number): Promise<OutboxEntry[]> {
    const now = new Date();
    const due = {
      channel,
      accountId,
      $or: [
        { status: 'pending' as const, availableAt: { $lte: now } },
        { status: 'sending' as const, leaseUntil: { $lt: now } },
      ],
    };
    const candidates = await this.models.outbox.find(due, { _id: 1 }).limit(max).lean<{ _id: string }[]>();
    if (candidates.length === 0) return [];
    const claimToken = randomUUID();
    const res = await this.models.outbox.updateMany(
      { ...due, _id: { $in: candidates.map((c) => c._id) } },
      {
        $set: { status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs), claimToken },
        $inc: { attempts: 1 },
      },
    );
    if (res.modifiedCount === 0) return [];
    const docs = await this.models.outbox.find({ claimToken }).limit(res.modifiedCount).lean<QueueDoc[]>();
    const order = new Map(candidates.map((c, i) => [c._id, i]));
    return docs
      .sort((a, b) => (order.get(a._id) ?? 0) - (order.get(b._id) ?? 0))
      .map((doc) => ({
        id: doc._id,
        claimToken,
        attempts: doc.attempts,
        channel: doc.channel,
        accountId: doc.accountId,
        groupId: doc.groupId,
        content: doc.content,
        mentions: doc.mentions,
        replyTo: doc.replyTo,
      }));
  }

  /**
   * `markSent` for many entries in three round trips: the held entries are read, removed from the
   * queue, then recorded; returns the ids settled. Entries re-claimed by another worker are skipped.
   */
  async markSentMany(items: readonly { id: string; claimToken: string }[]): Promise<string[]> {
    if (items.length === 0) return [];
    // One batch's entries share their claim's token, so two `$in`s say it as cheaply as pairs would.
    const held = {
      _id: { $in: items.map((i) => i.id) },
      claimToken: { $in: [...new Set(items.map((i) => i.claimToken))] },
    };
    const tokenOf = new Map(items.map((i) => [i.id, i.claimToken]));
    const docs = (await this.models.outbox.find(held).limit(items.length).lean<QueueDoc[]>()).filter(
      (d) => tokenOf.get(d._id) === d.claimToken,
    );
    if (docs.length === 0) return [];
    // Removed before recorded: a crash in between leaves a sent message without its record, never a resend.
    await this.models.outbox.deleteMany({
      _id: { $in: docs.map((d) => d._id) },
      claimToken: { $in: [...new Set(docs.map((d) => tokenOf.get(d._id)!))] },
    });
    const sentAt = new Date();
    const records = docs.map((d) => this.recordDoc(d, { status: 'sent', sentAt, lastError: null }));
    try {
      await this.models.insertTarget(this.models.delivery as never).insertMany(records, { ordered: false });
    } catch (err) {
      // A key delivered before and queued again (without `mayBeRetry`): its record is overwritten, as `record` does.
      if (!isDuplicateKeyError(err) && !hasOnlyDuplicateWriteErrors(err)) throw err;
      for (const doc of docs) await this.record(doc, { status: 'sent', sentAt, lastError: null });
    }
    return docs.map((d) => d._id);
  }

  /** Only the holder of the live claim can settle an entry; a late report after a re-claim is ignored. */
  async markSent(id: string, claimToken: string): Promise<boolean> {
    const held = await this.models.outbox.findOneAndDelete({ _id: id, claimToken }).lean<QueueDoc>();
    if (!held) return false;
    await this.record(held, { status: 'sent', sentAt: new Date(), lastError: null });
    return true;
  }

  /** When the next waiting entry for a sender falls due (retries and deferrals wait in the queue). */
  async nextDueAt(channel: Channel, accountId: string): Promise<Date | null> {
    const doc = await this.models.outbox
      .findOne({ channel, accountId, status: 'pending' }, { availableAt: 1 })
      .sort({ availableAt: 1 })
      .lean<{ availableAt: Date }>();
    return doc?.availableAt ?? null;
  }

  /** Puts a claimed entry back unsent until `availableAt`, taking back the attempt its claim counted. */
  async defer(id: string, claimToken: string, availableAt: Date): Promise<boolean> {
    const res = await this.models.outbox.updateOne(
      { _id: id, claimToken },
      {
        $set: { status: 'pending', availableAt, leaseUntil: null, claimToken: null },
        $inc: { attempts: -1 },
      },
    );
    return res.modifiedCount === 1;
  }

  /** `retryAt` decides from the attempts so far when to try again, or null to give up for good. */
  async markFailed(
    id: string,
    claimToken: string,
    error: string,
    retryAt: (attempts: number) => Date | null,
  ): Promise<boolean> {
    const current = await this.models.outbox.findOne({ _id: id, claimToken }).lean<QueueDoc>();
    if (!current) return false;
    const when = retryAt(current.attempts);
    if (when) {
      const res = await this.models.outbox.updateOne(
        { _id: id, claimToken },
        {
          $set: {
            status: 'pending',
            availableAt: when,
            leaseUntil: null,
            claimToken: null,
            lastError: error,
          },
        },
      );
      return res.modifiedCount === 1;
    }
    const gone = await this.models.outbox.findOneAndDelete({ _id: id, claimToken }).lean<QueueDoc>();
    if (!gone) return false;
    await this.record(gone, { status: 'failed', lastError: error });
    return true;
  }

  private recordDoc(
    entry: QueueDoc,
    outcome: { status: 'sent' | 'failed'; sentAt: Date | null; lastError: string | null },
  ): Record<string, unknown> {
    const { _id, channel, accountId, groupId, content, mentions, replyTo, attempts } = entry;
    const now = new Date();
    return {
      _id,
      channel,
      accountId,
      groupId: groupId ?? null,
      content,
      mentions: mentions ?? [],
      replyTo: replyTo ?? null,
      attempts,
      ...outcome,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Writes the permanent outcome; an upsert, so a settle repeated after a crash is harmless. */
  private async record(
    entry: QueueDoc,
    outcome: { status: 'sent' | 'failed'; sentAt?: Date; lastError: string | null },
  ): Promise<void> {
    const { _id, channel, accountId, groupId, content, mentions, replyTo, attempts } = entry;
    await this.models.delivery.updateOne(
      { _id },
      { $set: { channel, accountId, groupId, content, mentions, replyTo, attempts, ...outcome } },
      { upsert: true },
    );
  }

  get pendingWrites(): number {
    return this.inserter.pending;
  }
}

function hasOnlyDuplicateWriteErrors(err: unknown): boolean {
  const list = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const errors = (Array.isArray(list) ? list : list ? [list] : []) as {
    code?: number;
    err?: { code?: number };
  }[];
  return errors.length > 0 && errors.every((e) => (e.code ?? e.err?.code) === 11000);
}
