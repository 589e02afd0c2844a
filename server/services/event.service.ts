import type { TFunction } from 'i18next';
import { DEFAULT_LANGUAGE, translator, type Language } from '../../shared/i18n/index.js';
import type {
  AttendanceReport,
  AttendanceRow,
  CancelResult,
  CheckinFailure,
  CheckinQrView,
  CreateEventInput,
  EventList,
  EventView,
  SignupResult,
  UpdateEventInput,
} from '../../shared/schemas/event.js';
import { AppError } from '../errors.js';
import { forbiddenAction } from '../policy/authorize.js';
import { can, grantedScopes, type Actor } from '../policy/policy.js';
import { communityOf, covers, type ScopeId } from '../policy/scope.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type {
  ChatReach,
  CheckinRecord,
  EventRecord,
  EventRepository,
  SignupRecord,
} from '../repositories/event.repository.js';
import type { HouseholdRepository } from '../repositories/household.repository.js';
import type { NoticeRepository, NoticeTargetGroup } from '../repositories/notice.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { ResidentRepository } from '../repositories/resident.repository.js';
import { formatLocalTime } from '../scheduler/cron.js';
import type { AuditService } from './audit.service.js';
import { CHECKIN_PERIOD_MS, CheckinTokens } from './checkin-token.js';
import type { PointsAwarder } from './points-award.js';

export const eventNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'events.what.event' }, ['what']);
export const eventForbidden = () => forbiddenAction('event.manage');
export const eventNoGroups = () => new AppError(400, 'no_groups', 'notices.errors.noGroups');
const eventNoHousehold = () => new AppError(403, 'no_household', 'events.errors.noHousehold');
const eventOutOfScope = () => new AppError(403, 'out_of_scope', 'events.errors.outOfScope');
const eventCancelled = () => new AppError(409, 'event_cancelled', 'events.errors.cancelled');
const eventEnded = () => new AppError(409, 'event_ended', 'events.errors.ended');

/** Check-in opens this long before the start and closes this long after the end. */
export const CHECKIN_OPENS_BEFORE_MS = 30 * 60_000;
export const CHECKIN_CLOSES_AFTER_MS = 30 * 60_000;
/** Failed check-ins one resident may make per event in ATTEMPT_WINDOW_MS before being told to wait. */
const MAX_FAILED_ATTEMPTS = 10;
const ATTEMPT_WINDOW_MS = 10 * 60_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const REMINDER_KINDS = ['day', 'hour'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];
const REMINDER_LEAD_MS: Record<ReminderKind, number> = { day: DAY_MS, hour: HOUR_MS };

/** Outbox keys: each message once, even when a request or a reminder tick is retried. */
export const eventKeys = {
  announce: (eventId: string, groupId: string) => `event:${eventId}:announce:${groupId}`,
  promoted: (s: SignupRecord) => `event:${s.eventId}:promoted:${s.residentId}:${s.round}`,
  reminder: (kind: ReminderKind, s: SignupRecord) =>
    `event:${s.eventId}:remind-${kind}:${s.residentId}:${s.round}`,
  reminderClaim: (eventId: string, kind: ReminderKind) => `${eventId}:${kind}`,
};

export type CheckinOutcome =
  | { ok: true; event: EventRecord; points: number; serviceMinutes: number; pointsStatus: string | null }
  | { ok: false; event: EventRecord | null; reason: CheckinFailure };

export interface CheckinRequest {
  actor: Actor;
  /** The event as numbered in the actor's community; may be absent when a token names it. */
  number?: number;
  /** The scanned QR text or the token inside it. */
  token?: string;
  /** The six digits under the QR code. */
  code?: string;
  /** 'qr', 'code', or the group id for `#签到` in chat. */
  via: string;
}

