import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import type { PollRepository } from '../repositories/poll.repository.js';
import type { PollService } from '../services/poll.service.js';

/**
 * Once a minute: posts polls whose opening time came, closes those past their deadline (claim-once,
 * recount, results to every group) and sends due reminders (each claimed by a conditional update).
 * Every process may run it; the claims keep each step single.
 */
export class PollScheduler {
  private task: ScheduledTask | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly deps: {
      polls: Pick<PollService, 'postIfDue' | 'settle' | 'sendReminder'>;
      repository: Pick<PollRepository, 'listUnsettled' | 'listDueReminders' | 'claimReminder' | 'findById'>;
      log: Logger;
    },
  ) {}

  start(): void {
    if (this.task) return;
    this.task = schedule('* * * * *', () => this.tick(), { name: 'polls', noOverlap: true });
    void this.tick();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = null;
    await this.running?.catch(() => 0);
  }

  /** Does what is due at `now`; how many steps (posts, closings, reminders) this process took. */
  tick(now = new Date()): Promise<number> {
    this.running ??= this.pass(now)
      .catch((err: unknown) => {
        this.deps.log.error({ err }, 'poll tick failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(now: Date): Promise<number> {
    let done = 0;
    for (const poll of await this.deps.repository.listUnsettled()) {
      if (!poll.closedAt && poll.closesAt > now) {
        if (!poll.postedAt && poll.opensAt <= now && (await this.deps.polls.postIfDue(poll))) done++;
        continue;
      }
      if (await this.deps.polls.settle(poll)) done++;
    }
    for (const reminder of await this.deps.repository.listDueReminders(now)) {
      if (!(await this.deps.repository.claimReminder(reminder.id, now))) continue;
      const poll = await this.deps.repository.findById(reminder.pollId);
      if (poll) await this.deps.polls.sendReminder(poll, reminder.id);
      done++;
    }
    return done;
  }
}
