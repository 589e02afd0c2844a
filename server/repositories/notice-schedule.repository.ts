import { Types, type Connection } from 'mongoose';
import type { Language } from '../../shared/i18n/index.js';
import { isDuplicateKeyError } from '../db/connect.js';
import { noticeScheduleModel, type NOTICE_SCHEDULE_STATUSES } from '../models/notice-schedule.model.js';
import { reminderRunModel } from '../models/reminder-run.model.js';
import type { ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';
import type { ReminderRecord } from './reminder.repository.js';

export type NoticeScheduleStatus = (typeof NOTICE_SCHEDULE_STATUSES)[number];

export interface NewNoticeSchedule {
  communityId: string;
  scopeId: ScopeId;
  text: string;
  translations: { language: Language; text: string }[];
  groupIds: string[];
  sendAt: Date;
  origin: string | null;
  createdBy: string;
}

export interface NoticeScheduleRecord extends NewNoticeSchedule {
  id: string;
  status: NoticeScheduleStatus;
  nextRunAt: Date | null;
  noticeId: string | null;
  createdAt: Date;
}

interface LeanSchedule {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  scopeId: string;
  text: string;
  translations?: { language?: string | null; text?: string | null }[];
  groupIds?: string[];
  sendAt: Date;
  nextRunAt?: Date | null;
  status: NoticeScheduleStatus;
  origin?: string | null;
  createdBy: Types.ObjectId;
  noticeId?: string | null;
  createdAt: Date;
}

const toRecord = (d: LeanSchedule): NoticeScheduleRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  scopeId: d.scopeId,
  text: d.text,
  translations: (d.translations ?? []).map((t) => ({
    language: (t.language ?? 'zh-CN') as Language,
    text: t.text ?? '',
  })),
  groupIds: d.groupIds ?? [],
  sendAt: d.sendAt,
  nextRunAt: d.nextRunAt ?? null,
  status: d.status,
  origin: d.origin ?? null,
  createdBy: String(d.createdBy),
  noticeId: d.noticeId ?? null,
  createdAt: d.createdAt,
});

/**
 * A one-shot schedule seen as a reminder, so the reminders' scheduler runs it unchanged: the cron is
 * only there to satisfy it, because claiming a schedule retires it whatever "next" the scheduler gives.
 */
const asReminder = (s: NoticeScheduleRecord): ReminderRecord => ({
  id: s.id,
  communityId: s.communityId,
  number: 0,
  text: s.text,
  groupIds: s.groupIds,
  cron: '* * * * *',
  timezone: 'UTC',
  nextRunAt: s.nextRunAt,
  lastRunAt: null,
  active: s.status === 'scheduled',
  createdBy: s.createdBy,
  createdAt: s.createdAt,
});

const runKey = (id: string, occurrence: Date) => `${id}:${occurrence.toISOString()}`;

/** How long a claim may stay unsent before another process takes it over. */
const STALE_MS = 300_000;

/**
 * Scheduled notices. Claims share the reminders' `reminder_runs` collection: a unique insert of
 * `<id>:<instant>` decides which process sends, even where conditional updates race (FerretDB 1.x).
 */
export class NoticeScheduleRepository {
  private readonly schedule;
  private readonly run;

  constructor(conn: Connection) {
    this.schedule = noticeScheduleModel(conn);
    this.run = reminderRunModel(conn);
  }

  async init(): Promise<void> {
    await this.schedule.createIndexes();
    await this.run.createIndexes();
  }

  async create(input: NewNoticeSchedule): Promise<NoticeScheduleRecord> {
    const doc = await this.schedule.create({
      ...input,
      communityId: new Types.ObjectId(input.communityId),
      createdBy: new Types.ObjectId(input.createdBy),
      nextRunAt: input.sendAt,
      status: 'scheduled',
    });
    return toRecord(doc.toObject() as LeanSchedule);
  }

