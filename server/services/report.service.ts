import { createHash, randomBytes } from 'node:crypto';
import type { Category } from '../../shared/categories.js';
import { translator, type Language } from '../../shared/i18n/index.js';
import { en } from '../../shared/i18n/locales/en.js';
import { zhCN } from '../../shared/i18n/locales/zh-CN.js';
import { zhTW } from '../../shared/i18n/locales/zh-TW.js';
import {
  CLOSED_STATES,
  MAX_REPORT_DESCRIPTION,
  OPEN_STATES,
  PARTIES,
  SERVICE_TYPES,
  STATES_NEEDING_REASON,
  reportNumber,
  type Party,
  type PartyList,
  type ReportAssignInput,
  type ReportDetailView,
  type ReportList,
  type ReportListQuery,
  type ReportState,
  type ReportStats,
  type ReportTransitionInput,
  type RoutingTable,
  type ServiceType,
} from '../../shared/schemas/report.js';
import { AppError } from '../errors.js';
import { assertCan, forbiddenAction } from '../policy/authorize.js';
import { can, grantedScopes, type Actor } from '../policy/policy.js';
import { communityOf, covers, scopeId, type ScopeId } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { HouseholdRepository } from '../repositories/household.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import {
  type ReportContact,
  type ReportHistoryRecord,
  type ReportOrigin,
  type ReportRecord,
  type ReportRepository,
  type ReportSummary,
} from '../repositories/report.repository.js';
import type { ResidentRepository } from '../repositories/resident.repository.js';
import { checkPhoto } from '../storage/photo-storage.js';
import type { PhotoStorage } from '../storage/photo-storage.js';
import type { AuditService } from './audit.service.js';
import type { PointsAwarder } from './points-award.js';
import { presentDetail, presentSummary } from './report.presenter.js';

export const reportNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'reports.what.report' }, ['what']);
export const photoNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'reports.what.photo' }, ['what']);
export const reportNotYours = () => new AppError(403, 'not_yours', 'reports.errors.notYours');
export const reportOutOfScope = () => new AppError(403, 'out_of_scope', 'reports.errors.outOfScope');
export const reportTooLong = () =>
  new AppError(400, 'too_long', 'reports.errors.tooLong', { max: MAX_REPORT_DESCRIPTION });
export const reportNoLocation = () => new AppError(400, 'no_location', 'reports.errors.noLocation');
export const reportConflict = () =>
  new AppError(409, 'conflict', 'errors.validation', { details: 'conflict' });
const badTransition = (from: ReportState, to: ReportState) =>
  new AppError(
    400,
    'bad_transition',
    'reports.errors.badTransition',
    { from: `reports.states.${from}`, to: `reports.states.${to}` },
    ['from', 'to'],
  );

/** Report numbers start here, so the first ticket reads R1001 and numbers stay four digits for long. */
export const FIRST_NUMBER = 1000;
export const DEFAULT_SLA_HOURS: Record<ServiceType, number> = {
  elevator: 4,
  lighting: 48,
  water: 8,
  noise: 24,
  sanitation: 24,
  security: 2,
  parking: 48,
  greenery: 72,
  other: 72,
};
/** How long after `#报事` photos from the same sender attach to it. */
export const ATTACH_WINDOW_MS = 2 * 60_000;
/** How long an "is this a report?" question waits for its yes. */
export const CONFIRM_WINDOW_MS = 10 * 60_000;
export const FOLLOW_UP_AFTER_MS = 7 * 86_400_000;
/**
 * List-chunk reads a staff page may make before it hands back a cursor (a few ms each on FerretDB). Only
 * filters no list is keyed by (overdue, a scope smaller than the community) can use them up; the page
 * then comes back short, with a cursor to go on.
 */
export const MAX_READS_PER_PAGE = 40;
const STATS_WEEKS = 26;

const CATEGORY_OF: Record<ServiceType, Category> = {
  elevator: 'buildings',
  lighting: 'buildings',
  water: 'services',
  noise: 'neighbourhood',
  sanitation: 'lowCarbon',
  security: 'governance',
  parking: 'transport',
  greenery: 'lowCarbon',
  other: 'services',
};

/** Who an overdue ticket goes to next. */
export const ESCALATION: Record<Party, Party> = {
  gridWorker: 'residentsCommittee',
  propertyCompany: 'residentsCommittee',
  ownersCommittee: 'residentsCommittee',
  residentsCommittee: 'secretary',
  secretary: 'secretary',
};

