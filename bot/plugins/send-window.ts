import type { SendLimit } from '../runtime/adapter.js';

/**
 * Sliding-window counter per sender: remembers when each of the last `max` sends went out, so the
 * delivery loop can wait exactly until the platform would accept the next one.
 */
export class SendWindow {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly limit: Pick<SendLimit, 'max' | 'windowMs'>) {}

  /**
   * Milliseconds until `key` may send again; 0 when it may send now. Sends recorded for later (taken
   * slots) count too, so the answer is the first moment after them.
   */
  waitFor(key: string, now = Date.now()): number {
    const times = this.prune(key, now);
    if (times.length < this.limit.max) return 0;
    return Math.max(0, times[times.length - this.limit.max]! + this.limit.windowMs - now);
  }

  /** Counts a send at `at`: now, or a slot taken for later. */
  record(key: string, at = Date.now(), now = Date.now()): void {
    const times = this.prune(key, Math.min(at, now));
    times.push(at);
    times.sort((a, b) => a - b);
    this.sent.set(key, times);
  }

  /**
   * Moves a send recorded at `startedAt` to `finishedAt`: the platform counts a send when it arrives,
   * somewhere in between, so the window measured from its end never opens early.
   */
  settle(key: string, startedAt: number, finishedAt = Date.now()): void {
    const times = this.sent.get(key);
    const index = times?.indexOf(startedAt) ?? -1;
    if (!times || index < 0) return;
    times.splice(index, 1);
    times.push(finishedAt);
    times.sort((a, b) => a - b);
  }

  /** Forgets a send recorded at `at` that never happened. */
  cancel(key: string, at: number): void {
    const times = this.sent.get(key);
    const index = times?.indexOf(at) ?? -1;
    if (times && index >= 0) times.splice(index, 1);
  }

  private prune(key: string, now: number): number[] {
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.limit.windowMs);
    if (times.length === 0) this.sent.delete(key);
    else this.sent.set(key, times);
    return times;
  }
}
