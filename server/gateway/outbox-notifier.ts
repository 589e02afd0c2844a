import { EventEmitter } from 'node:events';

/** Wakes long-polling delivery workers in this process when something is queued for their sender. */
export class OutboxNotifier {
  private readonly events = new EventEmitter().setMaxListeners(0);

  notify(channel: string, accountId: string): void {
    this.events.emit(`${channel}:${accountId}`);
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
