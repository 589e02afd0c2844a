import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Category } from '../../shared/categories.js';
import type { Language } from '../../shared/i18n/index.js';
import type { Channel } from '../../shared/messages.js';
import {
  isOpenState,
  type Party,
  type ReportState,
  type RoutingRule,
  type ServiceType,
} from '../../shared/schemas/report.js';
import { isDuplicateKeyError, onlyDuplicateKeyErrors } from '../db/connect.js';
import type { Models } from '../models/index.js';
import { reportShards, type ReportChunkModel } from '../models/report.model.js';
import type { ScopeId } from '../policy/scope.js';

/*
 * Storage layout, shaped for FerretDB 1.24, which reads a whole collection for every query (on
 * PostgreSQL an `_id` lookup is a sequential scan too; measured 35 ms at 20,000 documents, 2 ms at 1,000)
 * and pushes nothing else down that helps a sorted, filtered page. So every hot read is a lookup by a
 * computed string `_id` in a small collection:
 * - tickets: `reports_<n / TICKET_SHARD>`, `_id` the number;
 * - lists: the summaries of the reports in one list ("community X, state in_progress, water"), in chunks
 *   of a fixed number range per kind of list (`<list>#<n / width>`), kept in `report_lists_<kind>_<n /
 *   SEGMENT>`; every report sits in one list of each kind (LIST_KINDS); a page reads a list's chunks
 *   newest first, and a directory per list (`report_dirs_<kind>`) says which chunks exist;
 * - `report_days`: the numbers filed each day and month, so a date window becomes a number range;
 * - `report_meta`: the highest number, and the reports whose lists are being rewritten ("dirty").
 * No transactions: a change marks the report dirty, writes the ticket, rewrites its lists and clears the
 * mark. Readers take a dirty report from its ticket instead of its lists, so a page is exact even while a
 * change is under way or after a process died in the middle of one; `repair` finishes those.
 */

/** Numbers per ticket collection. */
export const TICKET_SHARD = 2000;
/** Numbers per list-chunk collection; every list width divides it. */
export const SEGMENT = 10_000;
const DIRTY = 'dirty';
const TOP = 'top';
const NO_LIMIT = Number.MAX_SAFE_INTEGER;
/** Most lists one page reads side by side (e.g. one per service type asked for); beyond, a wider list. */
const MAX_STREAMS = 12;

type Dimension = 'state' | 'party' | 'type' | 'status';

/** A kind of list: which fields it is keyed by, and the number range of one chunk (sparser → wider). */
export interface ListKind {
  code: string;
  /** Across communities (Open311), or one list per community (staff). */
  global: boolean;
  dims: readonly Dimension[];
  width: number;
}

export const LIST_KINDS: readonly ListKind[] = [
  { code: 'c', global: false, dims: [], width: 100 },
  { code: 'cs', global: false, dims: ['state'], width: 500 },
  { code: 'cp', global: false, dims: ['party'], width: 500 },
  { code: 'ct', global: false, dims: ['type'], width: 500 },
  { code: 'co', global: false, dims: ['status'], width: 500 },
  { code: 'csp', global: false, dims: ['state', 'party'], width: 2000 },
  { code: 'cst', global: false, dims: ['state', 'type'], width: 2000 },
  { code: 'cpt', global: false, dims: ['party', 'type'], width: 2000 },
  { code: 'cspt', global: false, dims: ['state', 'party', 'type'], width: 10_000 },
  { code: 'g', global: true, dims: [], width: 100 },
  { code: 'go', global: true, dims: ['status'], width: 200 },
  { code: 'gt', global: true, dims: ['type'], width: 500 },
  { code: 'got', global: true, dims: ['status', 'type'], width: 2000 },
];
const KIND_BY_CODE = new Map(LIST_KINDS.map((k) => [k.code, k]));
const ALL_REPORTS = KIND_BY_CODE.get('g')!;

interface List {
  kind: ListKind;
  /** `<kind>:<community or *>:<values…>`; built from ids and enum values only. */
  key: string;
}

const listKey = (kind: ListKind, community: string | null, values: readonly string[]) =>
  [kind.code, community ?? '*', ...values].join(':');
const listOfKey = (key: string): List => ({ kind: KIND_BY_CODE.get(key.split(':', 1)[0]!)!, key });

