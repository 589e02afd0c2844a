import { Types } from 'mongoose';
import type {
  PollEligibility,
  PollKind,
  PollMatter,
  PollScope,
  ResultsVisibility,
} from '../../shared/schemas/poll.js';
import { isDuplicateKeyError, onlyDuplicateKeyErrors } from '../db/connect.js';
import type { Models } from '../models/index.js';
import { isObjectId } from './object-id.js';

export interface ElectorateBuilding {
  compound: string;
  building: string;
  units: number;
  /** Hundredths of m². */
  area: number;
}

export interface PollRecord {
  id: string;
  communityId: string;
  number: number;
  question: string;
  options: { letter: string; text: string }[];
  maxChoices: number;
  anonymous: boolean;
  eligibility: PollEligibility;
  kind: PollKind;
  matter: PollMatter | null;
  scope: PollScope;
  scopeIds: string[];
  groupIds: string[];
  opensAt: Date;
  closesAt: Date;
  resultsVisibility: ResultsVisibility;
  electorate: { units: number; area: number; buildings: ElectorateBuilding[] };
  ballotKey: string | null;
  postedAt: Date | null;
  closedAt: Date | null;
  final: Tally | null;
  resultsPostedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export type NewPoll = Omit<
  PollRecord,
  'id' | 'postedAt' | 'closedAt' | 'final' | 'resultsPostedAt' | 'createdAt'
> & { sourceKey?: string };

/** Counters of a poll: `units`/`area` voted, per option `n<L>`/`a<L>`, per building index `b<i>`. */
export type Tally = Record<string, number>;

export interface ElectorRecord {
  unitId: string;
  b: number;
  area: number;
}

export interface StoredVote {
  choices: string[];
  version: number;
  area: number;
}

export interface ReminderRecord {
  id: string;
  pollId: string;
  at: Date;
  sentAt: Date | null;
}

type LeanPoll = Omit<PollRecord, 'id' | 'communityId' | 'scope'> & {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  scope: { kind: string; buildings?: string[]; groupIds?: string[] };
};

const toScope = (s: LeanPoll['scope']): PollScope =>
  s.kind === 'buildings'
    ? { kind: 'buildings', buildings: s.buildings ?? [] }
    : s.kind === 'groups'
      ? { kind: 'groups', groupIds: s.groupIds ?? [] }
      : { kind: 'community' };

const toRecord = (d: LeanPoll): PollRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  number: d.number,
  question: d.question,
  options: (d.options ?? []).map((o) => ({ letter: o.letter, text: o.text })),
  maxChoices: d.maxChoices,
  anonymous: d.anonymous,
  eligibility: d.eligibility,
  kind: d.kind,
  matter: d.matter ?? null,
  scope: toScope(d.scope),
  scopeIds: d.scopeIds ?? [],
  groupIds: d.groupIds ?? [],
  opensAt: d.opensAt,
  closesAt: d.closesAt,
  resultsVisibility: d.resultsVisibility,
  electorate: {
    units: d.electorate?.units ?? 0,
    area: d.electorate?.area ?? 0,
    buildings: (d.electorate?.buildings ?? []).map((b) => ({
      compound: b.compound,
      building: b.building,
      units: b.units,
      area: b.area,
    })),
  },
  ballotKey: d.ballotKey ?? null,
  postedAt: d.postedAt ?? null,
  closedAt: d.closedAt ?? null,
  final: (d.final as Tally | null) ?? null,
  resultsPostedAt: d.resultsPostedAt ?? null,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
});

const unitKey = (pollId: string, unit: string) => `${pollId}:${unit}`;
const BATCH = 1000;

/**
 * Polls, their rolls, ballots, "has voted" markers and running tallies. Every hot read and write is by
 * `_id` (FerretDB scans for anything else); scans by `pollId` happen only at closing and for reminders.
 */