export interface EventServiceDeps {
  events: EventRepository;
  /** Which groups an event is announced in: the notices' own group list, read only. */
  groups: Pick<NoticeRepository, 'groupsOfCommunity'>;
  residents: Pick<ResidentRepository, 'findById' | 'identitiesOf'>;
  households: Pick<HouseholdRepository, 'findByIds'>;
  outbox: Pick<OutboxRepository, 'enqueue'>;
  counters: Pick<CounterRepository, 'next'>;
  audit: Pick<AuditService, 'record'>;
  tokens: CheckinTokens;
  /** The points ledger; without it check-ins are recorded and credited later by nobody. */
  points?: PointsAwarder;
  /** PUBLIC_URL, or the server's own address, for links in announcements. */
  publicUrl: string;
  /** How times are written in chat. */
  timezone?: string;
  now?: () => Date;
}

/** Community events: creation and announcement, sign-up with a waitlist, reminders and QR check-in. */
export class EventService {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly deps: EventServiceDeps) {}

  /** The code signer, for tests and the organiser's page that need the current code. */
  get tokens(): CheckinTokens {
    return this.deps.tokens;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private get timezone(): string {
    return this.deps.timezone ?? 'Asia/Shanghai';
  }

  timeText(event: Pick<EventRecord, 'startsAt' | 'endsAt'>): string {
    const start = formatLocalTime(event.startsAt, this.timezone);
    const end = formatLocalTime(event.endsAt, this.timezone);
    return start.slice(0, 10) === end.slice(0, 10) ? `${start}-${end.slice(11)}` : `${start} - ${end}`;
  }

  // ---- staff: create, QR, attendance ----

  async create(
    actor: Actor,
    input: CreateEventInput,
    origin?: string,
    /** `announce: false` only for seeded demo data, so a fresh demo does not post to its groups. */
    options: { announce?: boolean } = {},
  ): Promise<{ event: EventRecord; groups: number }> {
    if (!can(actor, 'event.manage', { scope: input.scope })) throw eventForbidden();
    const startsAt = new Date(input.startsAt);
    const endsAt = new Date(input.endsAt);
    if (endsAt.getTime() <= this.now().getTime())
      throw new AppError(400, 'starts_in_past', 'events.errors.startsInPast');
    const communityId = communityOf(input.scope);
    const groups = await this.groupsIn(communityId, input.scope);
    const number = await this.deps.counters.next(`event:${communityId}`);
    const minutes = Math.round((endsAt.getTime() - startsAt.getTime()) / 60_000);
    const event = await this.deps.events.create({
      communityId,
      number,
      scopeId: input.scope,
      title: input.title,
      description: input.description,
      place: input.place,
      startsAt,
      endsAt,
      capacity: input.capacity,
      category: input.category,
      volunteer: input.volunteer,
      serviceMinutes: input.volunteer ? minutes : 0,
      groupIds: groups.map((g) => g.id),
      createdBy: actor.id ?? 'unknown',
    });
    await this.deps.audit.record({
      actor: { id: actor.id },
      action: 'event.create',
      target: { kind: 'event', id: event.id, label: `#${event.number} ${event.title}`, scope: event.scopeId },
      after: {
        title: event.title,
        capacity: event.capacity,
        startsAt: event.startsAt,
        groups: groups.length,
      },
    });
    if (options.announce !== false) await this.announce(event, groups, origin);
    return { event, groups: groups.length };
  }

  /**
   * Staff edit a published event: texts, times, capacity. More places go to the waitlist at once;
   * fewer than already taken are refused.
   */
  async update(actor: Actor, number: number, input: UpdateEventInput): Promise<EventRecord> {
    const event = await this.managed(actor, number);
    const startsAt = input.startsAt ? new Date(input.startsAt) : event.startsAt;
    const endsAt = input.endsAt ? new Date(input.endsAt) : event.endsAt;
    if (endsAt.getTime() <= startsAt.getTime())
      throw new AppError(400, 'validation_failed', 'errors.validation', {
        details: 'endsAt: must be after startsAt',
      });
    const minutes = Math.round((endsAt.getTime() - startsAt.getTime()) / 60_000);
    const change = {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.place !== undefined ? { place: input.place } : {}),
      startsAt,
      endsAt,
      serviceMinutes: event.volunteer ? minutes : 0,
    };
    const delta = input.capacity !== undefined ? input.capacity - event.capacity : 0;
    const updated = await this.deps.events.update(event.id, change, delta);
    if (!updated) throw new AppError(409, 'capacity_below_taken', 'events.errors.capacityBelowTaken');
    await this.deps.audit.record({
      actor: { id: actor.id },
      action: 'event.update',
      target: {
        kind: 'event',
        id: event.id,
        label: `#${event.number} ${updated.title}`,
        scope: event.scopeId,
      },
      before: {
        title: event.title,
        place: event.place,
        startsAt: event.startsAt,
        endsAt: event.endsAt,
        capacity: event.capacity,
      },
      after: { title: updated.title, place: updated.place, startsAt, endsAt, capacity: updated.capacity },
    });
    if (delta > 0) await this.fillSeats(updated);
    return updated;
  }

  /** The organiser's rotating code: the QR payload (a check-in link), its six digits and an SVG. */
  async qr(actor: Actor, number: number, origin?: string): Promise<CheckinQrView> {
    const event = await this.managed(actor, number);
    const window = this.deps.tokens.currentWindow();
    const token = this.deps.tokens.token(event.id, window);
    const payload = `${this.base(origin)}/app/#/checkin?t=${token}`;
    const QRCode = (await import('qrcode')).default;
    const svg = await QRCode.toString(payload, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return {
      payload,
      code: this.deps.tokens.code(event.id, window),
      svg,
      expiresAt: this.deps.tokens.windowEnd(window).toISOString(),
      periodSeconds: CHECKIN_PERIOD_MS / 1000,
    };
  }

  async attendance(actor: Actor, number: number): Promise<AttendanceReport> {
    const event = await this.managed(actor, number);
    const [signups, checkins] = await Promise.all([
      this.deps.events.listSignups(event.id),
      this.deps.events.listCheckins(event.id),
    ]);
    const checkinOf = new Map(checkins.map((c) => [c.residentId, c]));
    const ids = [...new Set([...signups.map((s) => s.residentId), ...checkins.map((c) => c.residentId)])];
    const residents = new Map(
      (await Promise.all(ids.map((id) => this.deps.residents.findById(id)))).flatMap((r) =>
        r ? [[r.id, r]] : [],
      ),
    );
    const households = new Map(
      (
        await this.deps.households.findByIds(
          [...residents.values()].flatMap((r) => (r.householdId ? [r.householdId] : [])),
        )
      ).map((h) => [h.id, h]),
    );
    const row = (
      residentId: string,
      signup: SignupRecord | null,
      checkin: CheckinRecord | null,
    ): AttendanceRow => {
      const resident = residents.get(residentId);
      return {
        residentId,
        name: resident?.name ?? '',
        address: resident?.householdId ? (households.get(resident.householdId)?.address ?? null) : null,
        status: signup?.status ?? 'walkIn',
        signedUpAt: signup?.createdAt.toISOString() ?? null,
        checkedInAt: checkin?.createdAt.toISOString() ?? null,
        via: checkin?.via ?? null,
        points: checkin ? checkin.points : null,
        serviceMinutes: checkin ? checkin.serviceMinutes : null,
        pointsStatus: checkin ? (checkin.pointsStatus ?? 'pending') : null,
      };
    };
    const rows = signups.map((s) => row(s.residentId, s, checkinOf.get(s.residentId) ?? null));
    const signed = new Set(signups.map((s) => s.residentId));
    for (const c of checkins) if (!signed.has(c.residentId)) rows.push(row(c.residentId, null, c));
    return {
      event: this.present(event, signups, null, true),
      rows,
      totals: {
        confirmed: signups.filter((s) => s.status === 'confirmed').length,
        waitlisted: signups.filter((s) => s.status === 'waitlisted').length,
        checkedIn: checkins.length,
        points: checkins.reduce((sum, c) => sum + c.points, 0),
        serviceMinutes: checkins.reduce((sum, c) => sum + c.serviceMinutes, 0),
      },
    };
  }

  /** The attendance sheet as `.xlsx`, in the staff member's language. */
  async exportAttendance(
    actor: Actor,
    number: number,
    language: Language,
  ): Promise<{ body: Buffer; filename: string }> {
    const report = await this.attendance(actor, number);
    const t = translator(language);
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet(t('events.sheet.name'));
    const h = (key: string) => t(`events.sheet.headers.${key}`);
    sheet.columns = [
      { header: h('name'), key: 'name', width: 14 },
      { header: h('address'), key: 'address', width: 12 },
      { header: h('status'), key: 'status', width: 10 },
      { header: h('signedUpAt'), key: 'signedUpAt', width: 18 },
      { header: h('checkedInAt'), key: 'checkedInAt', width: 18 },
      { header: h('via'), key: 'via', width: 10 },
      { header: h('points'), key: 'points', width: 8 },
      { header: h('serviceMinutes'), key: 'serviceMinutes', width: 12 },
      { header: h('pointsStatus'), key: 'pointsStatus', width: 14 },
    ];
    sheet.getRow(1).font = { bold: true };
    const local = (iso: string | null) => (iso ? formatLocalTime(new Date(iso), this.timezone) : '');
    for (const r of report.rows) {
      sheet.addRow({
        name: r.name,
        address: r.address ?? '',
        status: t(`events.statuses.${r.status}`),
        signedUpAt: local(r.signedUpAt),
        checkedInAt: local(r.checkedInAt),
        via: r.via ? (r.via === 'qr' || r.via === 'code' ? r.via : 'chat') : '',
        points: r.points ?? '',
        serviceMinutes: r.serviceMinutes ?? '',
        pointsStatus: r.pointsStatus
          ? t(`events.sheet.pointsStatuses.${r.pointsStatus}`, { defaultValue: r.pointsStatus })
          : '',
      });
    }
    const body = Buffer.from(await workbook.xlsx.writeBuffer());
    return { body, filename: `${t('events.sheet.name')}-${report.event.number}-${report.event.title}.xlsx` };
  }

  // ---- residents: list, detail, sign-up, cancel ----

  async list(actor: Actor): Promise<EventList> {
    const events = (await this.deps.events.listByCommunity(actor.communityId)).filter((e) =>
      this.visible(actor, e),
    );
    const createScopes = grantedScopes(actor, 'event.manage').filter(
      (s) => communityOf(s) === actor.communityId,
    );
    return { items: await this.presentAll(actor, this.ordered(events)), createScopes };
  }

  /** The events the actor is signed up or waitlisted for (not cancelled ones). */
  async mine(actor: Actor): Promise<EventList> {
    if (!actor.id) return { items: [] };
    const own = (await this.deps.events.listSignupsOf(actor.id)).filter((s) => s.status !== 'cancelled');
    const events = (await Promise.all(own.map((s) => this.deps.events.findById(s.eventId)))).flatMap((e) =>
      e ? [e] : [],
    );
    return { items: await this.presentAll(actor, this.ordered(events)) };
  }

  /** Views of many events from three queries: their sign-ups, and the actor's check-ins. */
  private async presentAll(actor: Actor, events: EventRecord[]): Promise<EventView[]> {
    const [signups, checkins] = await Promise.all([
      this.deps.events.listSignupsFor(events.map((e) => e.id)),
      actor.id ? this.deps.events.listCheckinsOf(actor.id) : Promise.resolve([]),
    ]);
    const checkedIn = new Set(checkins.map((c) => c.eventId));
    return events.map((event) => {
      const of = signups.filter((s) => s.eventId === event.id);
      const own = actor.id ? (of.find((s) => s.residentId === actor.id) ?? null) : null;
      return this.present(event, of, own, this.manages(actor, event), checkedIn.has(event.id));
    });
  }

  async detail(actor: Actor, number: number): Promise<EventView> {
    const event = await this.find(actor, number);
    return this.view(actor, event);
  }

  async view(actor: Actor, event: EventRecord): Promise<EventView> {
    const signups = await this.deps.events.listSignups(event.id);
    const own = actor.id ? (signups.find((s) => s.residentId === actor.id) ?? null) : null;
    const checkedIn = actor.id ? Boolean(await this.deps.events.findCheckin(event.id, actor.id)) : false;
    return this.present(event, signups, own, this.manages(actor, event), checkedIn);
  }

  async findByNumber(actor: Actor, number: number): Promise<EventRecord> {
    return this.find(actor, number);
  }

  /**
   * Signs the actor up: a seat if one is left (taken by a conditional `$inc`), else a place on the
   * waitlist. A second call answers with the sign-up already there.
   */
  async signUp(
    actor: Actor,
    number: number,
    via: ChatReach | null = null,
  ): Promise<{ event: EventRecord; result: SignupResult }> {
    const event = await this.find(actor, number);
    this.assertMaySignUp(actor, event);
    const residentId = actor.id!;
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.deps.events.findSignup(event.id, residentId);
      if (existing && existing.status !== 'cancelled')
        return {
          event,
          result: { status: existing.status, position: await this.position(existing), duplicate: true },
        };
      const seated = await this.deps.events.takeSeat(event.id);
      const waitSeq = seated ? null : await this.deps.events.nextWaitSeq(event.id);
      const change = { status: seated ? ('confirmed' as const) : ('waitlisted' as const), waitSeq, via };
      const written = existing
        ? await this.deps.events.reactivateSignup(event.id, residentId, change)
        : (await this.deps.events.insertSignup({
            eventId: event.id,
            residentId,
            communityId: event.communityId,
            ...change,
          })) === 'inserted';
      if (written) {
        const signup = (await this.deps.events.findSignup(event.id, residentId))!;
        return {
          event,
          result: {
            status: signup.status as 'confirmed' | 'waitlisted',
            position: await this.position(signup),
            duplicate: false,
          },
        };
      }
      // A concurrent sign-up of the same resident won: give the seat back and read theirs.
      if (seated) await this.deps.events.releaseSeat(event.id);
    }
    throw new Error('sign-up kept colliding');
  }

  /** Cancels the actor's sign-up; a freed seat goes to the first on the waitlist, who is told. */
  async cancel(actor: Actor, number: number): Promise<{ event: EventRecord; result: CancelResult }> {
    const event = await this.find(actor, number);
    if (!actor.id) throw eventNoHousehold();
    const was = await this.deps.events.cancelSignup(event.id, actor.id);
    if (!was) return { event, result: { cancelled: false, promoted: false } };
    let promoted = false;
    if (was.status === 'confirmed') {
      await this.deps.events.releaseSeat(event.id);
      promoted = (await this.fillSeats(event)) > 0;
    }
    return { event, result: { cancelled: true, promoted } };
  }

  /**
   * Gives free seats to the waitlist in order. Each promotion takes a seat first (conditional `$inc`),
   * then moves one sign-up by a conditional update, so concurrent cancellations never promote one
   * resident twice nor fill more seats than exist. Returns how many were promoted.
   */
  async fillSeats(event: EventRecord): Promise<number> {
    let promoted = 0;
    for (;;) {
      const waiting = await this.deps.events.listSignups(event.id, 'waitlisted');
      if (waiting.length === 0) return promoted;
      if (!(await this.deps.events.takeSeat(event.id))) return promoted;
      let moved: SignupRecord | null = null;
      for (const candidate of waiting) {
        moved = await this.deps.events.promote(candidate.id);
        if (moved) break;
      }
      if (!moved) {
        await this.deps.events.releaseSeat(event.id);
        continue;
      }
      promoted++;
      await this.tell(event, moved, 'events.promoted', eventKeys.promoted(moved));
    }
  }

  // ---- check-in ----

  async checkin(input: CheckinRequest): Promise<CheckinOutcome> {
    const { actor } = input;
    const token = input.token ? extractToken(input.token) : null;
    let event: EventRecord | null = null;
    if (input.number !== undefined) event = await this.find(actor, input.number);
    else if (token) {
      const id = CheckinTokens.eventIdOf(token);
      const found = id ? await this.deps.events.findById(id) : null;
      event = found && found.communityId === actor.communityId ? found : null;
    }
    if (!event) {
      if (input.token && input.number === undefined) {
        await this.deps.events.logAttempt({
          eventId: '-',
          residentId: actor.id,
          via: input.via,
          outcome: 'forged',
        });
        return { ok: false, event: null, reason: 'forged' };
      }
      throw eventNotFound();
    }
    const fail = async (reason: CheckinFailure): Promise<CheckinOutcome> => {
      await this.deps.events.logAttempt({
        eventId: event.id,
        residentId: actor.id,
        via: input.via,
        outcome: reason,
      });
      if (reason === 'expired' || reason === 'forged') this.countFailure(event.id, actor.id);
      return { ok: false, event, reason };
    };
    if (!actor.id) return fail('notSignedUp');
    if (this.tooManyFailures(event.id, actor.id)) return fail('tooManyAttempts');
    const check = token
      ? this.deps.tokens.verifyToken(event.id, token)
      : input.code
        ? this.deps.tokens.verifyCode(event.id, input.code)
        : ({ ok: false, reason: 'forged' } as const);
    if (!check.ok) return fail(check.reason);
    const now = this.now().getTime();
    if (now < event.startsAt.getTime() - CHECKIN_OPENS_BEFORE_MS) return fail('notOpen');
    if (now > event.endsAt.getTime() + CHECKIN_CLOSES_AFTER_MS) return fail('closed');
    const signup = await this.deps.events.findSignup(event.id, actor.id);
    const earlier = await this.deps.events.findCheckin(event.id, actor.id);
    if (earlier) {
      // A crash after the check-in but before the ledger answered is healed by the next attempt.
      if (earlier.pointsStatus === null) await this.award(event, actor.id);
      return fail('reused');
    }
    if (signup?.status !== 'confirmed') return fail('notSignedUp');
    const outcome = await this.deps.events.insertCheckin({
      eventId: event.id,
      residentId: actor.id,
      communityId: event.communityId,
      via: input.via,
      window: check.window,
    });
    if (outcome === 'duplicate') return fail('reused');
    await this.deps.events.logAttempt({
      eventId: event.id,
      residentId: actor.id,
      via: input.via,
      outcome: 'ok',
    });
    const award = await this.award(event, actor.id);
    return { ok: true, event, ...award };
  }

  /** Credits the check-in once: the ledger's idempotency key makes a repeat a no-op. */
  private async award(
    event: EventRecord,
    residentId: string,
  ): Promise<{ points: number; serviceMinutes: number; pointsStatus: string | null }> {
    if (!this.deps.points) return { points: 0, serviceMinutes: 0, pointsStatus: null };
    const hours = Math.max(
      0.5,
      Math.round(((event.endsAt.getTime() - event.startsAt.getTime()) / HOUR_MS) * 2) / 2,
    );
    const result = await this.deps.points.award({
      communityId: event.communityId,
      residentId,
      rule: 'eventCheckin',
      idempotencyKey: `checkin:${event.id}:${residentId}`,
      hours,
      ...(event.volunteer ? { serviceMinutes: event.serviceMinutes } : {}),
      memo: event.title,
    });
    await this.deps.events.recordAward(event.id, residentId, result);
    return { points: result.points, serviceMinutes: result.serviceMinutes, pointsStatus: result.status };
  }

  // ---- reminders ----

  /**
   * Sends the day-before and hour-before reminders that are due at `now` to everyone signed up.
   * Each (event, kind) is claimed by a unique insert, so one process sends it; a failure releases the
   * claim and the outbox keys make the retry send nothing twice. Returns how many reminders were sent.
   */
  async sendDueReminders(now = this.now()): Promise<number> {
    const events = await this.deps.events.listStartingBetween(now, new Date(now.getTime() + DAY_MS));
    let sent = 0;
    for (const event of events) {
      const due = REMINDER_KINDS.filter(
        (kind) => event.startsAt.getTime() - REMINDER_LEAD_MS[kind] <= now.getTime(),
      );
      // Only the closest reminder when both are due (an event created less than an hour ahead).
      const kind = due.includes('hour') ? 'hour' : due[0];
      if (!kind) continue;
      const keys = REMINDER_KINDS.filter((k) => due.includes(k)).map((k) =>
        eventKeys.reminderClaim(event.id, k),
      );
      const claimed = await this.deps.events.claimedReminders(keys);
      if (claimed.has(eventKeys.reminderClaim(event.id, kind))) continue;
      const key = eventKeys.reminderClaim(event.id, kind);
      if (!(await this.deps.events.claimReminder(key, event.id, now))) continue;
      // A day reminder that was never sent is superseded by the hour one.
      if (kind === 'hour')
        await this.deps.events.claimReminder(eventKeys.reminderClaim(event.id, 'day'), event.id, now);
      try {
        for (const signup of await this.deps.events.listSignups(event.id, 'confirmed')) {
          await this.tell(
            event,
            signup,
            kind === 'day' ? 'events.remindDay' : 'events.remindHour',
            eventKeys.reminder(kind, signup),
          );
          sent++;
        }
      } catch (err) {
        await this.deps.events.releaseReminder(key);
        throw err;
      }
    }
    return sent;
  }

  // ---- helpers ----

  private async find(actor: Actor, number: number): Promise<EventRecord> {
    const event = await this.deps.events.findByNumber(actor.communityId, number);
    if (!event || !this.visible(actor, event)) throw eventNotFound();
    return event;
  }

  private async managed(actor: Actor, number: number): Promise<EventRecord> {
    const event = await this.deps.events.findByNumber(actor.communityId, number);
    if (!event) throw eventNotFound();
    if (!this.manages(actor, event)) throw eventForbidden();
    return event;
  }

  private manages(actor: Actor, event: EventRecord): boolean {
    return can(actor, 'event.manage', { scope: event.scopeId });
  }

  /** Residents see their community's events open to them; organisers see the ones they manage. */
  private visible(actor: Actor, event: EventRecord): boolean {
    if (event.communityId !== actor.communityId) return false;
    return this.manages(actor, event) || this.opensTo(actor, event.scopeId);
  }

  private opensTo(actor: Actor, scope: ScopeId): boolean {
    if (scope === communityOf(scope)) return true;
    return actor.householdScope !== null && covers(scope, actor.householdScope);
  }

  private assertMaySignUp(actor: Actor, event: EventRecord): void {
    if (!actor.id) throw eventNoHousehold();
    if (!this.opensTo(actor, event.scopeId))
      throw actor.householdScope ? eventOutOfScope() : eventNoHousehold();
    if (event.status === 'cancelled') throw eventCancelled();
    if (event.endsAt.getTime() <= this.now().getTime()) throw eventEnded();
  }

  private async position(signup: SignupRecord): Promise<number | null> {
    if (signup.status !== 'waitlisted') return null;
    const waiting = await this.deps.events.listSignups(signup.eventId, 'waitlisted');
    return waiting.findIndex((s) => s.id === signup.id) + 1 || null;
  }

  /** Upcoming first (soonest at the top), then past ones (latest first). */
  private ordered(events: EventRecord[]): EventRecord[] {
    const now = this.now().getTime();
    const upcoming = events
      .filter((e) => e.endsAt.getTime() >= now)
      .sort((a, b) => +a.startsAt - +b.startsAt);
    const past = events.filter((e) => e.endsAt.getTime() < now).sort((a, b) => +b.startsAt - +a.startsAt);
    return [...upcoming, ...past];
  }

  private present(
    event: EventRecord,
    signups: SignupRecord[],
    own: SignupRecord | null,
    canManage: boolean,
    checkedIn = false,
  ): EventView {
    const waiting = signups.filter((s) => s.status === 'waitlisted');
    return {
      id: event.id,
      number: event.number,
      title: event.title,
      description: event.description,
      place: event.place,
      startsAt: event.startsAt.toISOString(),
      endsAt: event.endsAt.toISOString(),
      capacity: event.capacity,
      confirmed: signups.filter((s) => s.status === 'confirmed').length,
      waitlisted: waiting.length,
      category: event.category,
      scope: event.scopeId,
      volunteer: event.volunteer,
      serviceMinutes: event.serviceMinutes,
      status: event.status,
      mine: own
        ? {
            status: own.status,
            position:
              own.status === 'waitlisted' ? waiting.findIndex((s) => s.id === own.id) + 1 || null : null,
            checkedIn,
          }
        : null,
      canManage,
    };
  }

  private base(origin?: string): string {
    return (origin ?? this.deps.publicUrl).replace(/\/$/, '');
  }

  private async groupsIn(communityId: string, scope: ScopeId): Promise<NoticeTargetGroup[]> {
    return (await this.deps.groups.groupsOfCommunity(communityId)).filter((g) => covers(scope, g.scopeId));
  }

  private async announce(event: EventRecord, groups: NoticeTargetGroup[], origin?: string): Promise<void> {
    const link = `${this.base(origin)}/app/#/events/${event.number}`;
    for (const group of groups) {
      const t = translator(group.language);
      await this.deps.outbox.enqueue(
        eventKeys.announce(event.id, group.id),
        {
          channel: group.channel,
          accountId: group.accountId,
          groupId: group.platformGroupId,
          content: {
            kind: 'text',
            text: t('events.announce', { ...this.facts(event), capacity: event.capacity, link }),
          },
          mentions: [],
          replyTo: null,
        },
        { mayBeRetry: true },
      );
    }
  }

  facts(event: EventRecord) {
    return { number: event.number, title: event.title, time: this.timeText(event), place: event.place };
  }

  /**
   * Tells one resident something about an event: in the group where they signed up, else in a group
   * of the community on a platform they are known on (mentioning them), else nothing can reach them.
   */
  private async tell(
    event: EventRecord,
    signup: SignupRecord,
    messageKey: string,
    key: string,
  ): Promise<boolean> {
    const groups = await this.deps.groups.groupsOfCommunity(event.communityId);
    let reach: { group: NoticeTargetGroup; platformId: string } | null = null;
    if (signup.via) {
      const group = groups.find(
        (g) => g.channel === signup.via!.channel && g.platformGroupId === signup.via!.groupId,
      );
      if (group) reach = { group, platformId: signup.via.platformId };
    }
    if (!reach) {
      const resident = await this.deps.residents.findById(signup.residentId);
      const identities = await this.deps.residents.identitiesOf(signup.residentId);
      const home = resident?.householdScope ?? null;
      // The group closest to their home, in the community's default language when several are as close.
      const ranked = groups
        .filter((g) => home === null || covers(g.scopeId, home))
        .sort(
          (a, b) =>
            b.scopeId.length - a.scopeId.length ||
            Number(b.language === DEFAULT_LANGUAGE) - Number(a.language === DEFAULT_LANGUAGE),
        );
      for (const identity of identities) {
        const group = ranked.find((g) => g.channel === identity.channel);
        if (group) {
          reach = { group, platformId: identity.platformId };
          break;
        }
      }
    }
    if (!reach) return false;
    const t: TFunction = translator(reach.group.language);
    await this.deps.outbox.enqueue(
      key,
      {
        channel: reach.group.channel,
        accountId: reach.group.accountId,
        groupId: reach.group.platformGroupId,
        content: { kind: 'text', text: t(messageKey, this.facts(event)) },
        mentions: [reach.platformId],
        replyTo: null,
      },
      { mayBeRetry: true },
    );
    return true;
  }

  private countFailure(eventId: string, residentId: string | null): void {
    if (!residentId) return;
    const key = `${eventId}:${residentId}`;
    const now = this.now().getTime();
    const entry = this.failures.get(key);
    if (!entry || now - entry.since > ATTEMPT_WINDOW_MS) this.failures.set(key, { count: 1, since: now });
    else entry.count++;
    if (this.failures.size > 10_000) this.failures.clear();
  }

  private tooManyFailures(eventId: string, residentId: string): boolean {
    const entry = this.failures.get(`${eventId}:${residentId}`);
    return Boolean(
      entry && this.now().getTime() - entry.since <= ATTEMPT_WINDOW_MS && entry.count >= MAX_FAILED_ATTEMPTS,
    );
  }
}

/** The token inside whatever was scanned: the check-in link (`…#/checkin?t=<token>`) or the bare token. */
export function extractToken(scanned: string): string | null {
  return /([0-9a-f]{24}\.\d{1,12}\.[A-Za-z0-9_-]{16,64})/.exec(scanned)?.[1] ?? null;
}