  async findById(id: string): Promise<NoticeScheduleRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.schedule.findById(id).lean<LeanSchedule>();
    return doc ? toRecord(doc) : null;
  }

  /** The community's schedules, waiting ones first by time, then the latest others. */
  async listByCommunity(communityId: string, limit = 50): Promise<NoticeScheduleRecord[]> {
    const docs = await this.schedule
      .find({ communityId: new Types.ObjectId(communityId) })
      .sort({ sendAt: -1 })
      .limit(limit)
      .lean<LeanSchedule[]>();
    return docs.map(toRecord);
  }

  /**
   * Waiting schedules whose instant has come, and claimed ones still unsent `staleMs` after the claim
   * (their process died mid-send), offered again at their instant so a takeover can finish them.
   */
  async listDue(now: Date, limit = 100, staleMs = STALE_MS): Promise<ReminderRecord[]> {
    const docs = await this.schedule
      .find({
        status: 'scheduled',
        $or: [
          { nextRunAt: { $ne: null, $lte: now } },
          { nextRunAt: null, claimedAt: { $ne: null, $lt: new Date(now.getTime() - staleMs) } },
        ],
      })
      .sort({ sendAt: 1 })
      .limit(limit)
      .lean<LeanSchedule[]>();
    return docs.map((d) => asReminder({ ...toRecord(d), nextRunAt: d.sendAt }));
  }

  /**
   * Claims the instant `seen` for this process (unique insert), then takes the schedule off the waiting
   * list; false when another process has it or it was cancelled meanwhile. `_next` is ignored: one shot.
   * A claim left unsent `staleMs` (its process died) is taken over by one process per stale window;
   * sending again is safe because the notice's source key makes the second send the same notice.
   */
  async claim(id: string, seen: Date, _next: Date | null, now: Date, staleMs = STALE_MS): Promise<boolean> {
    const key = runKey(id, seen);
    const _id = new Types.ObjectId(id);
    if (await this.insertRun(key, id, seen, now)) {
      const res = await this.schedule.updateOne(
        { _id, status: 'scheduled', nextRunAt: seen },
        { $set: { nextRunAt: null, claimedAt: now } },
      );
      return res.modifiedCount === 1;
    }
    const held = await this.run.findById(key).lean();
    if (!held || held.claimedAt.getTime() > now.getTime() - staleMs) return false;
    const current = await this.schedule.findById(id).lean<LeanSchedule & { claimedAt?: Date | null }>();
    if (current?.status !== 'scheduled') return false;
    const waiting = current.nextRunAt?.getTime() === seen.getTime();
    const stuck = current.nextRunAt === null && (current.claimedAt?.getTime() ?? 0) < now.getTime() - staleMs;
    if (!waiting && !stuck) return false;
    const window = Math.floor(now.getTime() / staleMs);
    if (!(await this.insertRun(`${key}:takeover:${window}`, id, seen, now))) return false;
    const res = await this.schedule.updateOne(
      { _id, status: 'scheduled' },
      { $set: { nextRunAt: null, claimedAt: now } },
    );
    return res.modifiedCount === 1;
  }

  /** Puts a claimed schedule back after a failed send, so a later tick tries again. */
  async release(id: string, _claimed: Date | null, seen: Date): Promise<boolean> {
    await this.run.deleteOne({ _id: runKey(id, seen) });
    const res = await this.schedule.updateOne(
      { _id: new Types.ObjectId(id), status: 'scheduled', nextRunAt: null },
      { $set: { nextRunAt: seen } },
    );
    return res.modifiedCount === 1;
  }

  /** The reminders' scheduler prunes the shared claim rows; nothing extra to do here. */
  async pruneRuns(_before: Date): Promise<number> {
    return 0;
  }

  async markSent(id: string, noticeId: string): Promise<void> {
    await this.schedule.updateOne(
      { _id: new Types.ObjectId(id), status: 'scheduled' },
      { $set: { status: 'sent', noticeId } },
    );
  }

  async markRefused(id: string): Promise<void> {
    await this.schedule.updateOne(
      { _id: new Types.ObjectId(id), status: 'scheduled' },
      { $set: { status: 'refused' } },
    );
  }

  /** Cancels a schedule still waiting; false when it was already claimed, sent or cancelled. */
  async cancel(id: string): Promise<boolean> {
    if (!isObjectId(id)) return false;
    const res = await this.schedule.updateOne(
      { _id: new Types.ObjectId(id), status: 'scheduled', nextRunAt: { $ne: null } },
      { $set: { status: 'cancelled', nextRunAt: null } },
    );
    return res.modifiedCount === 1;
  }

  private async insertRun(key: string, id: string, occurrence: Date, now: Date): Promise<boolean> {
    try {
      await this.run.create({ _id: key, reminderId: new Types.ObjectId(id), occurrence, claimedAt: now });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }
}