const valueOf = (s: ReportSummary, dim: Dimension): string =>
  dim === 'state'
    ? s.state
    : dim === 'party'
      ? s.party
      : dim === 'type'
        ? s.serviceType
        : isOpenState(s.state)
          ? 'open'
          : 'closed';

/** The lists a report belongs to: one of each kind. */
export const listsOf = (s: ReportSummary): List[] =>
  LIST_KINDS.map((kind) => ({
    kind,
    key: listKey(
      kind,
      kind.global ? null : s.communityId,
      kind.dims.map((d) => valueOf(s, d)),
    ),
  }));

const chunkOf = (list: List, n: number) => Math.floor(n / list.kind.width);
const chunkId = (list: List, chunk: number) => `${list.key}#${chunk}`;
const segmentOf = (list: List, chunk: number) => Math.floor((chunk * list.kind.width) / SEGMENT);
/** Where a list keeps a report's entry: the collection and the chunk's `_id` (checks and repairs). */
export function entryAddress(key: string, n: number): { collection: string; id: string } {
  const list = listOfKey(key);
  const chunk = chunkOf(list, n);
  return {
    collection: `report_lists_${list.kind.code}_${segmentOf(list, chunk)}`,
    id: chunkId(list, chunk),
  };
}
const idOf = (n: number) => String(n);
const byNumberDesc = (a: { number: number }, b: { number: number }) => b.number - a.number;
/** `20261119`: the UTC day of a time, as a sortable string. */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

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

/** What a list needs of a report, kept in each of its lists. */
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

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** What a page asks of the lists; `keep` is the caller's exact test, applied to every candidate. */
export interface ListQuery {
  /** The communities to read (staff), or null for all of them (Open311). */
  communities: readonly string[] | null;
  /** Any of these states (unset: all). */
  states?: readonly ReportState[];
  party?: Party;
  /** Any of these service types (unset: all). */
  serviceTypes?: readonly ServiceType[];
  /** Filed in this window (ms); narrows the numbers read through `report_days`. */
  from?: number;
  to?: number;
  /** Only numbers below this one (the previous page's cursor). */
  before?: number;
  limit: number;
  /** Chunk reads after which the page ends early with a cursor (unset: none). */
  maxReads?: number;
  keep: (s: ReportSummary) => boolean;
}

export interface ListPage {
  items: ReportSummary[];
  /** Pass as `before` for the next page; null when nothing is left. */
  nextCursor: string | null;
}

interface DirtyMark {
  n: number;
  at: number;
  /** The lists the report was in before the change. */
  keys: string[];
}

type ReportModels = Pick<
  Models,
  | 'reportLegacy'
  | 'reportMeta'
  | 'reportDay'
  | 'reportMine'
  | 'reportTimer'
  | 'reportRouting'
  | 'reportPhoto'
  | 'reportPending'
  | 'open311Key'
>;

/** One list read newest first, a chunk at a time. */
class ListStream {
  private buffer: ReportSummary[] = [];
  private next = 0;

  constructor(
    private readonly chunks: number[],
    private readonly width: number,
    private readonly read: (chunk: number) => Promise<ReportSummary[]>,
  ) {}

  /** Whether a chunk must be read before `head` can be known. */
  get starved(): boolean {
    return this.next >= this.buffer.length && this.chunks.length > 0;
  }

  get head(): ReportSummary | undefined {
    return this.buffer[this.next];
  }

  async fill(): Promise<void> {
    this.buffer = await this.read(this.chunks.shift()!);
    this.next = 0;
  }

  take(): ReportSummary {
    return this.buffer[this.next++]!;
  }

  /** The highest number this stream may still yield; -1 when it is done. */
  get bound(): number {
    const head = this.head;
    if (head) return head.number;
    const chunk = this.chunks[0];
    return chunk === undefined ? -1 : (chunk + 1) * this.width - 1;
  }
}

/** Reports, their lists, timers, routing tables, photos, chat state and Open311 keys. */
export class ReportRepository {
  private readonly shards: ReturnType<typeof reportShards>;

  constructor(private readonly models: ReportModels) {
    this.shards = reportShards(models.reportMeta.db);
  }

  private tickets(number: number) {
    return this.shards.tickets(Math.floor(number / TICKET_SHARD));
  }

