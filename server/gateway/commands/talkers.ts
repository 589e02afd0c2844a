import type { TFunction } from 'i18next';
import type { Category } from '../../../shared/categories.js';
import type { CommandError, CommandIntent } from '../../../shared/commands/parser.js';
import { bindingCode } from '../../../shared/schemas/binding.js';
import { opinionCode } from '../../../shared/schemas/opinion.js';
import { reminderCode } from '../../../shared/schemas/reminder.js';
import { formatLocalTime } from '../../scheduler/cron.js';
import { skipsShortMonths } from '../../scheduler/schedule-phrase.js';

/** What the bot says: small pure functions over a translator, unit-tested on their own. */

/** The command word residents would type, in the reply's language, e.g. `#意见`. */
export const commandWord = (t: TFunction, intent: CommandIntent): string =>
  `#${(t(`commands.${intent}`, { returnObjects: true }) as string[])[0] ?? intent}`;

const EXAMPLES: Partial<Record<CommandIntent, string>> = {
  status: 'R1024',
  vote: '12 A',
  signup: '7',
  cancelSignup: '7',
  checkin: '7 482913',
  bind: '3-2-501',
  approve: '3',
  reject: '3',
};

export function commandErrorText(t: TFunction, intent: CommandIntent, error: CommandError): string {
  if (error === 'empty' && intent === 'opinion') return t('bot.opinionEmpty');
  const example = `${commandWord(t, intent)} ${EXAMPLES[intent] ?? '…'}`;
  if (error === 'badNumber') return t('bot.badNumber', { example });
  return t('bot.missingArgument', { example });
}

export const opinionRecordedText = (t: TFunction, number: number, category: Category) =>
  t('bot.opinionRecorded', { number: opinionCode(number), category: t(`categories.${category}`) });

export const opinionTooLongText = (t: TFunction, max: number) => t('bot.opinionTooLong', { max });

export const helpText = (t: TFunction) => t('bot.help');

export const unknownCommandText = (t: TFunction, word: string) => t('bot.unknownCommand', { word });

export const notYetAvailableText = (t: TFunction, intent: CommandIntent) =>
  t('bot.notYetAvailable', { command: commandWord(t, intent) });

export const staffForbiddenText = (t: TFunction, intent: CommandIntent) =>
  t('access.botForbidden', { command: commandWord(t, intent) });

/** A binding request and what the bot says about it: its number, address and masked requester. */
export interface BindingFacts {
  number: number;
  address: string;
  /** Already masked, e.g. `王**`. */
  requesterName?: string;
}

export const bindingRequestedText = (t: TFunction, r: BindingFacts, current: string | null) =>
  current === null
    ? t('binding.requested', { number: bindingCode(r.number), address: r.address })
    : t('binding.requestedReplacing', { number: bindingCode(r.number), address: r.address, current });

export const bindingPendingText = (t: TFunction, r: BindingFacts) =>
  t('binding.pending', { number: bindingCode(r.number), address: r.address });

export const bindingAlreadyBoundText = (t: TFunction, address: string) =>
  t('binding.alreadyBound', { address });

export const bindingUnknownAddressText = (t: TFunction, address: string) =>
  t('binding.unknownAddress', { address, example: `${commandWord(t, 'bind')} ${EXAMPLES.bind}` });

export const bindingAmbiguousAddressText = (t: TFunction, address: string) =>
  t('binding.ambiguousAddress', { address });

export const bindingGroupNotBoundText = (t: TFunction) => t('binding.groupNotBound');

export const bindingGroupOnlyText = (t: TFunction) =>
  t('binding.groupOnly', { command: commandWord(t, 'bind') });

/** "You are not allowed to …" naming the binding action, as the HTTP 403 says it. */
export const bindingForbiddenText = (t: TFunction, action: 'request' | 'decide') =>
  t('access.forbidden', { action: t(`access.actions.binding.${action}`) });

export const bindingDecidedText = (t: TFunction, status: 'approved' | 'rejected', r: BindingFacts) =>
  status === 'approved'
    ? t('binding.approved', { number: bindingCode(r.number), address: r.address, name: r.requesterName })
    : t('binding.rejected', { number: bindingCode(r.number), address: r.address });

export const bindingNotFoundText = (t: TFunction, number: number) =>
  t('binding.notFound', { number: bindingCode(number) });

export const bindingAlreadyDecidedText = (
  t: TFunction,
  number: number,
  status: 'approved' | 'rejected',
  by: string,
) =>
  t('binding.alreadyDecided', { number: bindingCode(number), by, status: t(`binding.statuses.${status}`) });

/** Told to the requester in the group where they asked, once the request is decided. */
export function bindingOutcomeText(
  t: TFunction,
  status: 'approved' | 'rejected',
  r: BindingFacts & { reason?: string | null },
): string {
  const facts = { number: bindingCode(r.number), address: r.address };
  if (status === 'approved') return t('binding.outcomeApproved', facts);
  return r.reason
    ? t('binding.outcomeRejectedReason', { ...facts, reason: r.reason })
    : t('binding.outcomeRejected', facts);
}

/** A reminder's confirmation: its number, text and next run in its own time zone. */
export function reminderCreatedText(
  t: TFunction,
  r: { number: number; text: string; cron: string; timezone: string; nextRunAt: Date | null },
): string {
  const reply = t('reminders.created', {
    code: reminderCode(r.number),
    text: r.text,
    next: r.nextRunAt ? formatLocalTime(r.nextRunAt, r.timezone) : '-',
  });
  return skipsShortMonths(r.cron) ? `${reply} ${t('reminders.shortMonths')}` : reply;
}

export const reminderBadScheduleText = (t: TFunction) => t('reminders.badSchedule');

export const reminderNeverRunsText = (t: TFunction) => t('reminders.errors.neverRuns');

export const reminderForbiddenText = (t: TFunction) =>
  t('access.forbidden', { action: t('access.actions.reminder.create') });
