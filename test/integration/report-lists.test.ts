import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ReportRepository,
  entryAddress,
  listsOf,
  summaryOf,
  type ListQuery,
  type NewReport,
  type ReportRecord,
  type ReportSummary,
} from '../../server/repositories/report.repository.js';
import {
  OPEN_STATES,
  PARTIES,
  REPORT_STATES,
  SERVICE_TYPES,
  isOpenState,
  type ReportState,
} from '../../shared/schemas/report.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The report lists against the real engine: every page, walked to its end through its cursors, must be
 * exactly what a scan of every ticket says, including while a change is half written.
 */

const C1 = 'c1c1c1c1c1c1c1c1c1c1c1c1';
const C2 = 'c2c2c2c2c2c2c2c2c2c2c2c2';
const DAY = 86_400_000;

let db: TestDatabase;
let repo: ReportRepository;
const numbers: number[] = [];

const newReport = (number: number, i: number, community = i % 3 === 0 ? C2 : C1): NewReport => ({
  number,
  communityId: community,
  scopeId: `${community}/garden/${(i % 4) + 1}`,
  address: `${(i % 4) + 1}栋`,
  lat: null,
  long: null,
  serviceType: SERVICE_TYPES[i % SERVICE_TYPES.length]!,
  category: 'buildings',
  party: PARTIES[i % PARTIES.length]!,
  state: 'submitted',
  description: `ticket ${number}`,
  reporterId: i % 5 === 0 ? 'resident-1' : null,
  reporterName: '',
  contact: null,
  origin: null,
  mediaUrl: null,
  history: [],
  dueAt: null,
});

const oldReport = (number: number, i: number, createdAt: Date): ReportRecord => ({
  ...newReport(number, i),
  state: REPORT_STATES[i % REPORT_STATES.length]!,
  escalations: 0,
  photoIds: [],
  duplicateOf: null,
  resolvedAt: null,
  version: 0,
  createdAt,
  updatedAt: createdAt,
});

/** What the lists must answer: every ticket, read one by one. */
async function truth(): Promise<ReportSummary[]> {
  const out: ReportSummary[] = [];
  for (const n of numbers) {
    const r = await repo.findByNumber(n);
    if (r) out.push(summaryOf(r));
  }
  return out.sort((a, b) => b.number - a.number);
}

type Query = Omit<ListQuery, 'limit' | 'keep'>;

const inWindow = (q: Query) => (s: ReportSummary) =>
  (q.from === undefined || s.createdAt >= q.from) && (q.to === undefined || s.createdAt <= q.to);

function expected(all: ReportSummary[], q: Query): ReportSummary[] {
  return all.filter(
    (s) =>
      (q.before === undefined || s.number < q.before) &&
      (!q.communities || q.communities.includes(s.communityId)) &&
      (!q.states || q.states.includes(s.state)) &&
      (!q.party || s.party === q.party) &&
      (!q.serviceTypes || q.serviceTypes.includes(s.serviceType)) &&
      inWindow(q)(s),
  );
}

