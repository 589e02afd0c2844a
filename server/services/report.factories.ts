import type { Actor } from '../policy/policy.js';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import {
  summaryOf,
  type ListQuery,
  type PhotoRecord,
  type ReportHistoryRecord,
  type ReportRecord,
  type ReportRepository,
  type RoutingRecord,
} from '../repositories/report.repository.js';
import { MemoryPhotoStorage } from '../storage/photo-storage.js';
import { ReportService } from './report.service.js';

export const COMMUNITY = 'aaaaaaaaaaaaaaaaaaaaaaaa';
export const HOUSEHOLD = 'bbbbbbbbbbbbbbbbbbbbbbbb';

/** ReportRepository in memory, with the same claim-once and version rules. */
export class MemoryReportRepository {
  readonly reports = new Map<number, ReportRecord>();
  readonly timers = new Map<string, { number: number; kind: 'sla' | 'followUp'; dueAt: Date }>();
  readonly pendings = new Map<string, { text: string; number: number | null; expiresAt: Date }>();
  readonly photos = new Map<string, PhotoRecord>();
  routingTable: RoutingRecord = { rules: [], slaHours: {} };

  create(
    r: Omit<
      ReportRecord,
      'escalations' | 'version' | 'createdAt' | 'updatedAt' | 'resolvedAt' | 'duplicateOf' | 'photoIds'
    >,
  ) {
    if (this.reports.has(r.number)) return Promise.resolve(null);
    const now = new Date();
    const record: ReportRecord = {
      ...r,
      escalations: 0,
      version: 0,
      createdAt: now,
      updatedAt: now,
      resolvedAt: null,
      duplicateOf: null,
      photoIds: [],
    };
    this.reports.set(r.number, record);
    return Promise.resolve(record);
  }
  findByNumber(n: number) {
    return Promise.resolve(this.reports.get(n) ?? null);
  }
  update(n: number, version: number, set: Partial<ReportRecord>, entry?: ReportHistoryRecord) {
    const r = this.reports.get(n);
    if (!r || r.version !== version) return Promise.resolve(null);
    const next = {
      ...r,
      ...set,
      version: version + 1,
      updatedAt: new Date(),
      history: entry ? [...r.history, entry] : r.history,
    };
    this.reports.set(n, next);
    return Promise.resolve(next);
  }
  addPhoto(
    n: number,
    photo: Omit<PhotoRecord, 'id' | 'reportNumber'>,
    id = `p${this.photos.size + 1}`.padEnd(24, '0'),
  ) {
    this.photos.set(id, { id, reportNumber: n, ...photo });
    const r = this.reports.get(n)!;
    if (!r.photoIds.includes(id)) r.photoIds.push(id);
    return Promise.resolve({ id, reportNumber: n, ...photo });
  }
  findPhoto(id: string) {
    return Promise.resolve(this.photos.get(id) ?? null);
  }
  page(q: ListQuery) {
    const items = [...this.reports.values()]
      .map(summaryOf)
      .filter(
        (s) =>
          (q.before === undefined || s.number < q.before) &&
          (!q.communities || q.communities.includes(s.communityId)) &&
          (!q.states || q.states.includes(s.state)) &&
          (!q.party || s.party === q.party) &&
          (!q.serviceTypes || q.serviceTypes.includes(s.serviceType)) &&
          q.keep(s),
      )
      .sort((a, b) => b.number - a.number);
    const page = items.slice(0, q.limit);
    return Promise.resolve({
      items: page,
      nextCursor: items.length > q.limit ? String(page[page.length - 1]!.number) : null,
    });
  }
  repair() {
    return Promise.resolve(0);
  }
  migrate() {
    return Promise.resolve(0);
  }
  summaries(numbers: number[]) {
    return Promise.resolve(
      numbers.map((n) => summaryOf(this.reports.get(n)!)).sort((a, b) => b.number - a.number),
    );
  }
  numbersOf(residentId: string) {
    return Promise.resolve(
      [...this.reports.values()].filter((r) => r.reporterId === residentId).map((r) => r.number),
    );
  }
  setTimer(number: number, kind: 'sla' | 'followUp', dueAt: Date | null) {
    if (dueAt) this.timers.set(`${kind}:${number}`, { number, kind, dueAt });
    else this.timers.delete(`${kind}:${number}`);
    return Promise.resolve();
  }
  dueTimers(now: Date) {
    return Promise.resolve(
      [...this.timers].filter(([, t]) => t.dueAt <= now).map(([id, t]) => ({ id, ...t })),
    );
  }
  claimTimer(id: string, dueAt: Date) {
    const t = this.timers.get(id);
    if (!t || t.dueAt.getTime() !== dueAt.getTime()) return Promise.resolve(false);
    this.timers.delete(id);
    return Promise.resolve(true);
  }
  routing() {
    return Promise.resolve(this.routingTable);
  }
  setRouting(_c: string, routing: RoutingRecord) {
    this.routingTable = routing;
    return Promise.resolve();
  }
  setPending(id: string, v: { text?: string; number?: number }, expiresAt: Date) {
    this.pendings.set(id, { text: v.text ?? '', number: v.number ?? null, expiresAt });
    return Promise.resolve();
  }
  pending(id: string, now: Date) {
    const p = this.pendings.get(id);
    return Promise.resolve(p && p.expiresAt >= now ? { text: p.text, number: p.number } : null);
  }
  takePending(id: string) {
    return Promise.resolve(this.pendings.delete(id));
  }
  claimSource(key: string, number: number) {
    const p = this.pendings.get(`source:${key}`);
    if (p) return Promise.resolve(p.number!);
    this.pendings.set(`source:${key}`, { text: '', number, expiresAt: new Date(Date.now() + 86_400_000) });
    return Promise.resolve(number);
  }
  sourceNumber(key: string) {
    return Promise.resolve(this.pendings.get(`source:${key}`)?.number ?? null);
  }
  prunePending() {
    return Promise.resolve();
  }
  insertMany(records: ReportRecord[]) {
    for (const r of records) this.reports.set(r.number, r);
    return Promise.resolve();
  }
}