export class PollRepository {
  private readonly pendingBumps = new Map<
    string,
    { inc: Tally; waiters: { resolve: () => void; reject: (err: unknown) => void }[] }
  >();
  private readonly bumping = new Map<string, Promise<void>>();

  constructor(
    private readonly models: Pick<
      Models,
      'poll' | 'pollElector' | 'vote' | 'voteMarker' | 'pollTally' | 'pollTold' | 'pollReminder'
    >,
  ) {}

  /** Creates the poll; with a source key already used, returns the poll that key created. */
  async create(input: NewPoll): Promise<{ poll: PollRecord; created: boolean }> {
    try {
      const doc = await this.models.poll.create({
        ...input,
        communityId: new Types.ObjectId(input.communityId),
      });
      return { poll: toRecord(doc.toObject() as unknown as LeanPoll), created: true };
    } catch (err) {
      const existing =
        input.sourceKey && isDuplicateKeyError(err) ? await this.findBySourceKey(input.sourceKey) : null;
      if (!existing) throw err;
      return { poll: existing, created: false };
    }
  }

  async findBySourceKey(sourceKey: string): Promise<PollRecord | null> {
    const doc = await this.models.poll.findOne({ sourceKey }).lean<LeanPoll>();
    return doc ? toRecord(doc) : null;
  }

