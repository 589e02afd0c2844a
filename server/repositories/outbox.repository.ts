import type { Types } from 'mongoose';
import type { Channel, OutboundMessage } from '../../shared/messages.js';
import type { Models } from '../models/index.js';
import { BatchInserter, type InsertOutcome } from './batch-insert.js';

export interface OutboxEntry extends OutboundMessage {
  id: string;
  key: string;
  attempts: number;
}

type LeanOutbox = OutboundMessage & { _id: Types.ObjectId; key: string; attempts: number };

const toEntry = (d: LeanOutbox): OutboxEntry => ({
  id: String(d._id),
  key: d.key,
  attempts: d.attempts,
  channel: d.channel,
  accountId: d.accountId,
  groupId: d.groupId,
  content: d.content,
  mentions: d.mentions,
  replyTo: d.replyTo,
});

export class OutboxRepository {
  private readonly inserter: BatchInserter<object>;

  constructor(
    private readonly models: Pick<Models, 'outbox'>,
    /** Told after each new entry, so waiting delivery workers wake at once instead of polling. */
    private readonly onEnqueued: (channel: string, accountId: string) => void = () => undefined,
  ) {
    this.inserter = new BatchInserter(models.outbox as never);
  }

  /** Queues one message under an idempotency key; the same key twice queues it once. */
  async enqueue(key: string, message: OutboundMessage, availableAt = new Date()): Promise<InsertOutcome> {
    const outcome = await this.inserter.insert({
      ...message,
      key,
      status: 'pending',
      attempts: 0,
      availableAt,
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
        { $set: { status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { sort: { availableAt: 1, _id: 1 }, returnDocument: 'after' },
      )
      .lean<LeanOutbox>();
    return doc ? toEntry(doc) : null;
  }

  /** Only the holder of a live lease can settle an entry; a late report after a re-claim is ignored. */
  async markSent(id: string): Promise<boolean> {
    const res = await this.models.outbox.updateOne(
      { _id: id, status: 'sending' },
      { $set: { status: 'sent', sentAt: new Date(), leaseUntil: null, lastError: null } },
    );
    return res.modifiedCount === 1;
  }

  /** `retryAt` decides from the attempts so far when to try again, or null to give up for good. */
  async markFailed(id: string, error: string, retryAt: (attempts: number) => Date | null): Promise<boolean> {
    const current = await this.models.outbox.findOne({ _id: id, status: 'sending' }, { attempts: 1 }).lean();
    if (!current) return false;
    const when = retryAt(current.attempts);
    const update = when
      ? { status: 'pending', availableAt: when, leaseUntil: null, lastError: error }
      : { status: 'failed', leaseUntil: null, lastError: error };
    const res = await this.models.outbox.updateOne(
      { _id: id, status: 'sending', attempts: current.attempts },
      { $set: update },
    );
    return res.modifiedCount === 1;
  }

  async findByKeyPrefix(prefix: string): Promise<(OutboxEntry & { status: string })[]> {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const docs = await this.models.outbox
      .find({ key: { $regex: `^${escaped}` } })
      .sort({ _id: 1 })
      .lean<(LeanOutbox & { status: string })[]>();
    return docs.map((d) => ({ ...toEntry(d), status: d.status }));
  }

  get pendingWrites(): number {
    return this.inserter.pending;
  }
}
