import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NoticeScheduleRepository } from '../repositories/notice-schedule.repository.js';
import type { ReminderRecord } from '../repositories/reminder.repository.js';
import type { ResidentRepository } from '../repositories/resident.repository.js';
import type { NoticeService } from '../services/notice.service.js';
import type { ReminderSink } from './reminder-sink.js';

/** The notice's source key for a schedule: a retried fire finds the notice it already sent. */
export const scheduledNoticeKey = (scheduleId: string) => `schedule:${scheduleId}`;

/**
 * Sends a due scheduled notice from the staff member who scheduled it, with their roles as they are
 * now. Run by a `ReminderScheduler` over `NoticeScheduleRepository`, so claims, retries after a failed
 * send and the catch-up after downtime are the reminders' own.
 */
export class ScheduledNoticeSink implements ReminderSink {
  constructor(
    private readonly deps: {
      notices: Pick<NoticeService, 'send'>;
      schedules: Pick<NoticeScheduleRepository, 'findById' | 'markSent' | 'markRefused'>;
      residents: Pick<ResidentRepository, 'findById'>;
      log: Logger;
    },
  ) {}

  async fire(due: ReminderRecord): Promise<void> {
    const schedule = await this.deps.schedules.findById(due.id);
    if (schedule?.status !== 'scheduled') return;
    const creator = await this.deps.residents.findById(schedule.createdBy, { fresh: true });
    if (!creator) {
      this.deps.log.warn({ schedule: schedule.id }, 'scheduled notice creator is gone; not sent');
      return this.deps.schedules.markRefused(schedule.id);
    }
    try {
      const { notice } = await this.deps.notices.send({
        actor: creator,
        scope: schedule.scopeId,
        text: schedule.text,
        translations: Object.fromEntries(schedule.translations.map((t) => [t.language, t.text])),
        groupIds: schedule.groupIds.length ? schedule.groupIds : undefined,
        origin: schedule.origin ?? undefined,
        sourceKey: scheduledNoticeKey(schedule.id),
      });
      await this.deps.schedules.markSent(schedule.id, notice.id);
    } catch (err) {
      // A refusal (role lost, no groups left) will not change on retry; anything else is retried.
      if (!(err instanceof AppError)) throw err;
      this.deps.log.warn({ err, schedule: schedule.id }, 'scheduled notice refused');
      await this.deps.schedules.markRefused(schedule.id);
    }
  }
}