/** Every page of a query, following the cursors. */
async function walk(q: Query, limit: number, maxReads?: number): Promise<ReportSummary[]> {
  const out: ReportSummary[] = [];
  let before = q.before;
  for (let pages = 0; pages < 500; pages++) {
    const page = await repo.page({ ...q, before, limit, maxReads, keep: inWindow(q) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    if (!page.nextCursor) return out;
    before = Number(page.nextCursor);
  }
  throw new Error('cursor never ended');
}

const CLOSED_SIDE = REPORT_STATES.filter((s) => !isOpenState(s));

async function checkAll(all: ReportSummary[], now: number) {
  const queries: Query[] = [
    { communities: null },
    { communities: [C1] },
    { communities: [C1, C2] },
    { communities: [C1], states: ['accepted'] },
    { communities: [C1], states: OPEN_STATES },
    { communities: null, states: OPEN_STATES },
    { communities: null, states: CLOSED_SIDE },
    { communities: null, states: ['accepted', 'confirmed'] },
    { communities: null, serviceTypes: ['water', 'lighting'] },
    { communities: null, states: OPEN_STATES, serviceTypes: ['water'] },
    { communities: [C1], party: 'gridWorker' },
    { communities: [C1], states: ['submitted'], party: 'secretary', serviceTypes: ['water'] },
    { communities: [C1, C2], states: OPEN_STATES, serviceTypes: [...SERVICE_TYPES] },
    { communities: [C2], before: 25_000 },
    { communities: null, from: now - 700 * DAY, to: now - 300 * DAY },
    { communities: null, from: now - 400 * DAY, serviceTypes: ['elevator'] },
    { communities: [C1], from: now - 2 * DAY },
    { communities: null, from: now + 2 * DAY },
  ];
  for (const q of queries) {
    const want = expected(all, q);
    expect(await walk(q, 7), `7 ${JSON.stringify(q)}`).toEqual(want);
    expect(await walk(q, 1000), `1000 ${JSON.stringify(q)}`).toEqual(want);
    // A page that runs out of reads hands back a cursor; following it still misses nothing.
    expect(await walk(q, 50, 2), `50,2 ${JSON.stringify(q)}`).toEqual(want);
  }
}

beforeAll(async () => {
  db = await openTestDatabase();
  repo = new ReportRepository(db.models);
  // Filed one by one, over three list segments and several ticket shards.
  const fresh = [
    ...Array.from({ length: 24 }, (_, i) => 1001 + i),
    ...Array.from({ length: 8 }, (_, i) => 12_345 + i * 7),
    ...Array.from({ length: 8 }, (_, i) => 24_990 + i * 3),
  ];
  for (const [i, n] of fresh.entries()) {
    expect(await repo.create(newReport(n, i))).not.toBeNull();
    numbers.push(n);
  }
  // Loaded in bulk, filed over the last three years in an order that does not follow their numbers.
  const now = Date.now();
  const old = Array.from({ length: 300 }, (_, i) =>
    oldReport(30_000 + i, i, new Date(now - ((i * 7919) % 1000) * DAY - 3_600_000)),
  );
  await repo.insertMany(old);
  numbers.push(...old.map((r) => r.number));
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe('ReportRepository lists', () => {
  it('answer every filter exactly, before and after changes', async () => {
    expect(await repo.create(newReport(1001, 0))).toBeNull();
    await checkAll(await truth(), Date.now());
    const moves: [number, ReportState][] = [
      [1001, 'accepted'],
      [1002, 'accepted'],
      [1002, 'assigned'],
      [1003, 'rejected'],
      [12_345, 'in_progress'],
      [24_993, 'resolved'],
      [24_993, 'confirmed'],
      [30_004, 'reopened'],
    ];
    for (const [n, state] of moves) {
      const before = (await repo.findByNumber(n))!;
      expect(await repo.update(n, before.version, { state, party: 'gridWorker' })).not.toBeNull();
      // A change made from a version someone else has moved on from is refused.
      expect(await repo.update(n, before.version, { state: 'submitted' })).toBeNull();
    }
    await repo.addPhoto(1004, { contentType: 'image/png', size: 10, key: 'k' });
    const all = await truth();
    expect(all.find((s) => s.number === 1004)?.photos).toBe(1);
    await checkAll(all, Date.now());
    expect((await repo.summaries(await repo.numbersOf('resident-1'))).map((s) => s.number)).toEqual(
      all.filter((s) => s.reporterId === 'resident-1').map((s) => s.number),
    );
  }, 120_000);

  it('stay exact when a process dies between writing a ticket and its lists, until repair fixes them', async () => {
    const n = 1010;
    const before = (await repo.findByNumber(n))!;
    expect(before.state).toBe('submitted');
    const submitted = listsOf(summaryOf(before)).find((l) => l.key.startsWith('cs:'))!.key;
    // Break the directory of a list the report moves into (one nobody else is in), so the change
    // stops after the ticket and some of its lists are written.
    const moved = listsOf(summaryOf(before))
      .find((l) => l.key.startsWith('cspt:'))!
      .key.replace(':submitted:', ':in_progress:');
    const directories = db.conn.collection('report_dirs_cspt');
    await directories.updateOne({ _id: moved as never }, { $set: { k: 'not a list' } }, { upsert: true });
    await expect(repo.update(n, before.version, { state: 'in_progress' })).rejects.toThrow();
    expect((await repo.findByNumber(n))!.state).toBe('in_progress');
    // The old list still holds the report: read naively, it would be listed as submitted.
    const old = entryAddress(submitted, n);
    const chunk = await db.conn.collection(old.collection).findOne({ _id: old.id as never });
    expect(Object.keys((chunk?.e ?? {}) as object)).toContain(String(n));
    const all = await truth();
    await checkAll(all, Date.now());
    const page = await repo.page({
      communities: [before.communityId],
      states: ['in_progress'],
      limit: 100,
      keep: () => true,
    });
    expect(page.items.find((s) => s.number === n)?.state).toBe('in_progress');

    // The directory is mended; a young mark is left to its writer, an old one is finished.
    await directories.updateOne({ _id: moved as never }, { $set: { k: [] } });
    expect(await repo.repair(Date.now())).toBe(0);
    expect(await repo.repair(Date.now() + 10 * 60_000)).toBe(1);
    expect(await repo.repair(Date.now() + 10 * 60_000)).toBe(0);
    const mended = await db.conn.collection(old.collection).findOne({ _id: old.id as never });
    expect(Object.keys((mended?.e ?? {}) as object)).not.toContain(String(n));
    await checkAll(await truth(), Date.now());
  }, 120_000);

  it('moves tickets stored in the first layout', async () => {
    const createdAt = new Date(Date.now() - 5 * DAY);
    const legacy = oldReport(40_001, 1, createdAt);
    const { number, ...fields } = legacy;
    await db.models.reportLegacy.collection.insertOne({ _id: String(number) as never, ...fields });
    numbers.push(number);
    expect(await repo.migrate()).toBe(1);
    expect(await repo.migrate()).toBe(0);
    expect((await repo.findByNumber(number))?.description).toBe(legacy.description);
    await checkAll(await truth(), Date.now());
  }, 120_000);
});
