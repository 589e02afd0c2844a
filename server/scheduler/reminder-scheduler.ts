import type { Logger } from '../logger.js';
import type { ReminderRecord, ReminderRepository } from '../repositories/reminder.repository.js';
import { nextOccurrence } from './cron.js';
import { MinuteJob, type Ticking } from './minute-job.js';
import type { ReminderSink } from './reminder-sink.js';

/** Claim rows are only needed while processes may still race for an occurrence. */
const KEEP_RUNS_MS = 2 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Fires due reminders once a minute. Every process runs it; each occurrence is claimed by a unique
 * insert, then the reminder moves on by a conditional update (see ReminderRepository.claim), so one
 * process fires it. node-cron only paces the ticks: the schedules live in the database, so a reminder
 * added by another process is picked up without re-registering tasks.
 */
export class ReminderScheduler implements Ticking {
  private readonly job: MinuteJob;
  private prunedAt = 0;

  constructor(
    private readonly deps: {
      reminders: Pick<ReminderRepository, 'listDue' | 'claim' | 'release' | 'pruneRuns'>;
      sink: ReminderSink;
      log: Logger;
    },
  ) {
    this.job = new MinuteJob({ name: 'reminders', run: (now) => this.pass(now), log: deps.log });
  }

  /** Starts ticking; the first tick runs at once so reminders missed during downtime catch up. */
  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Fires what is due at `now`; returns how many occurrences this process fired. Never throws. */
  tick(now = new Date()): Promise<number> {
    return this.job.tick(now);
  }

  private async pass(now: Date): Promise<number> {
    let fired = 0;
    if (now.getTime() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = now.getTime();
      await this.deps.reminders.pruneRuns(new Date(now.getTime() - KEEP_RUNS_MS));
    }
    for (const reminder of await this.deps.reminders.listDue(now)) {
      if (await this.fireOnce(reminder, now)) fired++;
    }
    return fired;
  }

  /**
   * Claims the occurrence read, moving the reminder to its first occurrence after now: after downtime
   * the missed ones collapse into this single fire.
   */
  private async fireOnce(reminder: ReminderRecord, now: Date): Promise<boolean> {
    const occurrence = reminder.nextRunAt;
    if (!occurrence) return false;
    const next = nextOccurrence(reminder.cron, reminder.timezone, now);
    if (!(await this.deps.reminders.claim(reminder.id, occurrence, next, now))) return false;
    try {
      await this.deps.sink.fire(reminder, occurrence);
      return true;
    } catch (err) {
      // Hand the occurrence back so the next tick retries it; the sink's keys make a retry safe.
      this.deps.log.warn({ err, reminder: reminder.id }, 'reminder fire failed; will retry');
      await this.deps.reminders.release(reminder.id, next, occurrence).catch(() => false);
      return false;
    }
  }
}
