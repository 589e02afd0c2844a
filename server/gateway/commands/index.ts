import type { TFunction } from 'i18next';
import type { ParsedCommand } from '../../../shared/commands/parser.js';
import type { Language } from '../../../shared/i18n/index.js';
import type { InboundMessage, OutboundContent } from '../../../shared/messages.js';
import type { GroupRecord } from '../../repositories/group.repository.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import type { OpinionService } from '../../services/opinion.service.js';
import { commandErrorText, helpText, notYetAvailableText, unknownCommandText } from './talkers.js';
import { handleOpinion } from './opinion.command.js';

/** Everything a command handler may know about the message it answers. */
export interface CommandContext {
  key: string;
  message: InboundMessage;
  group: GroupRecord | null;
  resident: ResidentRecord | null;
  language: Language;
  t: TFunction;
  mayBeRetry: boolean;
}

export interface CommandHandlers {
  /** Runs the command and returns the replies to queue, in order; none for chatter it ignores. */
  handle(command: ParsedCommand, ctx: CommandContext): Promise<OutboundContent[]>;
}

const text = (value: string): OutboundContent => ({ kind: 'text', text: value });

/** Routes each intent to its feature; intents whose feature is not built yet say so plainly. */
export function createCommandHandlers(services: { opinions: OpinionService }): CommandHandlers {
  return {
    async handle(command, ctx) {
      if (command.error) return [text(commandErrorText(ctx.t, command.intent, command.error))];
      switch (command.intent) {
        case 'opinion':
          return [text(await handleOpinion(services.opinions, command, ctx))];
        case 'help':
          return [text(helpText(ctx.t))];
        case 'unknown':
          return [text(unknownCommandText(ctx.t, command.word))];
        case 'ack':
        case 'vote':
          // A bare "1" or "A" is only an answer while a notice or poll is pending; otherwise it is chatter.
          if (!command.explicit) return [];
          return [text(notYetAvailableText(ctx.t, command.intent))];
        default:
          return [text(notYetAvailableText(ctx.t, command.intent))];
      }
    },
  };
}
