import type { Model } from 'mongoose';
import { BatchInserter, type InsertOutcome, type InsertTarget } from './batch-insert.js';

interface Keyed {
  _id: string;
}

/**
 * A work queue that stays small next to a permanent log keyed the same way. Engines without query
 * push-down (FerretDB 1.x scans a collection for anything but `_id`) stay fast when the collections
 * that are searched only hold unfinished work, while the log's `_id` still makes every key once-only.
 *
 * The queue entry is written first, so a crash between the two writes leaves work to retry, never a
 * logged key without its work.
 */
export class LoggedQueue<Q extends Keyed, L extends Keyed> {
  private readonly queueInserter: BatchInserter<Q>;
  private readonly logInserter: BatchInserter<L>;
  private finished: string[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    readonly queue: Model<Q>,
    readonly log: Model<L>,
    insertTarget: (model: Model<never>) => InsertTarget = (model) => model.collection,
  ) {
    this.queueInserter = new BatchInserter(queue, insertTarget(queue as never));
    this.logInserter = new BatchInserter(log, insertTarget(log as never));
  }

  /** 'duplicate' when the key is queued now or was ever logged. */
  async add(entry: Q, logEntry: L): Promise<InsertOutcome> {
    if ((await this.queueInserter.insert(entry)) === 'duplicate') return 'duplicate';
    if ((await this.logInserter.insert(logEntry)) === 'duplicate') {
      await this.queue.deleteOne({ _id: entry._id } as never);
      return 'duplicate';
    }
    return 'inserted';
  }

  /** Writes the log entry a crash may have kept from being written; a no-op when it exists. */
  async ensureLogged(logEntry: L): Promise<void> {
    await this.logInserter.insert(logEntry);
  }

  /**
   * Removes a finished entry soon, in one delete with the others finished meanwhile, which keeps the
   * queue as small as the work in flight; until then a retry of the entry is harmless.
   */
  finish(key: string): void {
    this.finished.push(key);
    if (!this.flushing) {
      this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.flushFinished())
        .catch(() => undefined)
        .finally(() => (this.flushing = null));
    }
  }

  async flushFinished(): Promise<void> {
    while (this.finished.length > 0) {
      const keys = this.finished.splice(0, 500);
      try {
        await this.queue.deleteMany({ _id: { $in: keys } } as never);
      } catch (err) {
        this.finished.unshift(...keys);
        throw err;
      }
    }
  }

  get pendingWrites(): number {
    return this.queueInserter.pending + this.logInserter.pending + this.finished.length;
  }
}