/** Staff moves; the reporter's own (confirm, reopen) are checked separately. */
const STAFF_MOVES: Record<ReportState, readonly ReportState[]> = {
  submitted: ['accepted', 'rejected', 'duplicate', 'not_responsible'],
  accepted: ['assigned', 'in_progress', 'resolved', 'rejected', 'duplicate', 'not_responsible'],
  assigned: ['in_progress', 'resolved', 'rejected', 'duplicate', 'not_responsible'],
  in_progress: ['resolved', 'not_responsible'],
  resolved: ['in_progress'],
  reopened: ['accepted', 'assigned', 'in_progress', 'resolved', 'rejected', 'not_responsible'],
  confirmed: [],
  rejected: [],
  duplicate: [],
  not_responsible: [],
};
const REPORTER_MOVES: Partial<Record<ReportState, readonly ReportState[]>> = {
  resolved: ['confirmed', 'reopened'],
};

const isClosed = (state: ReportState) => CLOSED_STATES.includes(state);
/** States whose SLA clock runs. */
const isTimed = (state: ReportState) => OPEN_STATES.includes(state);

const LOCALES = [zhCN, zhTW, en];
const KEYWORDS: { word: string; type: ServiceType }[] = LOCALES.flatMap((l) =>
  SERVICE_TYPES.flatMap((type) =>
    l.reports.keywords[type].map((word) => ({ word: word.toLowerCase(), type })),
  ),
)
  .filter((k) => k.word)
  // Specific types before the catch-all `other`, longer words first.
  .sort((a, b) => Number(a.type === 'other') - Number(b.type === 'other') || b.word.length - a.word.length);
const FAULT_WORDS = LOCALES.flatMap((l) => l.reports.faultWords.map((w) => w.toLowerCase()));
const YES_WORDS = new Set(LOCALES.flatMap((l) => l.reports.yesWords.map((w) => w.toLowerCase())));
const BUILDING_SUFFIXES = [...new Set(LOCALES.flatMap((l) => l.reports.buildingSuffixes))];

/** The service type a text names, or null when no keyword fits. */
export function classifyReport(text: string): ServiceType | null {
  const lower = text.toLowerCase();
  return KEYWORDS.find((k) => lower.includes(k.word))?.type ?? null;
}

/** Whether an @bot message reads like a report (something broken), rather than an opinion. */
export function readsLikeReport(text: string): boolean {
  const lower = text.toLowerCase();
  return FAULT_WORDS.some((w) => lower.includes(w));
}

export const isYes = (text: string) =>
  YES_WORDS.has(
    text
      .trim()
      .replace(/[\s\p{P}]/gu, '')
      .toLowerCase(),
  );

/** A building named in the text (`3栋`, `3號樓`, `building 3`), or null. */
export function buildingInText(text: string): string | null {
  for (const suffix of BUILDING_SUFFIXES) {
    const match = new RegExp(`(\\d{1,4})\\s*${suffix}`).exec(text);
    if (match) return match[1]!;
  }
  return /\bbuilding\s*(\d{1,4})\b/i.exec(text)?.[1] ?? null;
}

/** Parses `R1024`/`r1024`/`1024` into 1024; null when it is not a ticket number. */
export function parseReportNumber(text: string): number | null {
  const match = /^[Rr]?(\d{1,9})$/.exec(text.trim());
  return match ? Number(match[1]) : null;
}

export interface FileReportInput {
  communityId: string;
  /** The signed-in or chat resident; null for a guest or an Open311 client. */
  actor: (Actor & { name?: string }) | null;
  reporterName: string;
  description: string;
  serviceType?: ServiceType;
  address?: string;
  lat?: number;
  long?: number;
  origin?: ReportOrigin;
  /** The chat group's own place (a building group) and name: where a report is when nothing else says. */
  group?: { scope: ScopeId | null; name: string };
  contact?: ReportContact;
  mediaUrl?: string;
  /** The chat message that filed it: a retried message returns the same ticket. */
  sourceKey?: string;
}

export type ReportActor = Actor & { name?: string };

/** Filters a staff or Open311 list applies to summaries. */
export interface SummaryFilter {
  states?: readonly ReportState[];
  party?: Party;
  serviceTypes?: readonly ServiceType[];
  overdue?: boolean;
  from?: number;
  to?: number;
  scopes?: readonly ScopeId[];
  reporterId?: string;
}

export interface ScanResult {
  items: ReportSummary[];
  nextCursor: string | null;
}

