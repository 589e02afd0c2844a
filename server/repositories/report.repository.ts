import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Category } from '../../shared/categories.js';
import type { Language } from '../../shared/i18n/index.js';
import type { Channel } from '../../shared/messages.js';
import type { Party, ReportState, RoutingRule, ServiceType } from '../../shared/schemas/report.js';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';
import type { ScopeId } from '../policy/scope.js';

/** Reports per bucket document (see reportBucketSchema). */
export const BUCKET_SIZE = 100;
const META_BUCKET = '-1';
/**
 * Report and bucket `_id`s are stored as strings: FerretDB 1.24 on SQLite pushes a lookup by `_id` down
 * only for strings and ObjectIds, and scans the whole collection for a numeric `_id` (measured: 10,000
 * reports, 360-470 ms per findOne by numeric `_id` against 25-33 ms by string).
 */
const idOf = (n: number) => String(n);

export interface ReportOrigin {
  channel: Channel;
  accountId: string;
  /** The platform's group id; null for a private chat. */
  groupId: string | null;
  /** The reporter's platform id, to mention them. */
  senderId: string;
  language: Language;
}

export interface ReportContact {
  email?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** The Open311 key's name the request came through. */
  via?: string;
}

export interface ReportHistoryRecord {
  at: Date;
  from: ReportState | null;
  to: ReportState;
  by: string;
  note: string;
  party: Party | null;
}

export interface ReportRecord {
  number: number;
  communityId: string;
  scopeId: ScopeId;
  address: string;
  lat: number | null;
  long: number | null;
  serviceType: ServiceType;
  category: Category;
  party: Party;
  escalations: number;
  state: ReportState;
  description: string;
  reporterId: string | null;
  reporterName: string;
  contact: ReportContact | null;
  origin: ReportOrigin | null;
  photoIds: string[];
  mediaUrl: string | null;
  history: ReportHistoryRecord[];
  duplicateOf: number | null;
  dueAt: Date | null;
  resolvedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type NewReport = Omit<
  ReportRecord,
  'escalations' | 'version' | 'createdAt' | 'updatedAt' | 'resolvedAt' | 'duplicateOf' | 'photoIds'
>;

/** What a list needs of a report, kept in its bucket. */
export interface ReportSummary {
  number: number;
  communityId: string;
  scopeId: ScopeId;
  state: ReportState;
  serviceType: ServiceType;
  category: Category;
  party: Party;
  title: string;
  address: string;
  reporterId: string | null;
  createdAt: number;
  updatedAt: number;
  dueAt: number | null;
  photos: number;
  lat: number | null;
  long: number | null;
}

export interface PhotoRecord {
  id: string;
  reportNumber: number;
  contentType: string;
  size: number;
  key: string;
}

export interface RoutingRecord {
  rules: RoutingRule[];
  slaHours: Partial<Record<ServiceType, number>>;
}

type LeanReport = Omit<ReportRecord, 'number'> & { _id: string };

const toRecord = (d: LeanReport): ReportRecord => {
  const { _id, ...rest } = d;
  return {
    ...rest,
    number: Number(_id),
    lat: d.lat ?? null,
    long: d.long ?? null,
    escalations: d.escalations ?? 0,
    contact: d.contact ?? null,
    origin: d.origin ?? null,
    photoIds: d.photoIds ?? [],
    mediaUrl: d.mediaUrl ?? null,
    history: (d.history ?? []).map((h) => ({ ...h, from: h.from ?? null, party: h.party ?? null })),
    duplicateOf: d.duplicateOf ?? null,
    dueAt: d.dueAt ?? null,
    resolvedAt: d.resolvedAt ?? null,
    version: d.version ?? 0,
  };
};

export const summaryOf = (r: ReportRecord): ReportSummary => ({
  number: r.number,
  communityId: r.communityId,
  scopeId: r.scopeId,
  state: r.state,
  serviceType: r.serviceType,
  category: r.category,
  party: r.party,
  title: Array.from(r.description).slice(0, 40).join(''),
  address: r.address,
  reporterId: r.reporterId,
  createdAt: r.createdAt.getTime(),
  updatedAt: r.updatedAt.getTime(),
  dueAt: r.dueAt ? r.dueAt.getTime() : null,
  photos: r.photoIds.length + (r.mediaUrl ? 1 : 0),
  lat: r.lat,
  long: r.long,
});

export const bucketOf = (number: number) => Math.floor(number / BUCKET_SIZE);
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

type ReportModels = Pick<
  Models,
  | 'report'
  | 'reportBucket'
  | 'reportMine'
  | 'reportTimer'
  | 'reportRouting'
  | 'reportPhoto'
  | 'reportPending'
  | 'open311Key'
>;

/** Reports, their list buckets, timers, routing tables, photos, chat state and Open311 keys. */
export class ReportRepository {
  constructor(private readonly models: ReportModels) {}

