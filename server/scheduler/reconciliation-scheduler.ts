import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

/** What the ledger job needs: finish interrupted writes, and prove entries sum to balances. */
export interface LedgerMaintenance {
  repair(): Promise<number>;
  reconcile(runId: string): Promise<unknown>;
}

/** The run key of the night `now` falls in (China time): one run per night across processes. */
export const nightlyRunId = (now: Date) =>
  `nightly:${new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)}`;

/**
 * Every process runs it: repair every five minutes (cheap when nothing is pending), reconciliation at
 * 03:30 China time, claimed by inserting the night's report so only one process does the work.
 */
export class ReconciliationScheduler {
  private tasks: ScheduledTask[] = [];
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly deps: {
      ledgers: Pick<LedgerMaintenance, 'repair'>[];
      reconcile: LedgerMaintenance['reconcile'];
      log: Logger;
    },
  ) {}

  start(): void {
    if (this.tasks.length) return;
    this.tasks = [
      schedule('*/5 * * * *', () => void this.run(() => this.repair()), {
        name: 'ledger-repair',
        noOverlap: true,
      }),
      schedule('30 3 * * *', () => void this.run(() => this.nightly()), {
        name: 'ledger-reconcile',
        timezone: 'Asia/Shanghai',
        noOverlap: true,
      }),
    ];
    void this.run(() => this.repair());
  }

  async stop(): Promise<void> {
    for (const task of this.tasks) {
      await task.stop();
      await task.destroy();
    }
    this.tasks = [];
    await this.running?.catch(() => null);
  }

  /** Part of the scheduler group: a repair pass; it fires nothing, so it counts nothing. */
  async tick(): Promise<number> {
    await this.run(() => this.repair());
    return 0;
  }

  async repair(): Promise<number> {
    let total = 0;
    for (const ledger of this.deps.ledgers) total += await ledger.repair();
    return total;
  }

  async nightly(now = new Date()): Promise<unknown> {
    await this.repair();
    return this.deps.reconcile(nightlyRunId(now));
  }

  private run(job: () => Promise<unknown>): Promise<unknown> {
    const previous = this.running ?? Promise.resolve();
    const next = previous
      .catch(() => null)
      .then(job)
      .catch((err: unknown) => this.deps.log.error({ err }, 'ledger job failed'));
    this.running = next;
    return next;
  }
}
