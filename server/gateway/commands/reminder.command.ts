import type { CommandOf } from '../../../shared/commands/parser.js';
import type { ReminderService } from '../../services/reminder.service.js';
import type { CommandContext } from './index.js';
import {
  reminderBadScheduleText,
  reminderCreatedText,
  reminderForbiddenText,
  reminderNeverRunsText,
} from './talkers.js';

/** `#提醒 每月15日,30日 09:00 三方碰头会` from staff: schedules it for the group it was typed in. */
export async function handleReminder(
  reminders: ReminderService,
  command: CommandOf<'reminder'>,
  ctx: CommandContext,
): Promise<string> {
  const { t, resident, group } = ctx;
  const communityId = group?.communityId ?? resident?.communityId ?? null;
  if (!resident || !communityId) return reminderForbiddenText(t);
  const result = await reminders.createFromChat(resident, {
    communityId,
    groupId: group?.communityId ? group.id : null,
    schedule: command.schedule,
    time: command.time,
    text: command.text,
  });
  switch (result.kind) {
    case 'created':
      return reminderCreatedText(t, result.reminder);
    case 'badSchedule':
      return reminderBadScheduleText(t);
    case 'neverRuns':
      return reminderNeverRunsText(t);
    case 'forbidden':
      return reminderForbiddenText(t);
  }
}
