import { reminderCode, type ReminderView } from '../../shared/schemas/reminder.js';
import { AppError, badRequest } from '../errors.js';
import { assertCan } from '../policy/authorize.js';
import { can, type Actor } from '../policy/policy.js';
import { scopeId } from '../policy/scope.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { ReminderRecord, ReminderRepository } from '../repositories/reminder.repository.js';
import { DEFAULT_TIMEZONE, isSupportedCron, isTimezone, nextOccurrence } from '../scheduler/cron.js';
import { scheduleToCron } from '../scheduler/schedule-phrase.js';

export const reminderNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'reminders.what' }, ['what']);

export interface CreateReminderCommand {
  communityId: string;
  cron: string;
  timezone: string;
  text: string;
  groupIds: string[];
}

/** What `#提醒` produced, for the chat talker to put in words. */
export type ChatReminderResult =
  | { kind: 'created'; reminder: ReminderRecord }
  | { kind: 'badSchedule' }
  | { kind: 'neverRuns' }
  | { kind: 'forbidden' };

export const presentReminder = (r: ReminderRecord): ReminderView => ({
  id: r.id,
  code: reminderCode(r.number),
  text: r.text,
  cron: r.cron,
  timezone: r.timezone,
  groupIds: r.groupIds,
  active: r.active,
  nextRunAt: r.nextRunAt?.toISOString() ?? null,
  lastRunAt: r.lastRunAt?.toISOString() ?? null,
});

/** Recurring reminders: who may schedule them, and when each runs next. */
export class ReminderService {
  constructor(
    private readonly deps: {
      reminders: Pick<
        ReminderRepository,
        'create' | 'findById' | 'listByCommunity' | 'deactivate' | 'groupsInCommunity'
      >;
      counters: Pick<CounterRepository, 'next'>;
      now?: () => Date;
    },
  ) {}

  private now() {
    return this.deps.now?.() ?? new Date();
  }

  async create(actor: Actor, input: CreateReminderCommand): Promise<ReminderRecord> {
    assertCan(actor, 'reminder.create', { scope: scopeId.community(input.communityId) });
    if (!isSupportedCron(input.cron))
      throw badRequest('invalid_cron', 'reminders.errors.invalidCron', { cron: input.cron });
    if (!isTimezone(input.timezone))
      throw badRequest('invalid_timezone', 'reminders.errors.invalidTimezone', { timezone: input.timezone });
    const groupIds = [...new Set(input.groupIds)];
    if (groupIds.length) {
      const known = await this.deps.reminders.groupsInCommunity(input.communityId, groupIds);
      if (known.length !== groupIds.length)
        throw badRequest('unknown_group', 'reminders.errors.unknownGroup');
    }
    const nextRunAt = nextOccurrence(input.cron, input.timezone, this.now());
    if (!nextRunAt) throw badRequest('never_runs', 'reminders.errors.neverRuns', { cron: input.cron });
    const number = await this.deps.counters.next(`reminder:${input.communityId}`);
    return this.deps.reminders.create({
      communityId: input.communityId,
      number,
      text: input.text.trim(),
      groupIds,
      cron: input.cron.trim(),
      timezone: input.timezone,
      nextRunAt,
      createdBy: actor.id,
    });
  }

  /**
   * `#提醒 每月15日,30日 09:00 text` from chat: posts to the group it was typed in, or to every group of
   * the sender's community from a private chat.
   */
  async createFromChat(
    actor: Actor,
    input: { communityId: string; groupId: string | null; schedule: string; time: string; text: string },
  ): Promise<ChatReminderResult> {
    if (!can(actor, 'reminder.create', { scope: scopeId.community(input.communityId) }))
      return { kind: 'forbidden' };
    const cron = scheduleToCron(input.schedule, input.time);
    if (!cron) return { kind: 'badSchedule' };
    const nextRunAt = nextOccurrence(cron, DEFAULT_TIMEZONE, this.now());
    if (!nextRunAt) return { kind: 'neverRuns' };
    const number = await this.deps.counters.next(`reminder:${input.communityId}`);
    const reminder = await this.deps.reminders.create({
      communityId: input.communityId,
      number,
      text: input.text.trim(),
      groupIds: input.groupId ? [input.groupId] : [],
      cron,
      timezone: DEFAULT_TIMEZONE,
      nextRunAt,
      createdBy: actor.id,
    });
    return { kind: 'created', reminder };
  }

  async list(actor: Actor, communityId: string): Promise<ReminderRecord[]> {
    assertCan(actor, 'reminder.create', { scope: scopeId.community(communityId) });
    return this.deps.reminders.listByCommunity(communityId);
  }

  /** Stops a reminder; it stays listed nowhere and never fires again. */
  async deactivate(actor: Actor, id: string): Promise<ReminderRecord> {
    const reminder = await this.deps.reminders.findById(id);
    if (!reminder || !reminder.active) throw reminderNotFound();
    assertCan(actor, 'reminder.create', { scope: scopeId.community(reminder.communityId) });
    await this.deps.reminders.deactivate(id);
    return { ...reminder, active: false };
  }
}