  /** Stores a new report under its number; false when that number exists (a retried create). */
  async create(report: NewReport): Promise<ReportRecord | null> {
    const { number, ...fields } = report;
    try {
      await this.models.report.create({ _id: idOf(number), ...fields, photoIds: [], version: 0 });
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
    const stored = (await this.findByNumber(number))!;
    await this.writeSummary(stored);
    await this.models.reportBucket.updateOne(
      { _id: META_BUCKET },
      { $max: { 'e.top': number } },
      { upsert: true },
    );
    if (stored.reporterId)
      await this.models.reportMine.updateOne(
        { _id: stored.reporterId },
        { $addToSet: { numbers: number } },
        { upsert: true },
      );
    return stored;
  }

  async findByNumber(number: number): Promise<ReportRecord | null> {
    if (!Number.isSafeInteger(number)) return null;
    const doc = await this.models.report.findById(idOf(number)).lean<LeanReport>();
    return doc ? toRecord(doc) : null;
  }

  /**
   * Applies a change only if nobody changed the report since `version` was read; null when someone did.
   * Keeps the bucket summary in step.
   */
  async update(
    number: number,
    version: number,
    set: Partial<Omit<ReportRecord, 'number' | 'history' | 'version' | 'createdAt' | 'updatedAt'>>,
    entry?: ReportHistoryRecord,
  ): Promise<ReportRecord | null> {
    const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
    if (entry) update.$push = { history: entry };
    const doc = await this.models.report
      .findOneAndUpdate({ _id: idOf(number), version }, update, { returnDocument: 'after' })
      .lean<LeanReport>();
    if (!doc) return null;
    const record = toRecord(doc);
    await this.writeSummary(record);
    return record;
  }

  /** Stores a photo's metadata and links it; with a given `id` a second call is a no-op. */
  async addPhoto(
    number: number,
    photo: Omit<PhotoRecord, 'id' | 'reportNumber'>,
    id = new Types.ObjectId().toHexString(),
  ): Promise<PhotoRecord> {
    try {
      await this.models.reportPhoto.create({ _id: new Types.ObjectId(id), reportNumber: number, ...photo });
    } catch (err) {
      // Stored by an earlier try of the same message: still make sure it is linked.
      if (!isDuplicateKeyError(err)) throw err;
    }
    const updated = await this.models.report
      .findOneAndUpdate({ _id: idOf(number) }, { $addToSet: { photoIds: id } }, { returnDocument: 'after' })
      .lean<LeanReport>();
    if (updated) await this.writeSummary(toRecord(updated));
    return { id, reportNumber: number, ...photo };
  }

  async findPhoto(id: string): Promise<PhotoRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.models.reportPhoto.findById(id).lean();
    return doc
      ? {
          id: String(doc._id),
          reportNumber: doc.reportNumber,
          contentType: doc.contentType,
          size: doc.size,
          key: doc.key,
        }
      : null;
  }

  /** The highest report number so far (0 when none). */
  async topNumber(): Promise<number> {
    const meta = await this.models.reportBucket.findById(META_BUCKET).lean<{ e?: { top?: number } }>();
    return meta?.e?.top ?? 0;
  }

  /** The summaries of one bucket, newest first. */
  async bucket(index: number): Promise<ReportSummary[]> {
    const doc = await this.models.reportBucket.findById(idOf(index)).lean<{ e?: Record<string, string> }>();
    return Object.values(doc?.e ?? {})
      .map((entry) => JSON.parse(entry) as ReportSummary)
      .sort((a, b) => b.number - a.number);
  }

  /** Summaries of the given numbers (a resident's own), read bucket by bucket. */
  async summaries(numbers: readonly number[]): Promise<ReportSummary[]> {
    const byBucket = new Map<number, number[]>();
    for (const n of numbers) byBucket.set(bucketOf(n), [...(byBucket.get(bucketOf(n)) ?? []), n]);
    const out: ReportSummary[] = [];
    for (const [index, wanted] of byBucket) {
      const entries = await this.bucket(index);
      out.push(...entries.filter((e) => wanted.includes(e.number)));
    }
    return out.sort((a, b) => b.number - a.number);
  }

  async numbersOf(residentId: string): Promise<number[]> {
    const doc = await this.models.reportMine.findById(residentId).lean<{ numbers?: number[] }>();
    return doc?.numbers ?? [];
  }

  // Timers: SLA and follow-up, one per report and kind; claimed by deleting them.
  async setTimer(number: number, kind: 'sla' | 'followUp', dueAt: Date | null): Promise<void> {
    const _id = `${kind}:${number}`;
    if (dueAt === null) await this.models.reportTimer.deleteOne({ _id });
    else
      await this.models.reportTimer.updateOne({ _id }, { $set: { number, kind, dueAt } }, { upsert: true });
  }