/** Reports (报事): intake from chat, the mini-app and Open311, routing, lifecycle, SLA and follow-up. */
export class ReportService {
  constructor(
    private readonly deps: {
      reports: ReportRepository;
      counters: Pick<CounterRepository, 'next'>;
      outbox: Pick<OutboxRepository, 'enqueue'>;
      households: Pick<HouseholdRepository, 'findById'>;
      communities: Pick<CommunityRepository, 'findTree'>;
      residents: Pick<ResidentRepository, 'findById'>;
      audit: Pick<AuditService, 'record'>;
      photos: PhotoStorage;
      points?: PointsAwarder;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Files a report: checks text and place, routes it, starts its SLA clock. */
  async file(input: FileReportInput): Promise<{ report: ReportRecord; duplicate: boolean }> {
    const description = input.description.trim();
    if (Array.from(description).length > MAX_REPORT_DESCRIPTION) throw reportTooLong();
    if (!description) throw new AppError(400, 'empty', 'errors.validation', { details: 'description' });
    if (input.sourceKey) {
      const earlier = await this.deps.reports.sourceNumber(input.sourceKey);
      const found = earlier === null ? null : await this.deps.reports.findByNumber(earlier);
      if (found) return { report: found, duplicate: true };
    }
    const place = await this.locate(input, description);
    const serviceType = input.serviceType ?? classifyReport(description) ?? 'other';
    const routing = await this.deps.reports.routing(input.communityId);
    const party = routeParty(routing.rules, serviceType, place.scope);
    const now = this.now();
    const number = FIRST_NUMBER + (await this.deps.counters.next('report'));
    const dueAt = new Date(now.getTime() + slaHoursOf(routing.slaHours, serviceType) * 3_600_000);
    const report = await this.deps.reports.create({
      number,
      communityId: input.communityId,
      scopeId: place.scope,
      address: place.address,
      lat: input.lat ?? null,
      long: input.long ?? null,
      serviceType,
      category: CATEGORY_OF[serviceType],
      party,
      state: 'submitted',
      description,
      reporterId: input.actor?.id ?? null,
      reporterName: input.reporterName,
      contact: input.contact ?? null,
      origin: input.origin ?? null,
      mediaUrl: input.mediaUrl ?? null,
      history: [{ at: now, from: null, to: 'submitted', by: input.reporterName, note: '', party }],
      dueAt,
    });
    if (!report) throw reportConflict();
    await this.deps.reports.setTimer(number, 'sla', dueAt);
    if (input.sourceKey) await this.deps.reports.claimSource(input.sourceKey, number);
    return { report, duplicate: false };
  }

  /**
   * Demo data: tickets already some way along, stored in one bulk write each and without chat origin, so
   * seeding posts nothing to any group.
   */
  async seed(
    items: readonly {
      communityId: string;
      scope: ScopeId;
      address: string;
      serviceType: ServiceType;
      description: string;
      reporter: { id: string; name: string } | null;
      states: readonly ReportState[];
      party?: Party;
      hoursAgo: number;
    }[],
  ): Promise<void> {
    const now = this.now().getTime();
    const records: ReportRecord[] = [];
    for (const item of items) {
      const number = FIRST_NUMBER + (await this.deps.counters.next('report'));
      const createdAt = new Date(now - item.hoursAgo * 3_600_000);
      const party = item.party ?? 'secretary';
      const state = item.states[item.states.length - 1] ?? 'submitted';
      const history = item.states.map((to, i) => ({
        at: new Date(createdAt.getTime() + i * 3_600_000),
        from: i === 0 ? null : item.states[i - 1]!,
        to,
        by: i === 0 ? (item.reporter?.name ?? '') : '',
        note: '',
        party: i === 0 || to === 'assigned' ? party : null,
      }));
      records.push({
        number,
        communityId: item.communityId,
        scopeId: item.scope,
        address: item.address,
        lat: null,
        long: null,
        serviceType: item.serviceType,
        category: CATEGORY_OF[item.serviceType],
        party,
        escalations: 0,
        state,
        description: item.description,
        reporterId: item.reporter?.id ?? null,
        reporterName: item.reporter?.name ?? '',
        contact: null,
        origin: null,
        photoIds: [],
        mediaUrl: null,
        history,
        duplicateOf: null,
        dueAt: isTimed(state)
          ? new Date(createdAt.getTime() + DEFAULT_SLA_HOURS[item.serviceType] * 3_600_000)
          : null,
        resolvedAt: state === 'resolved' || state === 'confirmed' ? history[history.length - 1]!.at : null,
        version: item.states.length,
        createdAt,
        updatedAt: history[history.length - 1]!.at,
      });
    }
    await this.deps.reports.insertMany(records);
  }

  /** The place of a report: a building named in the text, the reporter's household, or a given address. */
  private async locate(
    input: FileReportInput,
    description: string,
  ): Promise<{ scope: ScopeId; address: string }> {
    const building = buildingInText(description);
    if (building) {
      const tree = await this.deps.communities.findTree(input.communityId);
      const compound = tree?.compounds.find((c) => c.buildings.some((b) => b.code === building));
      const name = compound?.buildings.find((b) => b.code === building)?.name;
      if (compound)
        return {
          scope: scopeId.building(input.communityId, compound.code, building),
          address: name || building,
        };
    }
    const householdScope = input.actor?.householdScope;
    if (householdScope && communityOf(householdScope) === input.communityId) {
      const householdId = householdScope.split('/')[3];
      const household = householdId ? await this.deps.households.findById(householdId) : null;
      if (household)
        return {
          scope: scopeId.building(input.communityId, household.compound, household.building),
          address: household.address,
        };
    }
    const groupScope = input.group?.scope;
    if (groupScope && groupScope !== input.communityId && communityOf(groupScope) === input.communityId)
      return { scope: groupScope, address: input.group!.name };
    const address = input.address?.trim();
    if (address || (input.lat !== undefined && input.long !== undefined))
      return {
        scope: scopeId.community(input.communityId),
        address: address || `${input.lat},${input.long}`,
      };
    throw reportNoLocation();
  }

  async findByNumber(number: number): Promise<ReportRecord | null> {
    return this.deps.reports.findByNumber(number);
  }

  /** Reads a report the actor may see: the reporter, or staff whose scope covers it. */
  private async readable(actor: ReportActor, number: number): Promise<ReportRecord> {
    const report = await this.deps.reports.findByNumber(number);
    if (!report) throw reportNotFound();
    if (report.reporterId !== null && report.reporterId === actor.id) return report;
    if (can(actor, 'report.manage', { scope: report.scopeId })) return report;
    throw grantedScopes(actor, 'report.manage').length ? reportOutOfScope() : reportNotYours();
  }

  async detail(actor: ReportActor, number: number): Promise<ReportDetailView> {
    return this.present(actor, await this.readable(actor, number));
  }

  private async present(actor: ReportActor, report: ReportRecord): Promise<ReportDetailView> {
    const staff = can(actor, 'report.manage', { scope: report.scopeId });
    const reporter =
      staff && report.reporterId ? await this.deps.residents.findById(report.reporterId) : null;
    return presentDetail(report, {
      viewerId: actor.id,
      staff,
      now: this.now(),
      reporterPhone: reporter?.phoneMasked ?? report.contact?.phone ?? null,
      allowedTransitions: this.allowedMoves(actor, report),
      duplicateOf: report.duplicateOf === null ? undefined : reportNumber(report.duplicateOf),
    });
  }

  private allowedMoves(actor: ReportActor, report: ReportRecord): ReportState[] {
    const moves = new Set<ReportState>();
    if (can(actor, 'report.manage', { scope: report.scopeId }))
      for (const s of STAFF_MOVES[report.state]) moves.add(s);
    if (report.reporterId !== null && report.reporterId === actor.id)
      for (const s of REPORTER_MOVES[report.state] ?? []) moves.add(s);
    return [...moves];
  }

  /** Moves a report to another state, with the rules of who may make which move. */
  async transition(
    actor: ReportActor,
    number: number,
    input: ReportTransitionInput,
  ): Promise<ReportDetailView> {
    const report = await this.readable(actor, number);
    const staff = can(actor, 'report.manage', { scope: report.scopeId });
    if (!staff && !(REPORTER_MOVES[report.state] ?? []).includes(input.to)) {
      if (report.reporterId !== actor.id) throw reportNotYours();
      throw badTransition(report.state, input.to);
    }
    if (!this.allowedMoves(actor, report).includes(input.to)) throw badTransition(report.state, input.to);
    const reason = input.reason ?? input.note;
    if (STATES_NEEDING_REASON.includes(input.to) && !reason)
      throw new AppError(400, 'reason_required', 'reports.errors.reasonRequired');
    let duplicateOf: number | null = null;
    if (input.to === 'duplicate') {
      duplicateOf = input.duplicateOf ? parseReportNumber(input.duplicateOf) : null;
      if (duplicateOf === null)
        throw new AppError(400, 'duplicate_of_required', 'reports.errors.duplicateOfRequired');
      if (duplicateOf === number)
        throw new AppError(400, 'duplicate_of_self', 'reports.errors.duplicateOfSelf');
      const original = await this.deps.reports.findByNumber(duplicateOf);
      if (!original || original.communityId !== report.communityId) throw reportNotFound();
    }
    const now = this.now();
    const routing = await this.deps.reports.routing(report.communityId);
    const dueAt = isTimed(input.to)
      ? new Date(now.getTime() + slaHoursOf(routing.slaHours, report.serviceType) * 3_600_000)
      : null;
    const note = (STATES_NEEDING_REASON.includes(input.to) ? reason : input.note) ?? '';
    const updated = await this.deps.reports.update(
      number,
      report.version,
      {
        state: input.to,
        dueAt,
        ...(input.to === 'resolved' ? { resolvedAt: now } : {}),
        ...(duplicateOf !== null ? { duplicateOf } : {}),
      },
      { at: now, from: report.state, to: input.to, by: await this.nameOf(actor), note, party: null },
    );
    if (!updated) throw reportConflict();
    await this.deps.reports.setTimer(number, 'sla', dueAt);
    await this.deps.reports.setTimer(
      number,
      'followUp',
      input.to === 'resolved' ? new Date(now.getTime() + FOLLOW_UP_AFTER_MS) : null,
    );
    if (staff)
      await this.deps.audit.record({
        actor: { id: actor.id, name: actor.name },
        action: 'report.transition',
        target: { kind: 'report', id: reportNumber(number), scope: report.scopeId },
        before: { state: report.state },
        after: { state: input.to, note },
      });
    if (input.to === 'accepted' && updated.reporterId) await this.awardAccepted(updated);
    await this.notifyGroup(updated, 'update', note);
    return this.present(actor, updated);
  }

  private async awardAccepted(report: ReportRecord): Promise<void> {
    if (!this.deps.points || !report.reporterId) return;
    // Points are a courtesy: a ledger hiccup must not undo the staff member's change.
    await this.deps.points
      .award({
        communityId: report.communityId,
        residentId: report.reporterId,
        rule: 'reportAccepted',
        idempotencyKey: `report:${report.number}`,
        memo: reportNumber(report.number),
      })
      .catch(() => undefined);
  }

  /** Hands a report to a party; an open report not yet assigned becomes `assigned`. */
  async assign(actor: ReportActor, number: number, input: ReportAssignInput): Promise<ReportDetailView> {
    const report = await this.readable(actor, number);
    if (!can(actor, 'report.manage', { scope: report.scopeId })) throw reportNotYours();
    if (isClosed(report.state)) throw badTransition(report.state, 'assigned');
    const to: ReportState = ['submitted', 'accepted', 'reopened'].includes(report.state)
      ? 'assigned'
      : report.state;
    const now = this.now();
    const t = translator(report.origin?.language ?? 'zh-CN');
    const partyName = t(`reports.parties.${input.party}`);
    const note = input.note || t('reports.history.assigned', { party: partyName });
    const routing = await this.deps.reports.routing(report.communityId);
    const dueAt = isTimed(to)
      ? new Date(now.getTime() + slaHoursOf(routing.slaHours, report.serviceType) * 3_600_000)
      : report.dueAt;
    const updated = await this.deps.reports.update(
      number,
      report.version,
      { party: input.party, state: to, dueAt },
      { at: now, from: report.state, to, by: await this.nameOf(actor), note, party: input.party },
    );
    if (!updated) throw reportConflict();
    await this.deps.reports.setTimer(number, 'sla', dueAt);
    await this.deps.audit.record({
      actor: { id: actor.id, name: actor.name },
      action: 'report.assign',
      target: { kind: 'report', id: reportNumber(number), scope: report.scopeId },
      before: { party: report.party },
      after: { party: input.party },
    });
    await this.notifyGroup(updated, 'update', note);
    return this.present(actor, updated);
  }

  /** A resident's own reports, or staff's within their scopes, newest first, one page. */
  async list(actor: ReportActor, query: ReportListQuery): Promise<ReportList> {
    const scopes = grantedScopes(actor, 'report.manage');
    const mine = query.mine === '1' || scopes.length === 0;
    const now = this.now().getTime();
    const filter: SummaryFilter = {
      states: query.state ? [query.state] : undefined,
      party: query.party,
      serviceTypes: query.serviceType ? [query.serviceType] : undefined,
      overdue: query.overdue === '1' ? true : undefined,
      ...(mine ? { reporterId: actor.id ?? '-' } : { scopes }),
    };
    const limit = query.limit ?? 50;
    const before = query.before ? Number(query.before) : undefined;
    const page = mine
      ? await this.scanMine(actor.id, filter, limit, before, now)
      : await this.scan(filter, { limit, before, now, maxReads: MAX_READS_PER_PAGE });
    return {
      items: page.items.map((s) => presentSummary(s, { viewerId: actor.id, now })),
      nextCursor: page.nextCursor,
    };
  }

  private async scanMine(
    residentId: string | null,
    filter: SummaryFilter,
    limit: number,
    before: number | undefined,
    now: number,
  ): Promise<ScanResult> {
    if (!residentId) return { items: [], nextCursor: null };
    const numbers = (await this.deps.reports.numbersOf(residentId)).filter(
      (n) => before === undefined || n < before,
    );
    const items = (await this.deps.reports.summaries(numbers)).filter((s) => matches(s, filter, now));
    const page = items.slice(0, limit);
    return {
      items: page,
      nextCursor: items.length > limit ? String(page[page.length - 1]!.number) : null,
    };
  }

  /**
   * One page of summaries matching `filter`, newest first, read from the lists that fit it (see
   * ReportRepository.page). With `maxReads` a page that would read more comes back short, with a cursor.
   */
  async scan(
    filter: SummaryFilter,
    options: { limit: number; before?: number; now: number; maxReads?: number },
  ): Promise<ScanResult> {
    return this.deps.reports.page({
      communities: filter.scopes ? [...new Set(filter.scopes.map(communityOf))] : null,
      // Overdue work is in one of the timed states: read those lists rather than all of them.
      states: filter.states ?? (filter.overdue ? OPEN_STATES : undefined),
      party: filter.party,
      serviceTypes: filter.serviceTypes,
      from: filter.from,
      to: filter.to,
      before: options.before,
      limit: options.limit,
      maxReads: options.maxReads,
      keep: (s) => matches(s, filter, options.now),
    });
  }

  /** Rows for the `.xlsx` export: the staff list's filters, up to `max` rows. */
  async exportRows(actor: ReportActor, query: ReportListQuery, max = 5000): Promise<ReportSummary[]> {
    const scopes = grantedScopes(actor, 'report.manage');
    if (scopes.length === 0) throw forbiddenAction('report.manage');
    const filter: SummaryFilter = {
      states: query.state ? [query.state] : undefined,
      party: query.party,
      serviceTypes: query.serviceType ? [query.serviceType] : undefined,
      overdue: query.overdue === '1' ? true : undefined,
      scopes,
    };
    const page = await this.scan(filter, { limit: max, now: this.now().getTime() });
    return page.items;
  }

  /** Reports by category and by ISO week over the last half year, within the actor's scopes. */
  async stats(actor: ReportActor): Promise<ReportStats> {
    const scopes = grantedScopes(actor, 'report.manage');
    if (scopes.length === 0) throw forbiddenAction('report.manage');
    const now = this.now().getTime();
    const from = now - STATS_WEEKS * 7 * 86_400_000;
    const byCategory = new Map<Category, number>();
    const byWeek = new Map<string, number>();
    let before: number | undefined;
    for (;;) {
      const page = await this.scan({ scopes, from }, { limit: 10_000, before, now });
      for (const s of page.items) {
        byCategory.set(s.category, (byCategory.get(s.category) ?? 0) + 1);
        const week = isoWeek(new Date(s.createdAt));
        byWeek.set(week, (byWeek.get(week) ?? 0) + 1);
      }
      if (!page.nextCursor) break;
      before = Number(page.nextCursor);
    }
    return {
      byCategory: [...byCategory].map(([category, count]) => ({ category, count })),
      byWeek: [...byWeek].sort(([a], [b]) => a.localeCompare(b)).map(([week, count]) => ({ week, count })),
    };
  }

  /** A photo's bytes for the reporter or staff in scope. */
  async photo(actor: ReportActor, photoId: string): Promise<{ bytes: Buffer; contentType: string }> {
    const photo = await this.deps.reports.findPhoto(photoId);
    if (!photo) throw photoNotFound();
    await this.readable(actor, photo.reportNumber);
    const bytes = await this.deps.photos.get(photo.key);
    if (!bytes) throw photoNotFound();
    return { bytes, contentType: photo.contentType };
  }

  /**
   * Checks and stores a photo for a report; a bad one throws and nothing is stored. With `sourceKey`
   * (the chat message and the image's place in it) a retried message stores it once.
   */
  async attachPhoto(number: number, bytes: Buffer, sourceKey?: string): Promise<string> {
    const contentType = checkPhoto(bytes);
    const report = await this.deps.reports.findByNumber(number);
    if (!report) throw reportNotFound();
    const id = sourceKey ? createHash('sha256').update(sourceKey).digest('hex').slice(0, 24) : undefined;
    const key = `${number}-${id ?? randomBytes(12).toString('hex')}`;
    await this.deps.photos.put(key, bytes);
    const photo = await this.deps.reports.addPhoto(number, { contentType, size: bytes.length, key }, id);
    return photo.id;
  }

  async routing(actor: ReportActor): Promise<RoutingTable> {
    assertCan(actor, 'report.route', { scope: actor.communityId });
    const routing = await this.deps.reports.routing(actor.communityId);
    return { rules: routing.rules, slaHours: { ...DEFAULT_SLA_HOURS, ...routing.slaHours } };
  }

  async setRouting(actor: ReportActor, table: RoutingTable): Promise<RoutingTable> {
    assertCan(actor, 'report.route', { scope: actor.communityId });
    if (table.rules.some((r) => communityOf(r.scope) !== actor.communityId))
      throw new AppError(400, 'routing_scope', 'reports.errors.routingScope');
    const before = await this.deps.reports.routing(actor.communityId);
    await this.deps.reports.setRouting(actor.communityId, {
      rules: table.rules,
      slaHours: table.slaHours ?? {},
    });
    await this.deps.audit.record({
      actor: { id: actor.id, name: actor.name },
      action: 'report.route',
      target: { kind: 'reportRouting', id: actor.communityId, scope: actor.communityId },
      before,
      after: table,
    });
    return this.routing(actor);
  }

  /** The routing table without an actor: demo seeding and setup scripts only. */
  async setRoutingUnchecked(communityId: string, routing: RoutingTable): Promise<void> {
    await this.deps.reports.setRouting(communityId, {
      rules: routing.rules,
      slaHours: routing.slaHours ?? {},
    });
  }

  parties(language: Language): PartyList {
    const t = translator(language);
    return { items: PARTIES.map((party) => ({ party, name: t(`reports.parties.${party}`) })) };
  }

  /** `#进度 R1024`: the state, the party and the last note, for someone in the report's community. */
  async statusText(communityId: string | null, number: number, language: Language): Promise<string> {
    const t = translator(language);
    const report = await this.deps.reports.findByNumber(number);
    if (!report) return t('reports.chat.noSuchTicket', { number: reportNumber(number) });
    if (communityId !== report.communityId) return t('reports.chat.notYours');
    const last = [...report.history].reverse().find((h) => h.note);
    return t('reports.chat.status', {
      number: reportNumber(number),
      state: t(`reports.states.${report.state}`),
      party: t(`reports.parties.${report.party}`),
      note: last ? t('reports.chat.lastNote', { note: last.note }) : '',
    });
  }

  // Chat state: the window for photos and the pending "is this a report?" question.
  async openAttachWindow(senderKey: string, number: number): Promise<void> {
    await this.deps.reports.setPending(
      `attach:${senderKey}`,
      { number },
      new Date(this.now().getTime() + ATTACH_WINDOW_MS),
    );
  }

  async attachTarget(senderKey: string): Promise<number | null> {
    return (await this.deps.reports.pending(`attach:${senderKey}`, this.now()))?.number ?? null;
  }

  async askToConfirm(senderKey: string, text: string): Promise<void> {
    await this.deps.reports.setPending(
      `confirm:${senderKey}`,
      { text },
      new Date(this.now().getTime() + CONFIRM_WINDOW_MS),
    );
  }

  /** The text waiting for a yes, taken so that only one yes files it. */
  async takeConfirmation(senderKey: string): Promise<string | null> {
    const pending = await this.deps.reports.pending(`confirm:${senderKey}`, this.now());
    if (!pending) return null;
    return (await this.deps.reports.takePending(`confirm:${senderKey}`)) ? pending.text : null;
  }

  /**
   * Fires due SLA and follow-up timers; each timer is claimed once across processes. Also finishes list
   * updates a dead process left half done, and moves tickets stored in the first layout.
   */
  async tick(now = this.now()): Promise<number> {
    await this.deps.reports.migrate();
    await this.deps.reports.repair(now.getTime());
    let fired = 0;
    for (const timer of await this.deps.reports.dueTimers(now)) {
      if (!(await this.deps.reports.claimTimer(timer.id, timer.dueAt))) continue;
      const report = await this.deps.reports.findByNumber(timer.number);
      if (!report) continue;
      if (timer.kind === 'sla' && isTimed(report.state)) {
        await this.escalate(report, now);
        fired++;
      }
      if (timer.kind === 'followUp' && report.state === 'resolved') {
        await this.notifyGroup(report, 'followUp', '');
        fired++;
      }
    }
    await this.deps.reports.prunePending(now);
    return fired;
  }

  private async escalate(report: ReportRecord, now: Date): Promise<void> {
    const party = ESCALATION[report.party];
    const routing = await this.deps.reports.routing(report.communityId);
    const dueAt = new Date(now.getTime() + slaHoursOf(routing.slaHours, report.serviceType) * 3_600_000);
    const t = translator(report.origin?.language ?? 'zh-CN');
    const note = t('reports.history.escalated', { party: t(`reports.parties.${party}`) });
    const updated = await this.deps.reports.update(
      report.number,
      report.version,
      { party, dueAt, escalations: report.escalations + 1 },
      { at: now, from: report.state, to: report.state, by: '', note, party },
    );
    if (!updated) return;
    await this.deps.reports.setTimer(report.number, 'sla', dueAt);
    await this.notifyGroup(updated, 'escalated', note);
  }

  /** One short message to the group the report came from, mentioning the reporter; once per version. */
  private async notifyGroup(
    report: ReportRecord,
    kind: 'update' | 'followUp' | 'escalated',
    note: string,
  ): Promise<void> {
    const origin = report.origin;
    if (!origin) return;
    const t = translator(origin.language);
    const number = reportNumber(report.number);
    const text =
      kind === 'followUp'
        ? t('reports.chat.followUp', { number })
        : kind === 'escalated'
          ? t('reports.chat.escalated', { number, party: t(`reports.parties.${report.party}`) })
          : t('reports.chat.update', {
              number,
              state: t(`reports.states.${report.state}`),
              note: note ? t('reports.chat.updateNote', { note }) : '',
            });
    await this.deps.outbox.enqueue(
      kind === 'followUp' ? `report:${report.number}:followup` : `report:${report.number}:v${report.version}`,
      {
        channel: origin.channel,
        accountId: origin.accountId,
        groupId: origin.groupId,
        content: { kind: 'text', text },
        mentions: [origin.senderId],
        replyTo: null,
      },
      { mayBeRetry: true },
    );
  }

  private async nameOf(actor: ReportActor): Promise<string> {
    if (actor.name) return actor.name;
    return actor.id ? ((await this.deps.residents.findById(actor.id))?.name ?? '') : '';
  }
}

/** The party for a service type in a scope: the most specific rule covering it, else the secretary. */
export function routeParty(
  rules: readonly { serviceType: ServiceType; scope: ScopeId; party: Party }[],
  serviceType: ServiceType,
  scope: ScopeId,
): Party {
  const fitting = rules
    .filter((r) => r.serviceType === serviceType && covers(r.scope, scope))
    .sort((a, b) => b.scope.length - a.scope.length);
  return fitting[0]?.party ?? 'secretary';
}

const slaHoursOf = (hours: Partial<Record<ServiceType, number>>, type: ServiceType) =>
  hours[type] ?? DEFAULT_SLA_HOURS[type];

export function isOverdue(s: Pick<ReportSummary, 'dueAt' | 'state'>, now: number): boolean {
  return s.dueAt !== null && s.dueAt < now && isTimed(s.state);
}

export function matches(s: ReportSummary, f: SummaryFilter, now: number): boolean {
  if (f.states && !f.states.includes(s.state)) return false;
  if (f.party && s.party !== f.party) return false;
  if (f.serviceTypes && !f.serviceTypes.includes(s.serviceType)) return false;
  if (f.overdue && !isOverdue(s, now)) return false;
  if (f.from !== undefined && s.createdAt < f.from) return false;
  if (f.to !== undefined && s.createdAt > f.to) return false;
  if (f.reporterId !== undefined && s.reporterId !== f.reporterId) return false;
  if (f.scopes && !f.scopes.some((scope) => covers(scope, s.scopeId))) return false;
  return true;
}

/** `2026-W47`: the ISO-8601 week of a date (UTC). */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export type { ReportHistoryRecord };
