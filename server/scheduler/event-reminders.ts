import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import type { EventService } from '../services/event.service.js';

/**
 * Sends event reminders (the day before, an hour before) once a minute. Every process runs it; the
 * service claims each (event, kind) by a unique insert, so one process sends it.
 */
export class EventReminderJob {
  private task: ScheduledTask | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly deps: { events: Pick<EventService, 'sendDueReminders'>; log: Logger }) {}

  start(): void {
    if (this.task) return;
    this.task = schedule('* * * * *', () => this.tick(), { name: 'event-reminders', noOverlap: true });
    void this.tick();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = null;
    await this.running?.catch(() => 0);
  }

  /** Sends what is due at `now`; how many reminders this process queued. Never throws. */
  tick(now = new Date()): Promise<number> {
    this.running ??= this.deps.events
      .sendDueReminders(now)
      .catch((err: unknown) => {
        this.deps.log.error({ err }, 'event reminder tick failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
