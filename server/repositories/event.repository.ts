import { Types } from 'mongoose';
import type { Category } from '../../shared/categories.js';
import type { Channel } from '../../shared/messages.js';
import type { SignupStatus } from '../../shared/schemas/event.js';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';
import type { ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';

export interface EventRecord {
  id: string;
  communityId: string;
  number: number;
  scopeId: ScopeId;
  title: string;
  description: string;
  place: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  seatsLeft: number;
  category: Category;
  volunteer: boolean;
  serviceMinutes: number;
  status: 'open' | 'cancelled';
  groupIds: string[];
  createdBy: string;
  createdAt: Date;
}

export type NewEvent = Omit<EventRecord, 'id' | 'seatsLeft' | 'status' | 'createdAt'>;

/** A chat place a resident can be told things in: the group they signed up in, as they are known there. */
export interface ChatReach {
  channel: Channel;
  accountId: string;
  groupId: string;
  platformId: string;
}

export interface SignupRecord {
  id: string;
  eventId: string;
  residentId: string;
  communityId: string;
  status: SignupStatus;
  waitSeq: number | null;
  round: number;
  via: ChatReach | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CheckinRecord {
  eventId: string;
  residentId: string;
  via: string;
  window: number;
  pointsStatus: string | null;
  points: number;
  serviceMinutes: number;
  createdAt: Date;
}

type LeanEvent = Omit<EventRecord, 'id' | 'communityId' | 'groupIds'> & {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  groupIds?: string[];
};

const toEvent = (d: LeanEvent): EventRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  number: d.number,
  scopeId: d.scopeId,
  title: d.title,
  description: d.description ?? '',
  place: d.place,
  startsAt: d.startsAt,
  endsAt: d.endsAt,
  capacity: d.capacity,
  seatsLeft: d.seatsLeft,
  category: d.category,
  volunteer: Boolean(d.volunteer),
  serviceMinutes: d.serviceMinutes ?? 0,
  status: d.status ?? 'open',
  groupIds: d.groupIds ?? [],
  createdBy: d.createdBy,
  createdAt: d.createdAt,
});

type LeanSignup = Omit<SignupRecord, 'id' | 'via'> & {
  _id: string;
  via?: Partial<ChatReach> | null;
};

