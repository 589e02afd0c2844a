import { Types, type Connection } from 'mongoose';
import type { Channel } from '../../shared/messages.js';
import type { Language } from '../../shared/i18n/index.js';
import type { Models } from '../models/index.js';
import { isDuplicateKeyError } from '../db/connect.js';
import { reminderRunModel } from '../models/reminder-run.model.js';
import { reminderModel } from '../models/reminder.model.js';
import { isObjectId } from './object-id.js';

export interface NewReminder {
  communityId: string;
  number: number;
  text: string;
  groupIds: string[];
  cron: string;
  timezone: string;
  nextRunAt: Date | null;
  createdBy: string | null;
}

export interface ReminderRecord extends NewReminder {
  id: string;
  lastRunAt: Date | null;
  active: boolean;
  createdAt: Date;
}

/** Where a reminder is posted: a group as the outbox addresses it. */
export interface ReminderTarget {
  id: string;
  channel: Channel;
  accountId: string;
  platformGroupId: string;
  language: Language;
}

interface LeanReminder {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  number: number;
  text: string;
  groupIds: Types.ObjectId[];
  cron: string;
  timezone: string;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  active: boolean;
  createdBy: Types.ObjectId | null;
  createdAt: Date;
}

const toRecord = (d: LeanReminder): ReminderRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  number: d.number,
  text: d.text,
  groupIds: d.groupIds.map(String),
  cron: d.cron,
  timezone: d.timezone,
  nextRunAt: d.nextRunAt ?? null,
  lastRunAt: d.lastRunAt ?? null,
  active: d.active,
  createdBy: d.createdBy ? String(d.createdBy) : null,
  createdAt: d.createdAt,
});

const runKey = (id: string, occurrence: Date) => `${id}:${occurrence.toISOString()}`;

/** Reminders, and the groups they go to; owns its model so the shared model registry stays untouched. */
export class ReminderRepository {
  private readonly reminder;
  private readonly run;

  constructor(
    conn: Connection,
    private readonly models: Pick<Models, 'group'>,
  ) {
    this.reminder = reminderModel(conn);
    this.run = reminderRunModel(conn);
  }

  /** Builds the indexes before the scheduler's first tick. */
  async init(): Promise<void> {
    await this.reminder.createIndexes();
    await this.run.createIndexes();
  }

  async create(input: NewReminder): Promise<ReminderRecord> {
    const doc = await this.reminder.create({
      ...input,
      communityId: new Types.ObjectId(input.communityId),
      groupIds: input.groupIds.map((id) => new Types.ObjectId(id)),
      createdBy: input.createdBy ? new Types.ObjectId(input.createdBy) : null,
    });
    return toRecord(doc.toObject() as LeanReminder);
  }

  async findById(id: string): Promise<ReminderRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.reminder.findById(id).lean<LeanReminder>();
    return doc ? toRecord(doc) : null;
  }

  async listByCommunity(communityId: string): Promise<ReminderRecord[]> {
    const docs = await this.reminder
      .find({ communityId: new Types.ObjectId(communityId), active: true })
      .sort({ number: 1 })
      .lean<LeanReminder[]>();
    return docs.map(toRecord);
  }

  /** Active reminders whose occurrence is due; the collection is small, so a scan is cheap. */
  async listDue(now: Date, limit = 100): Promise<ReminderRecord[]> {
    const docs = await this.reminder
      .find({ active: true, nextRunAt: { $ne: null, $lte: now } })
      .sort({ nextRunAt: 1 })
      .limit(limit)
      .lean<LeanReminder[]>();
    return docs.map(toRecord);
  }

  /**
   * Claims occurrence `seen` for this process and moves the reminder on to `next`; false when another
   * process has it. The claim is a unique insert; the conditional update then advances the reminder.
   * A claim left `staleMs` without the reminder moving on (its process died in between) is taken over
   * by one process, once per stale window.
   */
  async claim(id: string, seen: Date, next: Date | null, now: Date, staleMs = 300_000): Promise<boolean> {
    const key = runKey(id, seen);
    if (!(await this.insertRun(key, id, seen, now))) {
      const held = await this.run.findById(key).lean();
      if (!held || held.claimedAt.getTime() > now.getTime() - staleMs) return false;
      const current = await this.reminder.findById(id).lean();
      if (current?.nextRunAt?.getTime() !== seen.getTime()) return false;
      const window = Math.floor(now.getTime() / staleMs);
      if (!(await this.insertRun(`${key}:takeover:${window}`, id, seen, now))) return false;
    }
    await this.reminder.updateOne(
      { _id: new Types.ObjectId(id), active: true, nextRunAt: seen },
      { $set: { nextRunAt: next, lastRunAt: now } },
    );
    return true;
  }

  /** Undoes a claim whose fire failed, so a later tick claims the occurrence again. */
  async release(id: string, claimed: Date | null, seen: Date): Promise<boolean> {
    await this.run.deleteOne({ _id: runKey(id, seen) });
    const result = await this.reminder.updateOne(
      { _id: new Types.ObjectId(id), nextRunAt: claimed },
      { $set: { nextRunAt: seen } },
    );
    return result.modifiedCount === 1;
  }

  /** Drops claim rows older than `before`; by then every reminder has moved past them. */
  async pruneRuns(before: Date): Promise<number> {
    const result = await this.run.deleteMany({ claimedAt: { $lt: before } });
    return result.deletedCount;
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

  /** Stops a reminder for good; false if there was none active. */
  async deactivate(id: string): Promise<boolean> {
    if (!isObjectId(id)) return false;
    const result = await this.reminder.updateOne(
      { _id: new Types.ObjectId(id), active: true },
      { $set: { active: false } },
    );
    return result.modifiedCount === 1;
  }

  /** The groups a reminder goes to: the ones named, else every group of its community. */
  async targets(reminder: Pick<ReminderRecord, 'communityId' | 'groupIds'>): Promise<ReminderTarget[]> {
    const filter = reminder.groupIds.length
      ? { _id: { $in: reminder.groupIds.map((id) => new Types.ObjectId(id)) } }
      : { communityId: new Types.ObjectId(reminder.communityId) };
    const docs = await this.models.group.find(filter).sort({ _id: 1 }).lean();
    return docs.map((d) => ({
      id: String(d._id),
      channel: d.channel as Channel,
      accountId: d.accountId,
      platformGroupId: d.platformGroupId,
      language: (d.language ?? 'zh-CN') as Language,
    }));
  }

  /** Ids among `groupIds` that are groups of `communityId`, so a reminder never posts elsewhere. */
  async groupsInCommunity(communityId: string, groupIds: string[]): Promise<string[]> {
    if (!groupIds.every(isObjectId)) return [];
    const docs = await this.models.group
      .find({
        _id: { $in: groupIds.map((id) => new Types.ObjectId(id)) },
        communityId: new Types.ObjectId(communityId),
      })
      .lean();
    return docs.map((d) => String(d._id));
  }
}
