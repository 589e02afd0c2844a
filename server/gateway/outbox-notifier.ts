import { EventEmitter } from 'node:events';

/** Wakes long-polling delivery workers in this process when something is queued for their sender. */
export class OutboxNotifier {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly due = new Set<string>();

  /**
   * @param coalesceMs a burst of entries (a broadcast) wakes workers once, after this pause, so they
   *   claim a batch instead of one entry per wake-up while the rest are still being queued.
   */
  constructor(private readonly coalesceMs = 20) {}

  notify(channel: string, accountId: string): void {
    const name = `${channel}:${accountId}`;
    if (this.coalesceMs <= 0) {
      this.events.emit(name);
      return;
    }
    if (this.due.has(name)) return;
    this.due.add(name);
    setTimeout(() => {
      this.due.delete(name);
      this.events.emit(name);
    }, this.coalesceMs).unref();
  }

  /** Resolves on the next notification for the sender, after `ms`, or when `signal` aborts. */
  wait(channel: string, accountId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const name = `${channel}:${accountId}`;
      const done = () => {
        clearTimeout(timer);
        this.events.off(name, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.events.once(name, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