  /** Stores a new report under its number; null when that number exists (a retried create). */
  async create(report: NewReport): Promise<ReportRecord | null> {
    const { number, ...fields } = report;
    const createdAt = new Date();
    const token = await this.markDirty(number, []);
    // Day, top and the reporter's list first: they only widen what readers look at.
    await this.noteDays([{ number, createdAt }]);
    await this.noteTop(number);
    if (fields.reporterId)
      await this.models.reportMine.updateOne(
        { _id: fields.reporterId },
        { $addToSet: { numbers: number } },
        { upsert: true },
      );
    let stored: ReportRecord;
    try {
      const doc = await this.tickets(number).create({
        _id: idOf(number),
        ...fields,
        photoIds: [],
        version: 0,
        createdAt,
        updatedAt: createdAt,
      });
      stored = toRecord(doc.toObject() as LeanReport);
    } catch (err) {
      await this.clearDirty(token);
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
    await this.settle(number, [], stored, token);
    return stored;
  }

  async findByNumber(number: number): Promise<ReportRecord | null> {
    if (!Number.isSafeInteger(number) || number < 0) return null;
    const doc = await this.tickets(number).findById(idOf(number)).lean<LeanReport>();
    return doc ? toRecord(doc) : null;
  }

  /**
   * Applies a change only if nobody changed the report since `version` was read; null when someone did.
   * Keeps the report's lists in step.
   */
  async update(
    number: number,
    version: number,
    set: Partial<Omit<ReportRecord, 'number' | 'history' | 'version' | 'createdAt' | 'updatedAt'>>,
    entry?: ReportHistoryRecord,
  ): Promise<ReportRecord | null> {
    const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
    if (entry) update.$push = { history: entry };
    return this.change(number, { _id: idOf(number), version }, update, version);
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
    await this.change(number, { _id: idOf(number) }, { $addToSet: { photoIds: id } });
    return { id, reportNumber: number, ...photo };
  }

  /**
   * One change to a ticket, marked dirty until its lists agree: mark (with the lists it is in now),
   * write the ticket, rewrite the lists, clear the mark. A process dying in between leaves the mark,
   * so readers keep taking the report from its ticket until `repair` rewrites the lists.
   */
  private async change(
    number: number,
    filter: Record<string, unknown>,
    update: Record<string, unknown>,
    version?: number,
  ): Promise<ReportRecord | null> {
    const before = await this.findByNumber(number);
    if (!before || (version !== undefined && before.version !== version)) return null;
    const was = listsOf(summaryOf(before)).map((l) => l.key);
    const token = await this.markDirty(number, was);
    const doc = await this.tickets(number)
      .findOneAndUpdate(filter, update, { returnDocument: 'after' })
      .lean<LeanReport>();
    if (!doc) {
      await this.clearDirty(token);
      return null;
    }
    const record = toRecord(doc);
    await this.settle(number, was, record, token);
    return record;
  }

  /**
   * Rewrites a report's lists from `record`, then reads the ticket again: another change that landed
   * meanwhile (its lists may have been overwritten by ours) is written too. Clears the mark once the
   * lists match the ticket as read after writing them.
   */
  private async settle(number: number, was: readonly string[], record: ReportRecord, token: string) {
    const stale = new Set(was);
    let current = summaryOf(record);
    for (let round = 0; round < 5; round++) {
      await this.writeLists(current, stale);
      const latest = await this.findByNumber(number);
      const now = latest ? summaryOf(latest) : null;
      if (!now || JSON.stringify(now) === JSON.stringify(current)) {
        await this.clearDirty(token);
        return;
      }
      for (const list of listsOf(current)) stale.add(list.key);
      current = now;
    }
    // Still moving: the mark stays, and readers keep asking the ticket until `repair` settles it.
  }

  /** Puts a summary in each of its lists and takes it out of the `stale` ones it no longer belongs to. */
  private async writeLists(s: ReportSummary, stale: ReadonlySet<string>): Promise<void> {
    const json = JSON.stringify(s);
    const lists = listsOf(s);
    const current = new Set(lists.map((l) => l.key));
    for (const list of lists) await this.setEntry(list, s.number, json);
    for (const key of stale) if (!current.has(key)) await this.unsetEntry(listOfKey(key), s.number);
  }

  private chunkModel(list: List, chunk: number): ReportChunkModel {
    return this.shards.chunks(list.kind.code, segmentOf(list, chunk));
  }

  private async setEntry(list: List, n: number, json: string): Promise<void> {
    const chunk = chunkOf(list, n);
    const model = this.chunkModel(list, chunk);
    const _id = chunkId(list, chunk);
    const set = { $set: { [`e.${n}`]: json } };
    if ((await model.updateOne({ _id }, set)).matchedCount === 1) return;
    // A new chunk: listed in the directory before it exists, so no reader ever misses it.
    await this.shards
      .directories(list.kind.code)
      .updateOne({ _id: list.key }, { $addToSet: { k: chunk } }, { upsert: true });
    try {
      await model.updateOne({ _id }, set, { upsert: true });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await model.updateOne({ _id }, set);
    }
  }

  private async unsetEntry(list: List, n: number): Promise<void> {
    const chunk = chunkOf(list, n);
    await this.chunkModel(list, chunk).updateOne(
      { _id: chunkId(list, chunk) },
      { $unset: { [`e.${n}`]: '' } },
    );
  }

  private async markDirty(n: number, keys: string[]): Promise<string> {
    const token = `${n}-${randomBytes(6).toString('hex')}`;
    const mark: DirtyMark = { n, at: Date.now(), keys };
    await this.models.reportMeta.updateOne(
      { _id: DIRTY },
      { $set: { [`d.${token}`]: mark } },
      { upsert: true },
    );
    return token;
  }

  private async clearDirty(token: string): Promise<void> {
    await this.models.reportMeta.updateOne({ _id: DIRTY }, { $unset: { [`d.${token}`]: '' } });
  }

  private async dirtyMarks(): Promise<[string, DirtyMark][]> {
    const doc = await this.models.reportMeta.findById(DIRTY).lean<{ d?: Record<string, DirtyMark> }>();
    return Object.entries(doc?.d ?? {});
  }

  /**
   * Finishes changes a process left half done (marks older than `olderThanMs`): rewrites those reports'
   * lists from their tickets and clears the marks. How many it finished.
   */
  async repair(now: number, olderThanMs = 120_000): Promise<number> {
    const marks = await this.dirtyMarks();
    const old = marks.filter(([, m]) => m.at <= now - olderThanMs);
    for (const [token, mark] of old) {
      const keys = marks.filter(([, m]) => m.n === mark.n).flatMap(([, m]) => m.keys);
      const record = await this.findByNumber(mark.n);
      if (record) await this.writeLists(summaryOf(record), new Set(keys));
      else for (const key of keys) await this.unsetEntry(listOfKey(key), mark.n);
      await this.clearDirty(token);
    }
    return old.length;
  }

  /** The highest report number so far (0 when none). */
  async topNumber(): Promise<number> {
    const meta = await this.models.reportMeta.findById(TOP).lean<{ top?: number }>();
    return meta?.top ?? 0;
  }

  private async noteTop(top: number): Promise<void> {
    await this.models.reportMeta.updateOne({ _id: TOP }, { $max: { top } }, { upsert: true });
  }

  /**
   * Records the numbers filed each day (`report_days`: `<YYYY-MM>` by day, `<YYYY>` by month), before
   * any ticket is written, so the index only ever over-covers.
   */
  private async noteDays(reports: readonly { number: number; createdAt: Date }[]): Promise<void> {
    const docs = new Map<string, { min: Record<string, number>; max: Record<string, number> }>();
    const note = (id: string, field: string, n: number) => {
      const doc = docs.get(id) ?? { min: {}, max: {} };
      doc.min[`d.${field}.lo`] = Math.min(doc.min[`d.${field}.lo`] ?? n, n);
      doc.max[`d.${field}.hi`] = Math.max(doc.max[`d.${field}.hi`] ?? n, n);
      docs.set(id, doc);
    };
    for (const r of reports) {
      const day = dayOf(r.createdAt.getTime());
      note(`${day.slice(0, 4)}-${day.slice(4, 6)}`, day.slice(6), r.number);
      note(day.slice(0, 4), day.slice(4, 6), r.number);
    }
    const firstDay = Math.min(...reports.map((r) => Number(dayOf(r.createdAt.getTime()))));
    await this.models.reportMeta.updateOne({ _id: TOP }, { $min: { firstDay } }, { upsert: true });
    for (const [_id, { min, max }] of docs)
      await this.models.reportDay.updateOne({ _id }, { $min: min, $max: max }, { upsert: true });
  }

  /** The numbers of the reports filed in a window; null when none were. One read a year, two a month. */
  private async numbersFiled(
    from: number,
    to: number | undefined,
  ): Promise<{ lo: number; hi: number } | null> {
    // Within the days anything was filed, so an absurd window costs no more than a real one.
    const span = await this.models.reportMeta.findById(TOP).lean<{ firstDay?: number }>();
    if (span?.firstDay === undefined) return null;
    const first = [dayOf(from), String(span.firstDay)].sort()[1]!;
    const last = dayOf(Math.min(to ?? Infinity, Date.now() + 86_400_000));
    if (last < first) return null;
    type Ranges = Record<string, { lo?: number; hi?: number }>;
    const read = async (id: string) =>
      (await this.models.reportDay.findById(id).lean<{ d?: Ranges }>())?.d ?? {};
    let lo = Infinity;
    let hi = -Infinity;
    const widen = (range: { lo?: number; hi?: number }) => {
      if (range.lo === undefined || range.hi === undefined) return;
      lo = Math.min(lo, range.lo);
      hi = Math.max(hi, range.hi);
    };
    for (let year = Number(first.slice(0, 4)); year <= Number(last.slice(0, 4)); year++) {
      for (const [month, range] of Object.entries(await read(String(year)))) {
        const key = `${year}${month}`;
        if (key < first.slice(0, 6) || key > last.slice(0, 6)) continue;
        // A month the window covers whole counts as one; at the window's ends, day by day.
        if (key > first.slice(0, 6) && key < last.slice(0, 6)) widen(range);
        else
          for (const [day, dayRange] of Object.entries(await read(`${year}-${month}`)))
            if (`${key}${day}` >= first && `${key}${day}` <= last) widen(dayRange);
      }
    }
    if (lo === Infinity) return null;
    return { lo, hi: to === undefined ? NO_LIMIT : hi };
  }

  /** The lists a query reads side by side; `fits` then checks every dimension on each entry anyway. */
  private listsFor(q: ListQuery): List[] {
    const some = <T>(values: readonly T[] | undefined) => (values?.length ? values : undefined);
    let states = some(q.states);
    let types = some(q.serviceTypes);
    const status = states?.every(isOpenState)
      ? 'open'
      : states?.every((s) => !isOpenState(s))
        ? 'closed'
        : null;
    // Several states on one side (all open work, e.g. overdue): that side's list, not one per state.
    if (q.communities && states && states.length > 1 && status && !q.party && !types) {
      const kind = KIND_BY_CODE.get('co')!;
      return q.communities.map((community) => ({ kind, key: listKey(kind, community, [status]) }));
    }
    if (q.communities) {
      const count = () => q.communities!.length * (states?.length ?? 1) * (types?.length ?? 1);
      if (count() > MAX_STREAMS) types = undefined;
      if (count() > MAX_STREAMS) states = undefined;
      if (count() <= MAX_STREAMS) {
        const dims: Dimension[] = [
          ...(states ? (['state'] as const) : []),
          ...(q.party ? (['party'] as const) : []),
          ...(types ? (['type'] as const) : []),
        ];
        const kind = LIST_KINDS.find((k) => !k.global && sameDims(k.dims, dims))!;
        return q.communities.flatMap((community) =>
          (states ?? [null]).flatMap((state) =>
            (types ?? [null]).map((type) => {
              const values = [state, q.party ?? null, type].filter((v) => v !== null);
              return { kind, key: listKey(kind, community, values) };
            }),
          ),
        );
      }
    }
    if (types && types.length > MAX_STREAMS) types = undefined;
    const dims: Dimension[] = [
      ...(status ? (['status'] as const) : []),
      ...(types ? (['type'] as const) : []),
    ];
    const kind = LIST_KINDS.find((k) => k.global && sameDims(k.dims, dims))!;
    return (types ?? [null]).map((type) => ({
      kind,
      key: listKey(
        kind,
        null,
        [status, type].filter((v) => v !== null),
      ),
    }));
  }

  /**
   * One page of summaries, newest first: the lists that fit the query merged by number, each entry
   * checked against the query, dirty reports taken from their tickets.
   */
  async page(q: ListQuery): Promise<ListPage> {
    let lo = 0;
    let hi = q.before !== undefined ? q.before - 1 : NO_LIMIT;
    if (q.from !== undefined) {
      const filed = await this.numbersFiled(q.from, q.to);
      if (!filed) return { items: [], nextCursor: null };
      lo = filed.lo;
      hi = Math.min(hi, filed.hi);
    }
    if (hi < lo || q.limit < 1) return { items: [], nextCursor: null };
    const dirty = new Set((await this.dirtyMarks()).map(([, m]) => m.n));
    const streams: ListStream[] = [];
    for (const list of this.listsFor(q)) {
      const width = list.kind.width;
      const directory = await this.shards
        .directories(list.kind.code)
        .findById(list.key)
        .lean<{ k?: number[] }>();
      const chunks = [...new Set(directory?.k ?? [])]
        .filter((c) => c * width <= hi && (c + 1) * width - 1 >= lo)
        .sort((a, b) => b - a);
      streams.push(new ListStream(chunks, width, (chunk) => this.readChunk(list, chunk, lo, hi)));
    }
    const fits = (s: ReportSummary) => fitsQuery(s, q) && q.keep(s);
    // Merge by number: always go on with the stream that may hold the highest number, reading a chunk
    // only when that stream has nothing buffered, so a list that is not needed is not read.
    const next = (stream: ListStream) => Math.min(hi, stream.bound);
    const frontier = () => Math.max(-1, ...streams.map(next));
    const start = frontier();
    const budget = q.maxReads ?? Infinity;
    let reads = 0;
    let stopped = false;
    let items: ReportSummary[] = [];
    const seen = new Set<number>();
    while (items.length < q.limit) {
      let best: ListStream | undefined;
      // On a tie the unread chunk comes first: whatever is taken is then above every unread number.
      for (const stream of streams)
        if (
          !best ||
          next(stream) > next(best) ||
          (next(stream) === next(best) && stream.starved && !best.starved)
        )
          best = stream;
      if (!best || next(best) < lo) break;
      if (best.starved) {
        // Out of reads, but only once the page has moved on, so following cursors always ends.
        if (reads >= budget && frontier() < start) {
          stopped = true;
          break;
        }
        await best.fill();
        reads++;
        continue;
      }
      const entry = best.take();
      if (seen.has(entry.number) || dirty.has(entry.number)) continue;
      seen.add(entry.number);
      if (fits(entry)) items.push(entry);
    }
    // Everything from `floor` up to `hi` has been looked at.
    const left = frontier();
    let floor = lo;
    let cursor: number | null = null;
    if (items.length === q.limit) {
      floor = items[items.length - 1]!.number;
      cursor = left >= lo ? floor : null;
    } else if (stopped) {
      floor = left + 1;
      cursor = floor;
    }
    const extra: ReportSummary[] = [];
    for (const n of dirty) {
      if (n < floor || n < lo || n > hi || seen.has(n)) continue;
      const record = await this.findByNumber(n);
      const summary = record ? summaryOf(record) : null;
      if (summary && fits(summary)) extra.push(summary);
    }
    if (extra.length) {
      items = [...items, ...extra].sort(byNumberDesc);
      if (items.length > q.limit) {
        items = items.slice(0, q.limit);
        cursor = items[items.length - 1]!.number;
      }
    }
    return { items, nextCursor: cursor === null ? null : String(cursor) };
  }

  /** The entries of one chunk between `lo` and `hi`, newest first. */
  private async readChunk(list: List, chunk: number, lo: number, hi: number): Promise<ReportSummary[]> {
    const doc = await this.chunkModel(list, chunk)
      .findById(chunkId(list, chunk))
      .lean<{ e?: Record<string, string> }>();
    const out: ReportSummary[] = [];
    const entries = doc?.e && typeof doc.e === 'object' ? doc.e : {};
    for (const [key, json] of Object.entries(entries)) {
      const n = Number(key);
      if (n >= lo && n <= hi) out.push(JSON.parse(json) as ReportSummary);
    }
    return out.sort(byNumberDesc);
  }

  /** Summaries of the given numbers (a resident's own), newest first. */
  async summaries(numbers: readonly number[]): Promise<ReportSummary[]> {
    const dirty = new Set((await this.dirtyMarks()).map(([, m]) => m.n));
    const all: List = { kind: ALL_REPORTS, key: listKey(ALL_REPORTS, null, []) };
    const byChunk = new Map<number, Set<number>>();
    const out: ReportSummary[] = [];
    for (const n of new Set(numbers)) {
      if (dirty.has(n)) {
        const record = await this.findByNumber(n);
        if (record) out.push(summaryOf(record));
        continue;
      }
      const chunk = chunkOf(all, n);
      byChunk.set(chunk, (byChunk.get(chunk) ?? new Set()).add(n));
    }
    for (const [chunk, wanted] of byChunk)
      out.push(
        ...(await this.readChunk(all, chunk, 0, NO_LIMIT)).filter(
          (s) => wanted.has(s.number) && !dirty.has(s.number),
        ),
      );
    return out.sort(byNumberDesc);
  }

  async numbersOf(residentId: string): Promise<number[]> {
    const doc = await this.models.reportMine.findById(residentId).lean<{ numbers?: number[] }>();
    return doc?.numbers ?? [];
  }

  /** How many tickets are stored (tests and checks; reads every ticket collection). */
  async count(): Promise<number> {
    const collections = await this.models.reportMeta.db.listCollections();
    let total = 0;
    for (const c of collections)
      if (/^reports_\d+$/.test(c.name))
        total += await this.shards.tickets(Number(c.name.slice(8))).countDocuments();
    return total;
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
   * Bulk load (benchmarks, demo data, the migration): tickets, days, lists and reporters' lists, one
   * write per chunk rather than one per report and list. Loading the same reports twice is harmless.
   */
  async insertMany(reports: readonly ReportRecord[]): Promise<void> {
    if (reports.length === 0) return;
    await this.noteDays(reports);
    await this.noteTop(Math.max(...reports.map((r) => r.number)));
    const mine = new Map<string, number[]>();
    for (const r of reports)
      if (r.reporterId) mine.set(r.reporterId, [...(mine.get(r.reporterId) ?? []), r.number]);
    for (const [residentId, numbers] of mine)
      await this.models.reportMine.updateOne(
        { _id: residentId },
        { $addToSet: { numbers: { $each: numbers } } },
        { upsert: true },
      );
    const shards = new Map<number, ReportRecord[]>();
    for (const r of reports) {
      const shard = Math.floor(r.number / TICKET_SHARD);
      shards.set(shard, [...(shards.get(shard) ?? []), r]);
    }
    for (const [shard, records] of shards)
      try {
        await this.shards.tickets(shard).collection.insertMany(
          records.map(({ number, ...rest }) => ({ _id: idOf(number), ...rest }) as never),
          { ordered: false },
        );
      } catch (err) {
        if (!onlyDuplicateKeyErrors(err)) throw err;
      }
    const chunks = new Map<string, { list: List; chunk: number; set: Record<string, string> }>();
    const directories = new Map<string, { list: List; chunks: Set<number> }>();
    for (const r of reports) {
      const summary = summaryOf(r);
      const json = JSON.stringify(summary);
      for (const list of listsOf(summary)) {
        const chunk = chunkOf(list, r.number);
        const id = chunkId(list, chunk);
        const entry = chunks.get(id) ?? { list, chunk, set: {} };
        entry.set[`e.${r.number}`] = json;
        chunks.set(id, entry);
        const directory = directories.get(list.key) ?? { list, chunks: new Set() };
        directories.set(list.key, directory.chunks.add(chunk) && directory);
      }
    }
    for (const { list, chunks: listed } of directories.values())
      await this.shards
        .directories(list.kind.code)
        .updateOne({ _id: list.key }, { $addToSet: { k: { $each: [...listed] } } }, { upsert: true });
    for (const [_id, { list, chunk, set }] of chunks)
      await this.chunkModel(list, chunk).updateOne({ _id }, { $set: set }, { upsert: true });
  }

  /**
   * Moves tickets of the first layout (one `reports` collection, `report_buckets`) into this one, a
   * batch at a time; how many it moved. Copy first, then delete: a crash in between copies again.
   */
  async migrate(batch = 500): Promise<number> {
    let moved = 0;
    for (;;) {
      const docs = await this.models.reportLegacy.find().limit(batch).lean<LeanReport[]>();
      if (docs.length === 0) return moved;
      await this.insertMany(docs.map(toRecord));
      await this.models.reportLegacy.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
      moved += docs.length;
    }
  }
}

const sameDims = (a: readonly Dimension[], b: readonly Dimension[]) =>
  a.length === b.length && a.every((d) => b.includes(d));

/** Whether a summary is in what the query's lists stand for (a wider list may have been read). */
function fitsQuery(s: ReportSummary, q: ListQuery): boolean {
  if (q.communities && !q.communities.includes(s.communityId)) return false;
  if (q.states?.length && !q.states.includes(s.state)) return false;
  if (q.party && s.party !== q.party) return false;
  if (q.serviceTypes?.length && !q.serviceTypes.includes(s.serviceType)) return false;
  return true;
}
