import { LANGUAGES, translator } from '../../shared/i18n/index.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { scopeId } from '../policy/scope.js';
import type { ReminderRecord } from '../repositories/reminder.repository.js';
import type { ResidentRepository } from '../repositories/resident.repository.js';
import type { NoticeService } from '../services/notice.service.js';
import { reminderOccurrenceKey, type ReminderSink } from './reminder-sink.js';

/**
 * Sends each occurrence as a notice from the reminder's creator, so it gets the notice's short link and
 * acknowledgement tracking; the creator's current roles decide whether it may still be sent. The
 * occurrence key is the notice's source key, so a retried fire re-sends the same notice.
 */
export class NoticeReminderSink implements ReminderSink {
  constructor(
    private readonly deps: {
      notices: Pick<NoticeService, 'send'>;
      residents: Pick<ResidentRepository, 'findById'>;
      log: Logger;
    },
  ) {}

  async fire(reminder: ReminderRecord, occurrence: Date): Promise<void> {
    const creator = reminder.createdBy
      ? await this.deps.residents.findById(reminder.createdBy, { fresh: true })
      : null;
    if (!creator) {
      this.deps.log.warn({ reminder: reminder.id }, 'reminder creator is gone; occurrence skipped');
      return;
    }
    const [first, ...others] = LANGUAGES.map(
      (language) => [language, translator(language)('reminders.fired', { text: reminder.text })] as const,
    );
    try {
      await this.deps.notices.send({
        actor: creator,
        scope: scopeId.community(reminder.communityId),
        text: first![1],
        translations: Object.fromEntries(others),
        groupIds: reminder.groupIds.length ? reminder.groupIds : undefined,
        // One notice per occurrence even when a failed fire is retried.
        sourceKey: reminderOccurrenceKey(reminder.id, occurrence),
      });
    } catch (err) {
      // A refusal (creator lost the role, no groups left) will not change on retry: skip this one.
      if (!(err instanceof AppError)) throw err;
      this.deps.log.warn({ err, reminder: reminder.id, occurrence }, 'reminder occurrence refused');
    }
  }
}
