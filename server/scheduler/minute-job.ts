import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

/** What a scheduler group starts, ticks and stops. */
export interface Ticking {
  start(): void;
  stop(): Promise<void>;
  /** Does what is due at `now`; how many things this process did. */
  tick(now?: Date): Promise<number>;
}

/**
 * A job every process runs once a minute (reminders, event reminders, report timers, poll openings and
 * closings). `run` claims each action it takes (a unique insert or a conditional update), so two
 * processes never do the same one; a tick still running is joined, never overlapped.
 */
export class MinuteJob implements Ticking {
  private task: ScheduledTask | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly deps: { name: string; run: (now: Date) => Promise<number>; log: Logger }) {}

  start(): void {
    if (this.task) return;
    this.task = schedule('* * * * *', () => this.tick(), { name: this.deps.name, noOverlap: true });
    void this.tick();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = null;
    await this.running?.catch(() => 0);
  }

  /** Never throws: a failed pass is logged and the next minute tries again. */
  tick(now = new Date()): Promise<number> {
    this.running ??= this.deps
      .run(now)
      .catch((err: unknown) => {
        this.deps.log.error({ err, job: this.deps.name }, 'scheduled job failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}

/** Several schedulers started, ticked and stopped as one (reminders, scheduled notices, polls …). */
export class SchedulerGroup implements Ticking {
  constructor(private readonly parts: readonly Ticking[]) {}

  start(): void {
    for (const part of this.parts) part.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.parts.map((part) => part.stop()));
  }

  /** Fires what is due in every part; the total fired by this process. */
  async tick(now = new Date()): Promise<number> {
    const counts = await Promise.all(this.parts.map((part) => part.tick(now)));
    return counts.reduce((sum, n) => sum + n, 0);
  }
}
