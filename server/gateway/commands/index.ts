import type { TFunction } from 'i18next';
import type { ParsedCommand } from '../../../shared/commands/parser.js';
import type { Language } from '../../../shared/i18n/index.js';
import type { InboundMessage, OutboundContent } from '../../../shared/messages.js';
import type { Action } from '../../policy/actions.js';
import { grantedScopes } from '../../policy/policy.js';
import type { GroupRecord } from '../../repositories/group.repository.js';
import type { ResidentRecord } from '../../repositories/resident.repository.js';
import type { BindingService } from '../../services/binding.service.js';
import type { NoticeService } from '../../services/notice.service.js';
import type { EventService } from '../../services/event.service.js';
import type { OpinionService } from '../../services/opinion.service.js';
import type { PointsService } from '../../services/points.service.js';
import type { PollService } from '../../services/poll.service.js';
import type { ReminderService } from '../../services/reminder.service.js';
import type { ReportService } from '../../services/report.service.js';
import {
  commandErrorText,
  helpText,
  notYetAvailableText,
  staffForbiddenText,
  unknownCommandText,
} from './talkers.js';
import { handleBind, handleDecision } from './binding.command.js';
import { handleAck, handleNotice } from './notice.command.js';
import { handleCancelSignup, handleCheckin, handleSignup } from './event.command.js';
import { handleOpinion } from './opinion.command.js';
import { handlePoints } from './points.command.js';
import { handleCreatePoll, handleVote } from './poll.command.js';
import { handleReminder } from './reminder.command.js';
import { handleReport, handleReportCandidate, handleReportPhotos, handleStatus } from './report.command.js';

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
  /** Whether a message without a command (a photo) is worth storing: true when `attachment` may use it. */
  wantsAttachments?(message: InboundMessage): boolean;
  /** Answers a message that carries no command but attachments; none when nothing uses them. */
  attachment?(ctx: CommandContext): Promise<OutboundContent[]>;
}

const text = (value: string): OutboundContent => ({ kind: 'text', text: value });

/** Staff commands and the policy action each needs. */
export const STAFF_COMMAND_ACTIONS = {
  notice: 'notice.send',
  reminder: 'reminder.create',
  createPoll: 'poll.create',
  approve: 'binding.decide',
  reject: 'binding.decide',
} as const satisfies Partial<Record<ParsedCommand['intent'], Action>>;

const isStaffIntent = (intent: string): intent is keyof typeof STAFF_COMMAND_ACTIONS =>
  Object.hasOwn(STAFF_COMMAND_ACTIONS, intent);

/**
 * The policy's first say on a staff command: does the sender hold its action anywhere? Each feature
 * then asks again about the object it acts on (a request's household, a notice's scope).
 */
export function mayUseStaffCommand(
  ctx: Pick<CommandContext, 'resident'>,
  intent: keyof typeof STAFF_COMMAND_ACTIONS,
) {
  return ctx.resident !== null && grantedScopes(ctx.resident, STAFF_COMMAND_ACTIONS[intent]).length > 0;
}

/** Routes each intent to its feature; intents whose feature is not built yet say so plainly. */
export function createCommandHandlers(services: {
  opinions: OpinionService;
  /** Optional so unit tests of other commands need not build it; without it binding says "coming soon". */
  bindings?: BindingService;
  /** Optional like `bindings`: without it `#提醒` says "coming soon". */
  reminders?: ReminderService;
  /** Optional like `bindings`: without it `#通知` says "coming soon" and a bare `1` is chatter. */
  notices?: NoticeService;
  /** Optional like `bindings`: without it `#积分` says "coming soon". */
  points?: PointsService;
  /** Optional like `bindings`: without it `#报事`/`#进度` say "coming soon" and photos are ignored. */
  reports?: ReportService;
  /** Optional like `bindings`: without it `#发起投票`/`#投票` say "coming soon" and a bare `A` is chatter. */
  polls?: PollService;
  /** Optional like `bindings`: without it `#报名`, `#取消报名` and `#签到` say "coming soon". */
  events?: EventService;
}): CommandHandlers {
  return {
    wantsAttachments: (message) =>
      services.reports !== undefined && message.attachments.some((a) => a.kind === 'image'),
    async attachment(ctx) {
      if (!services.reports) return [];
      const reply = await handleReportPhotos(services.reports, ctx);
      return reply ? [text(reply)] : [];
    },
    async handle(command, ctx) {
      // Before any syntax help, so residents are not taught commands they cannot use.
      if (isStaffIntent(command.intent) && !mayUseStaffCommand(ctx, command.intent))
        return [text(staffForbiddenText(ctx.t, command.intent))];
      if (command.error) return [text(commandErrorText(ctx.t, command.intent, command.error))];
      switch (command.intent) {
        case 'opinion': {
          // An @bot message that reads like a report is asked about first; a yes files it.
          const report =
            services.reports && !command.explicit
              ? await handleReportCandidate(services.reports, command, ctx)
              : null;
          if (report) return [text(report)];
          return [text(await handleOpinion(services.opinions, command, ctx))];
        }
        case 'help':
          return [text(helpText(ctx.t))];
        case 'bind':
          if (!services.bindings) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleBind(services.bindings, command, ctx))];
        case 'reminder':
          if (!services.reminders) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleReminder(services.reminders, command, ctx))];
        case 'approve':
        case 'reject':
          if (!services.bindings) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleDecision(services.bindings, command, ctx))];
        case 'points':
          if (!services.points) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handlePoints(services.points, ctx))];
        case 'unknown':
          return [text(unknownCommandText(ctx.t, command.word))];
        case 'notice':
          if (!services.notices) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleNotice(services.notices, command, ctx))];
        case 'ack': {
          if (!services.notices)
            return command.explicit ? [text(notYetAvailableText(ctx.t, command.intent))] : [];
          const reply = await handleAck(services.notices, command, ctx);
          return reply ? [text(reply)] : [];
        }
        case 'signup':
          if (!services.events) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleSignup(services.events, command, ctx))];
        case 'cancelSignup':
          if (!services.events) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleCancelSignup(services.events, command, ctx))];
        case 'checkin':
          if (!services.events) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleCheckin(services.events, command, ctx))];
        case 'vote': {
          // A bare "1" or "A" is only an answer while a notice or poll is pending; otherwise it is chatter.
          if (!services.polls)
            return command.explicit ? [text(notYetAvailableText(ctx.t, command.intent))] : [];
          const reply = await handleVote(services.polls, command, ctx);
          return reply ? [text(reply)] : [];
        }
        case 'createPoll':
          if (!services.polls) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleCreatePoll(services.polls, command, ctx))];
        case 'report':
          if (!services.reports) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleReport(services.reports, command, ctx))];
        case 'status':
          if (!services.reports) return [text(notYetAvailableText(ctx.t, command.intent))];
          return [text(await handleStatus(services.reports, command, ctx))];
        default:
          return [
            text(
              notYetAvailableText(
                ctx.t,
                (command as ParsedCommand).intent as Exclude<ParsedCommand['intent'], 'unknown'>,
              ),
            ),
          ];
      }
    },
  };
}