  async dueTimers(now: Date, limit = 100) {
    const docs = await this.models.reportTimer
      .find({ dueAt: { $lte: now } })
      .sort({ dueAt: 1 })
      .limit(limit)
      .lean();
    return docs.map((d) => ({
      id: d._id,
      number: d.number,
      kind: d.kind as 'sla' | 'followUp',
      dueAt: d.dueAt,
    }));
  }

  /** Whether this process took the timer (exactly one process does). */
  async claimTimer(id: string, dueAt: Date): Promise<boolean> {
    const result = await this.models.reportTimer.deleteOne({ _id: id, dueAt });
    return result.deletedCount === 1;
  }

  async routing(communityId: string): Promise<RoutingRecord> {
    const doc = await this.models.reportRouting.findById(communityId).lean();
    return {
      rules: (doc?.rules ?? []) as RoutingRule[],
      slaHours: (doc?.slaHours ?? {}) as RoutingRecord['slaHours'],
    };
  }

  async setRouting(communityId: string, routing: RoutingRecord): Promise<void> {
    await this.models.reportRouting.updateOne(
      { _id: communityId },
      { $set: { rules: routing.rules, slaHours: routing.slaHours } },
      { upsert: true },
    );
  }

  // Chat state: pending "is this a report?" questions, photo attach windows, processed messages.
  async setPending(id: string, value: { text?: string; number?: number }, expiresAt: Date): Promise<void> {
    await this.models.reportPending.updateOne(
      { _id: id },
      { $set: { text: value.text ?? '', number: value.number ?? null, expiresAt } },
      { upsert: true },
    );
  }

  async pending(id: string, now: Date): Promise<{ text: string; number: number | null } | null> {
    const doc = await this.models.reportPending.findById(id).lean();
    if (!doc || doc.expiresAt.getTime() < now.getTime()) return null;
    return { text: doc.text ?? '', number: doc.number ?? null };
  }

  /** Removes a pending entry; true for the one caller that removed it. */
  async takePending(id: string): Promise<boolean> {
    return (await this.models.reportPending.deleteOne({ _id: id })).deletedCount === 1;
  }

  /** Records which report a chat message filed, once; returns the number filed first. */
  async claimSource(key: string, number: number): Promise<number> {
    try {
      await this.models.reportPending.create({
        _id: `source:${key}`,
        number,
        expiresAt: new Date(Date.now() + 86_400_000),
      });
      return number;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const doc = await this.models.reportPending.findById(`source:${key}`).lean();
      return doc?.number ?? number;
    }
  }

  async sourceNumber(key: string): Promise<number | null> {
    const doc = await this.models.reportPending.findById(`source:${key}`).lean();
    return doc?.number ?? null;
  }

  async prunePending(now: Date): Promise<void> {
    await this.models.reportPending.deleteMany({ expiresAt: { $lt: now } });
  }

  async addApiKey(hash: string, fields: { name: string; communityId: string; createdBy: string }) {
    await this.models.open311Key.create({ _id: hash, ...fields });
  }

  async findApiKey(hash: string): Promise<{ name: string; communityId: string } | null> {
    const doc = await this.models.open311Key.findById(hash).lean();
    return doc ? { name: doc.name, communityId: doc.communityId } : null;
  }

  /**
   * Bulk load (benchmarks, demo data): the reports, their bucket summaries and reporters' lists, one
   * write per bucket rather than four per report. Numbers must be new.
   */
  async insertMany(reports: readonly ReportRecord[]): Promise<void> {
    if (reports.length === 0) return;
    await this.models.report.insertMany(
      reports.map(({ number, ...rest }) => ({ _id: idOf(number), ...rest })),
      { ordered: false },
    );
    const buckets = new Map<number, Record<string, string>>();
    const mine = new Map<string, number[]>();
    for (const r of reports) {
      const entries = buckets.get(bucketOf(r.number)) ?? {};
      entries[`e.${r.number}`] = JSON.stringify(summaryOf(r));
      buckets.set(bucketOf(r.number), entries);
      if (r.reporterId) mine.set(r.reporterId, [...(mine.get(r.reporterId) ?? []), r.number]);
    }
    for (const [index, set] of buckets)
      await this.models.reportBucket.updateOne({ _id: idOf(index) }, { $set: set }, { upsert: true });
    for (const [residentId, numbers] of mine)
      await this.models.reportMine.updateOne(
        { _id: residentId },
        { $addToSet: { numbers: { $each: numbers } } },
        { upsert: true },
      );
    const top = Math.max(...reports.map((r) => r.number));
    await this.models.reportBucket.updateOne(
      { _id: META_BUCKET },
      { $max: { 'e.top': top } },
      { upsert: true },
    );
  }

  private async writeSummary(r: ReportRecord): Promise<void> {
    await this.models.reportBucket.updateOne(
      { _id: idOf(bucketOf(r.number)) },
      // A string per entry: FerretDB reads one string far faster than a sub-document of many fields.
      { $set: { [`e.${r.number}`]: JSON.stringify(summaryOf(r)) } },
      { upsert: true },
    );
  }
}
