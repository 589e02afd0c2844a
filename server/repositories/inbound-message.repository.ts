import type { InboundMessage } from '../../shared/messages.js';
import type { Models } from '../models/index.js';
import type { InsertOutcome } from './batch-insert.js';
import { LoggedQueue } from './logged-queue.js';

export const inboundKey = (m: Pick<InboundMessage, 'channel' | 'channelMessageId'>) =>
  `${m.channel}:${m.channelMessageId}`;

export interface StoredInbound {
  key: string;
  message: InboundMessage;
  attempts: number;
}

/** Accepted platform messages: the log that makes each one count once, and the queue of unanswered ones. */
export class InboundMessageRepository {
  private readonly store: LoggedQueue<
    { _id: string; message: InboundMessage; attempts: number; leaseUntil: Date },
    { _id: string; acceptedAt: Date }
  >;

  constructor(private readonly models: Pick<Models, 'inboundLog' | 'inboundQueue' | 'insertTarget'>) {
    this.store = new LoggedQueue(
      models.inboundQueue as never,
      models.inboundLog as never,
      models.insertTarget,
    );
  }

  /** Stores the message unless its key was seen before; leased to this process for `leaseMs`. */
  accept(message: InboundMessage, leaseMs: number): Promise<InsertOutcome> {
    const now = Date.now();
    const key = inboundKey(message);
    return this.store.add(
      { _id: key, message, attempts: 1, leaseUntil: new Date(now + leaseMs) },
      { _id: key, acceptedAt: new Date(now) },
    );
  }

  /** Takes over one message whose lease ran out (its process died or failed before answering). */
  async claimExpired(leaseMs: number, maxAttempts: number): Promise<StoredInbound | null> {
    const now = Date.now();
    const doc = await this.models.inboundQueue
      .findOneAndUpdate(
        { failed: false, leaseUntil: { $lt: new Date(now) }, attempts: { $lt: maxAttempts } },
        { $set: { leaseUntil: new Date(now + leaseMs) }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!doc) return null;
    const message = doc.message as InboundMessage;
    // The log entry may be missing if the accepting process died between its two writes.
    await this.store.ensureLogged({ _id: doc._id, acceptedAt: new Date(message.receivedAt) });
    return { key: doc._id, message, attempts: doc.attempts };
  }

  /** Messages that ran out of attempts stay queued for inspection but are not retried again. */
  async parkExhausted(maxAttempts: number): Promise<number> {
    const res = await this.models.inboundQueue.updateMany(
      { failed: false, leaseUntil: { $lt: new Date() }, attempts: { $gte: maxAttempts } },
      { $set: { failed: true, error: 'attempts exhausted' } },
    );
    return res.modifiedCount;
  }

  /** Answered: removed from the queue in a batch; a crash before that only repeats idempotent work. */
  markDone(key: string): void {
    this.store.finish(key);
  }

  flushDone(): Promise<void> {
    return this.store.flushFinished();
  }

  get pendingWrites(): number {
    return this.store.pendingWrites;
  }

  /** How many accepted messages are not answered yet, and how many gave up. */
  async backlog(): Promise<{ waiting: number; failed: number }> {
    const [waiting, failed] = await Promise.all([
      this.models.inboundQueue.countDocuments({ failed: false }),
      this.models.inboundQueue.countDocuments({ failed: true }),
    ]);
    return { waiting, failed };
  }
}
