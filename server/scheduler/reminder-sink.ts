import { translator } from '../../shared/i18n/index.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { ReminderRecord, ReminderRepository } from '../repositories/reminder.repository.js';

/** Where a due reminder goes; the scheduler calls it once per claimed occurrence. */
export interface ReminderSink {
  fire(reminder: ReminderRecord, occurrence: Date): Promise<void>;
}

/** Outbox key of one occurrence in one group: a retried fire never posts twice. */
export const reminderKey = (reminderId: string, occurrence: Date, groupId: string) =>
  `${reminderOccurrenceKey(reminderId, occurrence)}:${groupId}`;

/** One occurrence of one reminder, whichever sink fires it. */
export const reminderOccurrenceKey = (reminderId: string, occurrence: Date) =>
  `reminder:${reminderId}:${occurrence.toISOString()}`;

/** Posts the reminder to each target group through the outbox, in the group's language. */
export class OutboxReminderSink implements ReminderSink {
  constructor(
    private readonly deps: {
      reminders: Pick<ReminderRepository, 'targets'>;
      outbox: Pick<OutboxRepository, 'enqueue'>;
    },
  ) {}

  async fire(reminder: ReminderRecord, occurrence: Date): Promise<void> {
    for (const group of await this.deps.reminders.targets(reminder)) {
      const text = translator(group.language)('reminders.fired', { text: reminder.text });
      await this.deps.outbox.enqueue(
        reminderKey(reminder.id, occurrence, group.id),
        {
          channel: group.channel,
          accountId: group.accountId,
          groupId: group.platformGroupId,
          content: { kind: 'text', text },
          mentions: [],
          replyTo: null,
        },
        { mayBeRetry: true },
      );
    }
  }
}