const toSignup = (d: LeanSignup): SignupRecord => ({
  id: d._id,
  eventId: d.eventId,
  residentId: d.residentId,
  communityId: d.communityId,
  status: d.status,
  waitSeq: d.waitSeq ?? null,
  round: d.round ?? 1,
  via: d.via?.channel && d.via.accountId && d.via.groupId && d.via.platformId ? (d.via as ChatReach) : null,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

type LeanCheckin = CheckinRecord & { _id: string };
const toCheckin = (d: LeanCheckin): CheckinRecord => ({
  eventId: d.eventId,
  residentId: d.residentId,
  via: d.via,
  window: d.window,
  pointsStatus: d.pointsStatus ?? null,
  points: d.points ?? 0,
  serviceMinutes: d.serviceMinutes ?? 0,
  createdAt: d.createdAt,
});

export const signupKey = (eventId: string, residentId: string) => `${eventId}:${residentId}`;

/**
 * Events, their sign-ups, check-ins and check-in attempts. Every write that guards an invariant is a
 * single-document conditional update or a unique insert, so it holds on FerretDB without transactions.
 */
export class EventRepository {
  constructor(
    private readonly models: Pick<
      Models,
      'event' | 'eventSignup' | 'eventCheckin' | 'checkinAttempt' | 'eventReminderRun'
    >,
  ) {}

  async create(input: NewEvent): Promise<EventRecord> {
    const doc = await this.models.event.create({
      ...input,
      communityId: new Types.ObjectId(input.communityId),
      seatsLeft: input.capacity,
    });
    return toEvent(doc.toObject() as LeanEvent);
  }

  async findById(id: string): Promise<EventRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.event.findById(id).lean<LeanEvent>();
    return doc ? toEvent(doc) : null;
  }

  async findByNumber(communityId: string, number: number): Promise<EventRecord | null> {
    if (!isObjectId(communityId)) return null;
    const doc = await this.models.event
      .findOne({ communityId: new Types.ObjectId(communityId), number })
      .lean<LeanEvent>();
    return doc ? toEvent(doc) : null;
  }

  /** Events of a community, newest start first; the collection is small (events are staff-made). */
  async listByCommunity(communityId: string, limit = 100): Promise<EventRecord[]> {
    const docs = await this.models.event
      .find({ communityId: new Types.ObjectId(communityId) })
      .sort({ startsAt: -1 })
      .limit(limit)
      .lean<LeanEvent[]>();
    return docs.map(toEvent);
  }

  /** Open events starting in [from, to): what the reminder job looks at. */
  async listStartingBetween(from: Date, to: Date): Promise<EventRecord[]> {
    const docs = await this.models.event
      .find({ status: 'open', startsAt: { $gte: from, $lt: to } })
      .lean<LeanEvent[]>();
    return docs.map(toEvent);
  }

  async setGroups(id: string, groupIds: string[]): Promise<void> {
    await this.models.event.updateOne({ _id: new Types.ObjectId(id) }, { $set: { groupIds } });
  }

  /**
   * Applies staff edits; a capacity change moves `seatsLeft` by the same amount, conditionally so it
   * never goes below zero (a capacity below the places already taken is refused: null).
   */
  async update(
    id: string,
    change: Partial<
      Pick<EventRecord, 'title' | 'description' | 'place' | 'startsAt' | 'endsAt' | 'serviceMinutes'>
    >,
    capacityDelta: number,
  ): Promise<EventRecord | null> {
    const filter: Record<string, unknown> = { _id: new Types.ObjectId(id) };
    if (capacityDelta < 0) filter.seatsLeft = { $gte: -capacityDelta };
    const doc = await this.models.event
      .findOneAndUpdate(
        filter,
        {
          $set: change,
          ...(capacityDelta !== 0 ? { $inc: { capacity: capacityDelta, seatsLeft: capacityDelta } } : {}),
        },
        { returnDocument: 'after' },
      )
      .lean<LeanEvent>();
    return doc ? toEvent(doc) : null;
  }

  /** Takes one seat if any is left; false when the event is full (or not open). */
  async takeSeat(eventId: string): Promise<boolean> {
    const res = await this.models.event.updateOne(
      { _id: new Types.ObjectId(eventId), status: 'open', seatsLeft: { $gt: 0 } },
      { $inc: { seatsLeft: -1 } },
    );
    return res.modifiedCount === 1;
  }

  async releaseSeat(eventId: string): Promise<void> {
    await this.models.event.updateOne({ _id: new Types.ObjectId(eventId) }, { $inc: { seatsLeft: 1 } });
  }

  /** The next place in the waitlist, unique per event because each caller gets its own `$inc`. */
  async nextWaitSeq(eventId: string): Promise<number> {
    const doc = await this.models.event
      .findOneAndUpdate(
        { _id: new Types.ObjectId(eventId) },
        { $inc: { waitSeq: 1 } },
        { returnDocument: 'after' },
      )
      .lean<{ waitSeq: number }>();
    return doc?.waitSeq ?? 0;
  }

  async findSignup(eventId: string, residentId: string): Promise<SignupRecord | null> {
    const doc = await this.models.eventSignup.findById(signupKey(eventId, residentId)).lean<LeanSignup>();
    return doc ? toSignup(doc) : null;
  }

  /**
   * Writes a first sign-up; 'duplicate' when one already exists for this resident (whatever its
   * status), so the caller can re-read it instead.
   */
  async insertSignup(input: {
    eventId: string;
    residentId: string;
    communityId: string;
    status: 'confirmed' | 'waitlisted';
    waitSeq: number | null;
    via: ChatReach | null;
  }): Promise<'inserted' | 'duplicate'> {
    try {
      await this.models.eventSignup.create({
        _id: signupKey(input.eventId, input.residentId),
        ...input,
        via: input.via ?? undefined,
      });
      return 'inserted';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
  }

  /** Signs a cancelled sign-up up again; false if it was not cancelled any more (a concurrent call won). */
  async reactivateSignup(
    eventId: string,
    residentId: string,
    change: { status: 'confirmed' | 'waitlisted'; waitSeq: number | null; via: ChatReach | null },
  ): Promise<boolean> {
    const res = await this.models.eventSignup.updateOne(
      { _id: signupKey(eventId, residentId), status: 'cancelled' },
      {
        $set: {
          status: change.status,
          waitSeq: change.waitSeq,
          promotedAt: null,
          ...(change.via ? { via: change.via } : {}),
        },
        $inc: { round: 1 },
      },
    );
    return res.modifiedCount === 1;
  }

  /** Cancels an active sign-up; returns it as it was, or null when there was none to cancel. */
  async cancelSignup(eventId: string, residentId: string): Promise<SignupRecord | null> {
    const doc = await this.models.eventSignup
      .findOneAndUpdate(
        { _id: signupKey(eventId, residentId), status: { $in: ['confirmed', 'waitlisted'] } },
        { $set: { status: 'cancelled', waitSeq: null } },
        { returnDocument: 'before' },
      )
      .lean<LeanSignup>();
    return doc ? toSignup(doc) : null;
  }

  /** Moves one waitlisted sign-up to confirmed; false if someone else already moved or cancelled it. */
  async promote(signupId: string): Promise<SignupRecord | null> {
    const doc = await this.models.eventSignup
      .findOneAndUpdate(
        { _id: signupId, status: 'waitlisted' },
        { $set: { status: 'confirmed', promotedAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<LeanSignup>();
    return doc ? toSignup(doc) : null;
  }

  async listSignups(eventId: string, status?: SignupStatus): Promise<SignupRecord[]> {
    const docs = await this.models.eventSignup
      .find(status ? { eventId, status } : { eventId })
      .lean<LeanSignup[]>();
    return docs.map(toSignup).sort(bySignupOrder);
  }

  /** Every sign-up of these events in one query (FerretDB scans once instead of once per event). */
  async listSignupsFor(eventIds: string[]): Promise<SignupRecord[]> {
    if (eventIds.length === 0) return [];
    const docs = await this.models.eventSignup.find({ eventId: { $in: eventIds } }).lean<LeanSignup[]>();
    return docs.map(toSignup).sort(bySignupOrder);
  }

  async listCheckinsOf(residentId: string): Promise<CheckinRecord[]> {
    const docs = await this.models.eventCheckin.find({ residentId }).lean<LeanCheckin[]>();
    return docs.map(toCheckin);
  }

  async listSignupsOf(residentId: string): Promise<SignupRecord[]> {
    const docs = await this.models.eventSignup.find({ residentId }).lean<LeanSignup[]>();
    return docs.map(toSignup);
  }

  /** Insert-only: 'duplicate' means this resident had already checked in to this event. */
  async insertCheckin(input: {
    eventId: string;
    residentId: string;
    communityId: string;
    via: string;
    window: number;
  }): Promise<'inserted' | 'duplicate'> {
    try {
      await this.models.eventCheckin.create({ _id: signupKey(input.eventId, input.residentId), ...input });
      return 'inserted';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
  }

  async findCheckin(eventId: string, residentId: string): Promise<CheckinRecord | null> {
    const doc = await this.models.eventCheckin.findById(signupKey(eventId, residentId)).lean<LeanCheckin>();
    return doc ? toCheckin(doc) : null;
  }

  async recordAward(
    eventId: string,
    residentId: string,
    award: { status: string; points: number; serviceMinutes: number },
  ): Promise<void> {
    await this.models.eventCheckin.updateOne(
      { _id: signupKey(eventId, residentId) },
      { $set: { pointsStatus: award.status, points: award.points, serviceMinutes: award.serviceMinutes } },
    );
  }

  async listCheckins(eventId: string): Promise<CheckinRecord[]> {
    const docs = await this.models.eventCheckin.find({ eventId }).lean<LeanCheckin[]>();
    return docs.map(toCheckin);
  }

  async logAttempt(input: {
    eventId: string;
    residentId: string | null;
    via: string;
    outcome: string;
  }): Promise<void> {
    await this.models.checkinAttempt.create(input);
  }

  async listAttempts(
    eventId: string,
  ): Promise<{ residentId: string | null; via: string; outcome: string; createdAt: Date }[]> {
    return this.models.checkinAttempt
      .find({ eventId })
      .sort({ createdAt: -1 })
      .lean<{ residentId: string | null; via: string; outcome: string; createdAt: Date }[]>();
  }

  /** Which of these reminder claims exist already, by `_id` only. */
  async claimedReminders(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const docs = await this.models.eventReminderRun
      .find({ _id: { $in: keys } }, { _id: 1 })
      .lean<{ _id: string }[]>();
    return new Set(docs.map((d) => d._id));
  }

  /** True only for the one caller whose insert of the key succeeds. */
  async claimReminder(key: string, eventId: string, now: Date): Promise<boolean> {
    try {
      await this.models.eventReminderRun.create({ _id: key, eventId, claimedAt: now });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async releaseReminder(key: string): Promise<void> {
    await this.models.eventReminderRun.deleteOne({ _id: key });
  }
}

/** Confirmed first, then the waitlist in order, then cancelled. */
function bySignupOrder(a: SignupRecord, b: SignupRecord): number {
  const rank = { confirmed: 0, waitlisted: 1, cancelled: 2 } as const;
  return (
    rank[a.status] - rank[b.status] ||
    (a.waitSeq ?? 0) - (b.waitSeq ?? 0) ||
    a.createdAt.getTime() - b.createdAt.getTime()
  );
}
