import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import type { ReportService } from '../services/report.service.js';

/**
 * Escalates overdue reports and asks "is it fixed?" a week after resolution, once a minute. Every
 * process runs it; each timer is claimed by deleting it (see ReportRepository.claimTimer), so one
 * process acts on it.
 */
export class ReportScheduler {
  private task: ScheduledTask | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly deps: { reports: Pick<ReportService, 'tick'>; log: Logger }) {}

  start(): void {
    if (this.task) return;
    this.task = schedule('* * * * *', () => this.tick(), { name: 'report-timers', noOverlap: true });
    void this.tick();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.task?.destroy();
    this.task = null;
    await this.running?.catch(() => 0);
  }

  /** Fires the timers due at `now`; how many this process fired. Never throws. */
  tick(now = new Date()): Promise<number> {
    this.running ??= this.deps.reports
      .tick(now)
      .catch((err: unknown) => {
        this.deps.log.error({ err }, 'report timer tick failed');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
