import type { TFunction } from 'i18next';
import type { CommandOf } from '../../../shared/commands/parser.js';
import type { CancelResult, CheckinFailure, SignupResult } from '../../../shared/schemas/event.js';
import { AppError } from '../../errors.js';
import type { ChatReach } from '../../repositories/event.repository.js';
import type { EventService } from '../../services/event.service.js';
import type { CommandContext } from './index.js';

/** What a reply names about an event: its number, title, local time and place. */
export type EventFacts = {
  number: number;
  title: string;
  time: string;
  place: string;
};

export function signupReplyText(t: TFunction, facts: EventFacts, result: SignupResult): string {
  if (result.status === 'waitlisted')
    return result.duplicate
      ? t('events.chat.alreadyWaitlisted', { ...facts, position: result.position ?? '-' })
      : t('events.chat.waitlisted', { ...facts, position: result.position ?? '-' });
  return result.duplicate ? t('events.chat.alreadySignedUp', facts) : t('events.chat.signedUp', facts);
}

export const cancelReplyText = (t: TFunction, facts: EventFacts, result: CancelResult) =>
  result.cancelled ? t('events.chat.cancelled', facts) : t('events.chat.notSignedUp', facts);

export function checkinReplyText(
  t: TFunction,
  facts: Pick<EventFacts, 'number' | 'title'>,
  outcome: { ok: true; points: number; serviceMinutes: number } | { ok: false; reason: CheckinFailure },
): string {
  if (!outcome.ok)
    return t('events.chat.checkinFailed', {
      number: facts.number,
      reason: t(`events.checkin.reasons.${outcome.reason}`),
    });
  if (outcome.serviceMinutes > 0)
    return t('events.chat.checkedInService', {
      ...facts,
      points: outcome.points,
      minutes: outcome.serviceMinutes,
    });
  if (outcome.points > 0) return t('events.chat.checkedInPoints', { ...facts, points: outcome.points });
  return t('events.chat.checkedIn', facts);
}

/** A refusal from the service as one line: unknown event, not bound, not open to them, over. */
function refusalText(t: TFunction, err: unknown, number: number): string {
  if (!(err instanceof AppError)) throw err;
  if (err.status === 404) return t('events.chat.notFound', { number });
  if (err.code === 'no_household') return t('events.chat.bindFirst');
  if (err.status === 403 || err.status === 409 || err.status === 400) return t(err.messageKey, err.params);
  throw err;
}

const reachOf = (ctx: CommandContext): ChatReach | null =>
  ctx.message.groupId
    ? {
        channel: ctx.message.channel,
        accountId: ctx.message.accountId,
        groupId: ctx.message.groupId,
        platformId: ctx.message.senderId,
      }
    : null;

/** `#报名 7`: a seat, or a place on the waitlist. */
export async function handleSignup(
  events: EventService,
  command: CommandOf<'signup'>,
  ctx: CommandContext,
): Promise<string> {
  if (!ctx.resident) return ctx.t('events.chat.bindFirst');
  try {
    const { event, result } = await events.signUp(ctx.resident, command.event, reachOf(ctx));
    return signupReplyText(ctx.t, events.facts(event), result);
  } catch (err) {
    return refusalText(ctx.t, err, command.event);
  }
}

/** `#取消报名 7`: frees the seat; the first on the waitlist is promoted and told. */
export async function handleCancelSignup(
  events: EventService,
  command: CommandOf<'cancelSignup'>,
  ctx: CommandContext,
): Promise<string> {
  if (!ctx.resident) return ctx.t('events.chat.bindFirst');
  try {
    const { event, result } = await events.cancel(ctx.resident, command.event);
    return cancelReplyText(ctx.t, events.facts(event), result);
  } catch (err) {
    return refusalText(ctx.t, err, command.event);
  }
}

/** `#签到 7 482913`: the six digits under the organiser's QR code. */
export async function handleCheckin(
  events: EventService,
  command: CommandOf<'checkin'>,
  ctx: CommandContext,
): Promise<string> {
  if (!ctx.resident) return ctx.t('events.chat.bindFirst');
  try {
    const outcome = await events.checkin({
      actor: ctx.resident,
      number: command.event,
      code: command.code,
      via: ctx.group?.id ?? 'chat',
    });
    const facts = { number: command.event, title: outcome.event?.title ?? '' };
    return checkinReplyText(ctx.t, facts, outcome);
  } catch (err) {
    return refusalText(ctx.t, err, command.event);
  }
}
