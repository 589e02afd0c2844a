import type { TFunction } from 'i18next';
import type { Category } from '../../../shared/categories.js';
import type { CommandError, CommandIntent } from '../../../shared/commands/parser.js';
import { opinionCode } from '../../../shared/schemas/opinion.js';

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
