import type { Model } from 'mongoose';

export type InsertOutcome = 'inserted' | 'duplicate';

interface Waiting<T> {
  doc: T;
  resolve: (outcome: InsertOutcome) => void;
  reject: (err: unknown) => void;
}

interface WriteErrorLike {
  index?: number;
  code?: number;
  err?: { index?: number; code?: number };
}

const DUPLICATE_KEY = 11000;

function writeErrorsOf(err: unknown): WriteErrorLike[] | null {
  const list = (err as { writeErrors?: WriteErrorLike[] | WriteErrorLike } | null)?.writeErrors;
  if (list === undefined || list === null) return null;
  return Array.isArray(list) ? list : [list];
}

/**
 * Group commit for single-document inserts: inserts that arrive within one tick (or up to `maxBatch`)
 * go to the engine as one unordered insertMany, and each caller learns whether its own document was
 * inserted or collided with a unique index. Every insert is still atomic on its own, so this changes
 * throughput, not semantics.
 */
export class BatchInserter<T extends object> {
  private queue: Waiting<T>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly model: Model<T>,
    private readonly maxBatch = 256,
  ) {}

  async insert(doc: T): Promise<InsertOutcome> {
    // Validated alone first, so one bad document fails its own caller and never the whole batch.
    await new this.model(doc).validate();
    return new Promise((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      if (this.queue.length >= this.maxBatch) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Inserts still waiting or under way; shutdown waits for this to reach zero. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.inFlight += batch.length;
    try {
      await this.model.insertMany(
        batch.map((w) => w.doc),
        { ordered: false },
      );
      for (const w of batch) w.resolve('inserted');
    } catch (err) {
      const writeErrors = writeErrorsOf(err);
      if (!writeErrors) {
        for (const w of batch) w.reject(err);
        return;
      }
      const failed = new Map<number, number | undefined>();
      for (const we of writeErrors) {
        const index = we.err?.index ?? we.index;
        if (index !== undefined) failed.set(index, we.code ?? we.err?.code);
      }
      batch.forEach((w, i) => {
        if (!failed.has(i)) w.resolve('inserted');
        else if (failed.get(i) === DUPLICATE_KEY) w.resolve('duplicate');
        else w.reject(err);
      });
    } finally {
      this.inFlight -= batch.length;
    }
  }
}