  async findById(id: string): Promise<PollRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.poll.findById(id).lean<LeanPoll>();
    return doc ? toRecord(doc) : null;
  }

  async findByNumber(communityId: string, number: number): Promise<PollRecord | null> {
    const doc = await this.models.poll
      .findOne({ communityId: new Types.ObjectId(communityId), number })
      .lean<LeanPoll>();
    return doc ? toRecord(doc) : null;
  }

  async listByCommunity(communityId: string, limit = 100): Promise<PollRecord[]> {
    const docs = await this.models.poll
      .find({ communityId: new Types.ObjectId(communityId) })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<LeanPoll[]>();
    return docs.map(toRecord);
  }

  /** Polls not closed yet (a small set): what the scheduler looks at. */
  async listUnsettled(): Promise<PollRecord[]> {
    const docs = await this.models.poll
      .find({ $or: [{ closedAt: null }, { resultsPostedAt: null }] })
      .lean<LeanPoll[]>();
    return docs.map(toRecord);
  }

  /** The latest poll posted to a group that is open at `now`: what a bare `A` answers. */
  async latestOpenForGroup(groupId: string, now: Date): Promise<PollRecord | null> {
    const doc = await this.models.poll
      .findOne({ groupIds: groupId, closedAt: null, opensAt: { $lte: now }, closesAt: { $gt: now } })
      .sort({ opensAt: -1 })
      .lean<LeanPoll>();
    return doc ? toRecord(doc) : null;
  }

  /** Writes the roll in unordered batches; a retry after a crash skips units already there. */
  async addElectors(pollId: string, electors: readonly ElectorRecord[]): Promise<void> {
    for (let i = 0; i < electors.length; i += BATCH) {
      const docs = electors
        .slice(i, i + BATCH)
        .map((e) => ({ _id: unitKey(pollId, e.unitId), pollId, ...e }));
      try {
        await this.models.pollElector.insertMany(docs, { ordered: false });
      } catch (err) {
        if (!isDuplicateKeyError(err) && !onlyDuplicateKeyErrors(err)) throw err;
      }
    }
    await this.models.pollTally.updateOne(
      { _id: pollId },
      { $setOnInsert: { units: 0, area: 0 } },
      { upsert: true },
    );
  }

  async findElector(pollId: string, unitId: string): Promise<ElectorRecord | null> {
    const doc = await this.models.pollElector
      .findById(unitKey(pollId, unitId))
      .lean<{ unitId: string; b: number; area: number }>();
    return doc ? { unitId: doc.unitId, b: doc.b, area: doc.area } : null;
  }

  async listElectors(pollId: string): Promise<ElectorRecord[]> {
    const docs = await this.models.pollElector
      .find({ pollId })
      .lean<{ unitId: string; b: number; area: number }[]>();
    return docs.map((d) => ({ unitId: d.unitId, b: d.b, area: d.area }));
  }

  /** Insert-only: false when the ballot key already has a ballot (the unit voted before). */
  async insertVote(input: {
    pollId: string;
    key: string;
    choices: string[];
    area: number;
    named?: { unitId: string; residentId: string };
  }): Promise<boolean> {
    try {
      // The driver's insertOne: the hot path of a vote skips mongoose's document machinery.
      await this.models.vote.collection.insertOne({
        _id: unitKey(input.pollId, input.key) as never,
        pollId: input.pollId,
        choices: input.choices,
        version: 1,
        area: input.area,
        ...(input.named ?? {}),
      });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async findVote(pollId: string, key: string): Promise<StoredVote | null> {
    const doc = await this.models.vote
      .findById(unitKey(pollId, key))
      .lean<{ choices: string[]; version: number; area: number }>();
    return doc ? { choices: doc.choices, version: doc.version, area: doc.area } : null;
  }

  /**
   * Swaps in new choices and returns the ballot as it was just before, in one atomic write by `_id`
   * (a filter on anything more makes FerretDB scan): two changes racing each get the choices they
   * replaced, so the counters move exactly.
   */
  async swapVote(
    pollId: string,
    key: string,
    choices: string[],
    residentId?: string,
  ): Promise<StoredVote | null> {
    const before = await this.models.vote
      .findOneAndUpdate(
        { _id: unitKey(pollId, key) },
        { $set: { choices, ...(residentId ? { residentId } : {}) }, $inc: { version: 1 } },
        { returnDocument: 'before' },
      )
      .lean<{ choices: string[]; version: number; area: number }>();
    return before ? { choices: before.choices, version: before.version, area: before.area } : null;
  }

  /** Every ballot of a poll (choices and weight only): what the final count reads at closing. */
  async listVotes(pollId: string): Promise<{ choices: string[]; area: number }[]> {
    return this.models.vote
      .find({ pollId }, { choices: 1, area: 1 })
      .lean<{ choices: string[]; area: number }[]>();
  }

  /** Named polls: who chose what, for the staff export; never called for anonymous polls. */
  async listNamedVotes(pollId: string): Promise<{ unitId: string; residentId: string; choices: string[] }[]> {
    return this.models.vote
      .find({ pollId }, { unitId: 1, residentId: 1, choices: 1 })
      .lean<{ unitId: string; residentId: string; choices: string[] }[]>();
  }

  /** "This unit voted"; returns false when it was marked before. */
  async mark(pollId: string, unitId: string, b: number, at: Date): Promise<boolean> {
    try {
      await this.models.voteMarker.collection.insertOne({
        _id: unitKey(pollId, unitId) as never,
        pollId,
        unitId,
        b,
        at,
      });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async hasVoted(pollId: string, unitId: string): Promise<boolean> {
    return (await this.models.voteMarker.exists({ _id: unitKey(pollId, unitId) })) !== null;
  }

  async listMarkers(pollId: string): Promise<{ unitId: string; b: number }[]> {
    return this.models.voteMarker
      .find({ pollId }, { unitId: 1, b: 1 })
      .lean<{ unitId: string; b: number }[]>();
  }

  /**
   * Adds to the poll's counters with `$inc` on the main connection (so no increment is lost). Concurrent
   * calls are merged: while one write is in flight the next ones accumulate into a single `$inc`, and
   * each caller resolves only once a write holding its increment has been acknowledged.
   */
  bump(pollId: string, inc: Tally): Promise<void> {
    const entries = Object.entries(inc).filter(([, v]) => v !== 0);
    if (entries.length === 0) return Promise.resolve();
    let batch = this.pendingBumps.get(pollId);
    if (!batch) {
      batch = { inc: {}, waiters: [] };
      this.pendingBumps.set(pollId, batch);
    }
    for (const [k, v] of entries) batch.inc[k] = (batch.inc[k] ?? 0) + v;
    const target = batch;
    const done = new Promise<void>((resolve, reject) => target.waiters.push({ resolve, reject }));
    this.flushBumps(pollId);
    return done;
  }

  private flushBumps(pollId: string): void {
    if (this.bumping.has(pollId)) return;
    const batch = this.pendingBumps.get(pollId);
    if (!batch) return;
    this.pendingBumps.delete(pollId);
    const write = this.models.pollTally
      .updateOne({ _id: pollId }, { $inc: batch.inc }, { upsert: true })
      .then(
        () => batch.waiters.forEach((w) => w.resolve()),
        (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.bumping.delete(pollId);
        this.flushBumps(pollId);
      });
    this.bumping.set(pollId, write);
  }

  async tally(pollId: string): Promise<Tally> {
    const doc = await this.models.pollTally.findById(pollId).lean<Record<string, unknown>>();
    const out: Tally = {};
    for (const [k, v] of Object.entries(doc ?? {})) if (typeof v === 'number') out[k] = v;
    return out;
  }

  /** Marks the poll posted; true only for the first caller. */
  async claimPosted(id: string, at: Date): Promise<boolean> {
    const res = await this.models.poll.updateOne(
      { _id: new Types.ObjectId(id), postedAt: null },
      { $set: { postedAt: at } },
    );
    return res.modifiedCount === 1;
  }

  /** Closes the poll; true only for the first caller, who then settles the count. */
  async claimClose(id: string, at: Date): Promise<boolean> {
    const res = await this.models.poll.updateOne(
      { _id: new Types.ObjectId(id), closedAt: null },
      { $set: { closedAt: at } },
    );
    return res.modifiedCount === 1;
  }

  /** Stores the final count and forgets the anonymous ballot key for good. */
  async settle(id: string, final: Tally): Promise<void> {
    await this.models.poll.updateOne({ _id: new Types.ObjectId(id) }, { $set: { final, ballotKey: null } });
  }

  async claimResultsPosted(id: string, at: Date): Promise<boolean> {
    const res = await this.models.poll.updateOne(
      { _id: new Types.ObjectId(id), resultsPostedAt: null, final: { $ne: null } },
      { $set: { resultsPostedAt: at } },
    );
    return res.modifiedCount === 1;
  }

  /** Remembers that `who` was told why they may not vote; true the first time only. */
  async tellOnce(pollId: string, who: string): Promise<boolean> {
    try {
      await this.models.pollTold.create({ _id: unitKey(pollId, who), pollId });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** Schedules a reminder; false when one at that time exists already. */
  async addReminder(pollId: string, at: Date): Promise<boolean> {
    try {
      await this.models.pollReminder.create({ _id: unitKey(pollId, at.toISOString()), pollId, at });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async listReminders(pollId: string): Promise<ReminderRecord[]> {
    const docs = await this.models.pollReminder
      .find({ pollId })
      .sort({ at: 1 })
      .lean<{ _id: string; pollId: string; at: Date; sentAt: Date | null }[]>();
    return docs.map((d) => ({ id: d._id, pollId: d.pollId, at: d.at, sentAt: d.sentAt ?? null }));
  }

  async listDueReminders(now: Date): Promise<ReminderRecord[]> {
    const docs = await this.models.pollReminder
      .find({ sentAt: null, at: { $lte: now } })
      .lean<{ _id: string; pollId: string; at: Date; sentAt: Date | null }[]>();
    return docs.map((d) => ({ id: d._id, pollId: d.pollId, at: d.at, sentAt: null }));
  }

  async claimReminder(id: string, at: Date): Promise<boolean> {
    const res = await this.models.pollReminder.updateOne({ _id: id, sentAt: null }, { $set: { sentAt: at } });
    return res.modifiedCount === 1;
  }
}
