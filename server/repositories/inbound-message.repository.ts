import type { InboundMessage } from '../../shared/messages.js';
import type { Models } from '../models/index.js';
import { BatchInserter, type InsertOutcome } from './batch-insert.js';

export const inboundKey = (m: Pick<InboundMessage, 'channel' | 'channelMessageId'>) =>
  `${m.channel}:${m.channelMessageId}`;

export interface StoredInbound {
  key: string;
  message: InboundMessage;
  attempts: number;
}

/** The log of accepted platform messages: the durable record that makes processing exactly-once. */
export class InboundMessageRepository {
  private readonly inserter: BatchInserter<object>;
  private doneQueue: string[] = [];

  constructor(private readonly models: Pick<Models, 'inboundMessage'>) {
    this.inserter = new BatchInserter(models.inboundMessage as never);
  }

  /** Stores the message unless its key is already there; leased to this process for `leaseMs`. */
  accept(message: InboundMessage, leaseMs: number): Promise<InsertOutcome> {
    const now = new Date();
    return this.inserter.insert({
      _id: inboundKey(message),
      message,
      status: 'received',
      attempts: 1,
      leaseUntil: new Date(now.getTime() + leaseMs),
      acceptedAt: now,
    });
  }

  /** Takes over one message whose lease ran out (its process died before finishing it). */
  async claimExpired(leaseMs: number, maxAttempts: number): Promise<StoredInbound | null> {
    const now = new Date();
    const doc = await this.models.inboundMessage
      .findOneAndUpdate(
        { status: 'received', leaseUntil: { $lt: now }, attempts: { $lt: maxAttempts } },
        { $set: { leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!doc) return null;
    return { key: String(doc._id), message: doc.message as InboundMessage, attempts: doc.attempts };
  }

  /** Messages that ran out of attempts are parked as failed so they stop being retried. */
  async parkExhausted(maxAttempts: number): Promise<number> {
    const res = await this.models.inboundMessage.updateMany(
      { status: 'received', leaseUntil: { $lt: new Date() }, attempts: { $gte: maxAttempts } },
      { $set: { status: 'failed', error: 'attempts exhausted' } },
    );
    return res.modifiedCount;
  }

  /** Marks done in batches; a crash before the write only means the idempotent work is redone. */
  markDone(key: string): void {
    this.doneQueue.push(key);
  }

  async flushDone(): Promise<void> {
    while (this.doneQueue.length > 0) {
      const keys = this.doneQueue.splice(0, 500);
      await this.models.inboundMessage.updateMany(
        { _id: { $in: keys } },
        { $set: { status: 'done', processedAt: new Date() } },
      );
    }
  }

  async markFailed(key: string, error: string): Promise<void> {
    await this.models.inboundMessage.updateOne({ _id: key }, { $set: { status: 'failed', error } });
  }

  get pendingWrites(): number {
    return this.inserter.pending + this.doneQueue.length;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.models.inboundMessage.aggregate<{ _id: string; n: number }>([
      { $group: { _id: '$status', n: { $sum: 1 } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }
}
