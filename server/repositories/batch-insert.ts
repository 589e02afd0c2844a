import type { Model } from 'mongoose';

export type InsertOutcome = 'inserted' | 'duplicate';

/**
 * A collection to insert into. Inserts may use a connection of their own: each is atomic under the
 * unique indexes on every engine, while updates stay on the model's connection (see server/db/README.md).
 */
export interface InsertTarget {
  insertMany(docs: Record<string, unknown>[], options: { ordered: boolean }): Promise<unknown>;
}

interface Waiting {
  doc: Record<string, unknown>;
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
  private queue: Waiting[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly model: Model<T>,
    /** Where the inserts go; by default the model's own collection (see InsertTarget). */
    private readonly target: InsertTarget = model.collection,
    private readonly maxBatch = 256,
  ) {}

  async insert(doc: T): Promise<InsertOutcome> {
    // Cast and validated alone first, so one bad document fails its own caller and never the batch.
    const hydrated = new this.model(doc);
    await hydrated.validate();
    const raw = hydrated.toObject({ depopulate: true, virtuals: false }) as Record<string, unknown>;
    if (this.model.schema.get('timestamps')) {
      const now = new Date();
      raw.createdAt ??= now;
      raw.updatedAt ??= now;
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ doc: raw, resolve, reject });
      this.schedule();
    });
  }

  /** Inserts still waiting or under way; shutdown waits for this to reach zero. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /**
   * One batch in flight at a time: what arrives meanwhile waits and goes in the next batch, so batches
   * grow with load instead of queueing many small ones on the engine (FerretDB gets one connection).
   */
  private schedule(): void {
    if (this.scheduled || this.inFlight > 0 || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight += batch.length;
    try {
      // The driver directly: documents are already cast, and mongoose would cast them again.
      await this.target.insertMany(
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
      this.schedule();
    }
  }
}
