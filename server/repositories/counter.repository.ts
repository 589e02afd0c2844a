import type { Models } from '../models/index.js';

/** Per-name sequences, handed out in blocks so one number costs far less than one write. */
export class CounterRepository {
  private readonly blocks = new Map<string, { next: number; end: number; refill?: Promise<void> }>();

  constructor(
    private readonly models: Pick<Models, 'counter'>,
    /** Numbers reserved per write; unused ones are skipped after a restart, which only leaves gaps. */
    private readonly blockSize = 1,
  ) {}

  async next(name: string): Promise<number> {
    for (;;) {
      let block = this.blocks.get(name);
      if (block && block.next < block.end) return block.next++;
      if (block?.refill) {
        await block.refill;
        continue;
      }
      block ??= { next: 0, end: 0 };
      this.blocks.set(name, block);
      const target = block;
      target.refill = this.reserve(name).then(
        (end) => {
          target.next = end - this.blockSize + 1;
          target.end = end + 1;
          target.refill = undefined;
        },
        (err: unknown) => {
          target.refill = undefined;
          throw err;
        },
      );
      await target.refill;
    }
  }

  private async reserve(name: string): Promise<number> {
    const doc = await this.models.counter
      .findOneAndUpdate(
        { _id: name },
        { $inc: { seq: this.blockSize } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean();
    return doc!.seq;
  }
}