export const secretaryActor = (): Actor & { name: string } => ({
  id: 'cccccccccccccccccccccccc',
  name: '陈书记',
  communityId: COMMUNITY,
  householdScope: null,
  roles: [assignment('secretary', scopeId.community(COMMUNITY))],
});

export const residentActor = (id = 'dddddddddddddddddddddddd'): Actor & { name: string } => ({
  id,
  name: '王秀英',
  communityId: COMMUNITY,
  householdScope: scopeId.household(COMMUNITY, 'garden', '3', HOUSEHOLD),
  roles: [],
});

/** A ReportService over memory: the repository, outbox, audit and points are inspectable. */
export function reportServiceWithMemory(options: { now?: () => Date } = {}) {
  const repo = new MemoryReportRepository();
  const outbox: { key: string; text: string; mentions: string[] }[] = [];
  const audits: string[] = [];
  const awards: string[] = [];
  let counter = 0;
  const photos = new MemoryPhotoStorage();
  const service = new ReportService({
    reports: repo as unknown as ReportRepository,
    counters: { next: () => Promise.resolve(++counter) },
    outbox: {
      enqueue: (key, message) => {
        outbox.push({
          key,
          text: message.content.kind === 'text' ? message.content.text : '',
          mentions: message.mentions,
        });
        return Promise.resolve('inserted');
      },
    },
    households: {
      findById: (id) =>
        Promise.resolve(
          id === HOUSEHOLD
            ? {
                id,
                communityId: COMMUNITY,
                compound: 'garden',
                building: '3',
                unit: '2',
                room: '501',
                address: '3-2-501',
                scope: scopeId.household(COMMUNITY, 'garden', '3', HOUSEHOLD),
              }
            : null,
        ),
    },
    communities: {
      findTree: () =>
        Promise.resolve({
          id: COMMUNITY,
          code: 'c',
          name: 'c',
          compounds: [{ code: 'garden', name: '花园', buildings: [{ code: '5', name: '5栋', units: [] }] }],
        }),
    },
    residents: { findById: () => Promise.resolve(null) },
    audit: {
      record: (input) => {
        audits.push(input.action);
        return Promise.resolve();
      },
    },
    photos,
    points: {
      award: (input) => {
        awards.push(`${input.rule}:${input.idempotencyKey}`);
        return Promise.resolve({ status: 'credited', points: 5, serviceMinutes: 0 });
      },
    },
    now: options.now,
  });
  return { service, repo, outbox, audits, awards, photos };
}
