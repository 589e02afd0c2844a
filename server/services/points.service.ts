import { randomUUID } from 'node:crypto';
import {
  POINTS_RULES,
  type AccountView,
  type Currency,
  type EntryView,
  type GrantableResidentView,
  type GrantInput,
  type GrantResult,
  type HistoryQuery,
  type HistoryView,
  type LeaderboardKind,
  type LeaderboardView,
  type ReconciliationView,
  type RuleSetting,
  type RulesView,
} from '../../shared/schemas/points.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Action } from '../policy/actions.js';
import { can, grantedScopes, type Actor } from '../policy/policy.js';
import type { HouseholdRepository } from '../repositories/household.repository.js';
import {
  accountIdOf,
  type LedgerAccountRecord,
  type LedgerEntryRecord,
  type LedgerRepository,
  type NewLedgerEntry,
  type ReconciliationRecord,
} from '../repositories/ledger.repository.js';
import type { ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import type { AuditService } from './audit.service.js';
import type { PointsAward, PointsAwarder, PointsAwardResult, PointsRuleKey } from './points-award.js';

/** 403 naming what the actor may not do, in their language. */
export const pointsForbidden = (action: Action) =>
  new AppError(403, 'forbidden', 'points.errors.forbidden', { action: `points.actions.${action}` }, [
    'action',
  ]);
export const pointsResidentNotFound = () => new AppError(404, 'not_found', 'points.errors.residentNotFound');
export const pointsEntryNotFound = () => new AppError(404, 'not_found', 'points.errors.entryNotFound');
export const insufficientPoints = () =>
  new AppError(409, 'insufficient_points', 'points.errors.insufficient');
/** A staff deduction larger than the balance: says what the balance is, so staff can correct it. */
export const belowFloor = (balance: number) =>
  new AppError(409, 'insufficient_points', 'points.errors.belowFloor', { balance });
export const notReversible = () => new AppError(409, 'not_reversible', 'points.errors.notReversible');

/** What a community gives until its staff change it. */
export const DEFAULT_RULES: readonly RuleSetting[] = [
  { rule: 'eventCheckin', points: 10, dayCap: 40, weekCap: null, yearCap: null, vanguard: true },
  { rule: 'reportAccepted', points: 5, dayCap: 15, weekCap: null, yearCap: null, vanguard: false },
  { rule: 'opinionAdopted', points: 10, dayCap: null, weekCap: 50, yearCap: null, vanguard: true },
  { rule: 'voteCast', points: 2, dayCap: 10, weekCap: null, yearCap: null, vanguard: true },
  { rule: 'noticeAck', points: 1, dayCap: 5, weekCap: null, yearCap: null, vanguard: false },
];

const CHINA_OFFSET_MS = 8 * 3_600_000;
/** A pending entry younger than this may still be in the hands of the request that wrote it. */
export const REPAIR_GRACE_MS = 30_000;
/**
 * Mark a process's applied entries (and prune the account's `applying` list) once it holds this many:
 * FerretDB rewrites each marked entry on its own, at a cost that grows with the ledger, so it is done
 * rarely; the nightly repair marks what is left.
 */
const PRUNE_AT = 256;
const BOARD_SIZE = 20;
/** At most this many residents answer one search of the grant form. */
const SEARCH_SIZE = 20;

/** Day, ISO week and year in China time: the periods caps count in. */
export function capPeriods(now: Date): { day: string; week: string; year: string } {
  const local = new Date(now.getTime() + CHINA_OFFSET_MS);
  const day = local.toISOString().slice(0, 10);
  const thursday = new Date(local);
  thursday.setUTCDate(local.getUTCDate() + 3 - ((local.getUTCDay() + 6) % 7));
  const weekYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 4)) / (7 * 86_400_000) + 3 / 7);
  return { day, week: `${weekYear}-W${String(week).padStart(2, '0')}`, year: day.slice(0, 4) };
}

/** The first instant of the China-time month `now` falls in. */
export function monthStart(now: Date): Date {
  const local = new Date(now.getTime() + CHINA_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - CHINA_OFFSET_MS);
}

/** `cid/compound/building/household` → `cid/compound/building`; null for anything shorter. */
export const buildingOf = (scope: string | null): string | null => {
  const parts = scope?.split('/') ?? [];
  return parts.length >= 3 ? parts.slice(0, 3).join('/') : null;
};

/** Other residents' names on a public board: family name only. */
export const maskName = (name: string) => `${[...name][0] ?? ''}**`;

const isPartyMember = (resident: { roles: readonly { role: string }[] }) =>
  resident.roles.some((r) => r.role === 'partyMember');

export type PostOutcome = 'applied' | 'duplicate' | 'insufficient';

export const presentEntry = (e: LedgerEntryRecord): EntryView => ({
  id: e.id,
  kind: e.kind,
  rule: e.rule,
  currency: e.currency,
  amount: e.amount,
  memo: e.memo,
  at: e.createdAt.toISOString(),
});

const presentReconciliation = (r: ReconciliationRecord): ReconciliationView => ({
  id: r.id,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  accounts: r.accounts,
  repaired: r.repaired,
  ok: r.ok,
  differences: r.differences,
});

export interface PostInput extends Omit<NewLedgerEntry, 'communityId' | 'residentId'> {
  resident: Pick<ResidentRecord, 'id' | 'communityId' | 'householdScope'>;
  /** Debits stop at this balance; 0 unless said otherwise. */
  floor?: number;
}

/**
 * The points ledger. Every change is an entry inserted first (its idempotency key is the claim), then
 * added to the account by one conditional update that records the entry's id there, then marked
 * applied; `repair` finishes whatever a crash left between those steps. No transactions anywhere.
 */
export class PointsService implements PointsAwarder {
  constructor(
    private readonly deps: {
      ledger: LedgerRepository;
      residents: Pick<ResidentRepository, 'findById' | 'searchByName' | 'listByHousehold'>;
      households: Pick<HouseholdRepository, 'findByIds' | 'findByAddress'>;
      audit: Pick<AuditService, 'record'>;
      log: Logger;
      now?: () => Date;
    },
  ) {}

  private now() {
    return this.deps.now?.() ?? new Date();
  }

  private assertMay(actor: Actor, action: Action, scope: string, residentId?: string) {
    if (!can(actor, action, { scope, ...(residentId ? { residentId } : {}) })) throw pointsForbidden(action);
  }

  // Posting entries.

  /**
   * Writes one entry and applies it once; a repeated key reports `duplicate` (`insufficient` if it was
   * refused) and changes nothing.
   */
  async post(input: PostInput): Promise<{ outcome: PostOutcome; entry: LedgerEntryRecord; balance: number }> {
    const { resident, floor = 0, ...rest } = input;
    let refused: { balance: number } | null = null;
    if (rest.amount < 0) {
      // Refuse a debit the balance cannot cover before touching the account; the update re-checks it.
      const account = await this.deps.ledger.findAccount(accountIdOf(resident.id, rest.currency));
      if ((account?.balance ?? 0) + rest.amount < floor) refused = { balance: account?.balance ?? 0 };
    }
    // Refused, the entry is written so already: its key is spent, and the insert itself tells a replay.
    const { entry, inserted } = await this.deps.ledger.insertEntry(
      { ...rest, communityId: resident.communityId, residentId: resident.id },
      refused ? 'rejected' : 'pending',
    );
    if (refused && inserted) return { outcome: 'insufficient', entry, balance: refused.balance };
    if (!inserted) {
      // A young pending entry belongs to a request still in flight; the repair pass settles old ones.
      if (entry.state === 'pending' && this.now().getTime() - entry.createdAt.getTime() > REPAIR_GRACE_MS)
        await this.settle(entry);
      const balance = (await this.balanceOf(entry.accountId)) ?? 0;
      // A retry of a refused debit gets the same answer.
      return { outcome: entry.state === 'rejected' ? 'insufficient' : 'duplicate', entry, balance };
    }
    const result = await this.deps.ledger.applyEntry(entry, resident.householdScope, floor);
    if (result.outcome === 'insufficient') {
      await this.deps.ledger.markEntry(entry.id, 'rejected');
      return { outcome: 'insufficient', entry, balance: result.balance };
    }
    await this.forget(entry.accountId, entry.id);
    return { outcome: 'applied', entry, balance: result.balance };
  }

  /**
   * Entries this process applied, per account, marked applied and pulled from `applying` in batches of
   * PRUNE_AT: marking one entry at a time costs more than the rest of a post on FerretDB. Until then the
   * entry is pending with its id in `applying`, which reconciliation and repair read as applied; a batch
   * lost to a crash is settled by the repair pass.
   */
  private readonly settled = new Map<string, string[]>();

  private async forget(accountId: string, entryId: string): Promise<void> {
    const ids = this.settled.get(accountId) ?? [];
    ids.push(entryId);
    if (ids.length < PRUNE_AT) {
      this.settled.set(accountId, ids);
      return;
    }
    this.settled.delete(accountId);
    await this.deps.ledger.settleApplied(accountId, ids);
  }

  /** Finishes a pending entry: marks it applied if its account has it, else applies it now. */
  private async settle(entry: LedgerEntryRecord): Promise<'applied' | 'rejected'> {
    const account = await this.deps.ledger.findAccount(entry.accountId);
    if (account?.applying.includes(entry.id)) {
      await this.deps.ledger.markEntry(entry.id, 'applied');
      return 'applied';
    }
    const resident = await this.deps.residents.findById(entry.residentId);
    const result = await this.deps.ledger.applyEntry(entry, resident?.householdScope ?? null);
    const state = result.outcome === 'insufficient' ? 'rejected' : 'applied';
    await this.deps.ledger.markEntry(entry.id, state);
    return state;
  }

  /** Settles entries a crash left pending; returns how many. Safe to run in several processes. */
  async repair(): Promise<number> {
    const pending = await this.deps.ledger.pendingEntries(new Date(this.now().getTime() - REPAIR_GRACE_MS));
    for (const entry of pending) await this.settle(entry);
    for (const account of await this.deps.ledger.findAccounts([...new Set(pending.map((e) => e.accountId))]))
      await this.deps.ledger.pruneApplying(account.id, account.applying);
    if (pending.length) this.deps.log.warn({ entries: pending.length }, 'ledger repaired pending entries');
    return pending.length;
  }

  private async balanceOf(accountId: string): Promise<number | null> {
    return (await this.deps.ledger.findAccount(accountId))?.balance ?? null;
  }

  // Earning.

  async rulesFor(communityId: string): Promise<RuleSetting[]> {
    const stored = await this.deps.ledger.rulesOf(communityId);
    return POINTS_RULES.map(
      (rule) => stored?.rules.find((r) => r.rule === rule) ?? DEFAULT_RULES.find((r) => r.rule === rule)!,
    );
  }

  /** The one entry point other features call: credit a rule's points (and service minutes) once. */
  async award(input: PointsAward): Promise<PointsAwardResult> {
    const rules = await this.rulesFor(input.communityId);
    const rule = rules.find((r) => r.rule === input.rule);
    const points = rule ? Math.max(0, Math.round(rule.points * Math.max(0, input.hours ?? 1))) : 0;
    const minutes = Math.max(0, Math.round(input.serviceMinutes ?? 0));
    if (points === 0 && minutes === 0) return { status: 'noRule', points: 0, serviceMinutes: 0 };
    const resident = await this.deps.residents.findById(input.residentId);
    if (!resident || resident.communityId !== input.communityId) throw pointsResidentNotFound();

    const entry = (currency: Currency, amount: number) => ({
      resident,
      key: input.idempotencyKey,
      currency,
      amount,
      kind: 'earn' as const,
      countsEarned: true,
      rule: input.rule,
      memo: input.memo ?? null,
      actorId: null,
      reversalOf: null,
    });

    let status: PointsAwardResult['status'] = 'credited';
    let credited = 0;
    if (points > 0) {
      const earlier = await this.deps.ledger.findEntry(`points:${input.idempotencyKey}`);
      if (earlier) {
        // Posting again settles what a crash may have left half done; the keys make it a no-op otherwise.
        await this.post(entry('points', earlier.amount));
        if (minutes > 0) await this.post(entry('serviceMinutes', minutes));
        return { status: 'duplicate', points: earlier.amount, serviceMinutes: 0 };
      }
      const claimed = await this.claimCaps(rule!, resident.id, points);
      if (claimed) {
        const posted = await this.post(entry('points', points));
        if (posted.outcome === 'duplicate') {
          await this.releaseCaps(claimed, points);
          return { status: 'duplicate', points: posted.entry.amount, serviceMinutes: 0 };
        }
        credited = points;
        if (rule!.vanguard && isPartyMember(resident)) await this.post(entry('vanguard', points));
      } else {
        // A racing replay of a credited key finds the cap taken by its twin: still a duplicate.
        const twin = await this.deps.ledger.findEntry(`points:${input.idempotencyKey}`);
        if (twin) return { status: 'duplicate', points: twin.amount, serviceMinutes: 0 };
        status = 'capped';
      }
    }
    let creditedMinutes = 0;
    if (minutes > 0) {
      const posted = await this.post(entry('serviceMinutes', minutes));
      if (posted.outcome === 'applied') creditedMinutes = minutes;
      else if (points === 0) return { status: 'duplicate', points: 0, serviceMinutes: 0 };
    }
    return { status, points: credited, serviceMinutes: creditedMinutes };
  }

  /** Takes `amount` under each of the rule's caps, all or none; the cap ids taken, or null. */
  private async claimCaps(rule: RuleSetting, residentId: string, amount: number): Promise<string[] | null> {
    const periods = capPeriods(this.now());
    const caps = [
      [rule.dayCap, periods.day],
      [rule.weekCap, periods.week],
      [rule.yearCap, periods.year],
    ] as const;
    const taken: string[] = [];
    for (const [cap, period] of caps) {
      if (cap === null) continue;
      const id = `cap:${rule.rule}:${residentId}:${period}`;
      if (!(await this.deps.ledger.claimCap(id, amount, cap))) {
        await this.releaseCaps(taken, amount);
        return null;
      }
      taken.push(id);
    }
    return taken;
  }

  private async releaseCaps(ids: readonly string[], amount: number) {
    for (const id of ids) await this.deps.ledger.releaseCap(id, amount);
  }

  // What residents see.

  async account(actor: Actor): Promise<AccountView> {
    const residentId = this.requireResident(actor);
    const accounts = await this.deps.ledger.findAccounts([
      accountIdOf(residentId, 'points'),
      accountIdOf(residentId, 'serviceMinutes'),
      accountIdOf(residentId, 'vanguard'),
    ]);
    const of = (c: Currency) => accounts.find((a) => a.currency === c);
    const month = await this.deps.ledger.entriesOf(accountIdOf(residentId, 'points'), {
      since: monthStart(this.now()),
    });
    const monthEarned = month
      .filter((e) => e.countsEarned && e.state !== 'rejected')
      .reduce((sum, e) => sum + e.amount, 0);
    return {
      points: of('points')?.balance ?? 0,
      serviceMinutes: of('serviceMinutes')?.balance ?? 0,
      vanguard: of('vanguard')?.balance ?? 0,
      monthEarned,
      buildingRank: await this.buildingRank(actor, of('points')),
      isPartyMember: isPartyMember(actor),
    };
  }

  private async buildingRank(actor: Actor, mine: LedgerAccountRecord | undefined): Promise<number | null> {
    const building = buildingOf(actor.householdScope);
    if (!building) return null;
    const earned = mine?.earned ?? 0;
    const others = await this.deps.ledger.accountsOf(actor.communityId, 'points');
    return (
      1 +
      others.filter((a) => a.residentId !== actor.id && buildingOf(a.scope) === building && a.earned > earned)
        .length
    );
  }

  async history(actor: Actor, query: HistoryQuery): Promise<HistoryView> {
    const residentId = this.requireResident(actor);
    const entries = await this.deps.ledger.entriesOf(accountIdOf(residentId, query.currency), {
      ...(query.before ? { before: new Date(query.before) } : {}),
      limit: query.limit + 1,
    });
    const visible = entries.filter((e) => e.state !== 'rejected');
    const page = visible.slice(0, query.limit);
    return {
      items: page.map(presentEntry),
      next: entries.length > query.limit ? (page.at(-1)?.createdAt.toISOString() ?? null) : null,
    };
  }

  async leaderboard(actor: Actor, by: LeaderboardKind, currency: Currency): Promise<LeaderboardView> {
    this.requireResident(actor);
    const accounts = await this.deps.ledger.accountsOf(actor.communityId, currency);
    const groupKey = (a: LedgerAccountRecord): string | null =>
      by === 'resident' ? a.residentId : by === 'household' ? a.scope : buildingOf(a.scope);
    const totals = new Map<string, number>();
    for (const a of accounts) {
      const key = groupKey(a);
      if (key) totals.set(key, (totals.get(key) ?? 0) + a.earned);
    }
    const mineKey =
      by === 'resident'
        ? actor.id
        : by === 'household'
          ? actor.householdScope
          : buildingOf(actor.householdScope);
    const top = [...totals.entries()]
      .filter(([, total]) => total > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, BOARD_SIZE);
    const labels = await this.boardLabels(
      by,
      top.map(([key]) => key),
      actor,
    );
    let rank = 0;
    let previous: number | null = null;
    const rows = top.map(([key, total], index) => {
      if (total !== previous) rank = index + 1;
      previous = total;
      return { rank, label: labels.get(key) ?? '—', total, mine: key === mineKey };
    });
    return { by, currency, rows };
  }

  private async boardLabels(by: LeaderboardKind, keys: string[], actor: Actor): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    if (by === 'building') {
      for (const key of keys) labels.set(key, key.split('/')[2] ?? key);
    } else if (by === 'household') {
      const households = await this.deps.households.findByIds(
        keys.map((k) => k.split('/')[3]!).filter(Boolean),
      );
      for (const h of households) labels.set(h.scope, h.address);
    } else {
      for (const key of keys) {
        const resident = await this.deps.residents.findById(key);
        if (resident) labels.set(key, key === actor.id ? resident.name : maskName(resident.name));
      }
    }
    return labels;
  }

  private requireResident(actor: Actor): string {
    if (!actor.id) throw pointsResidentNotFound();
    return actor.id;
  }

  // Staff.

  async rules(actor: Actor): Promise<RulesView> {
    this.assertMay(actor, 'points.manage', actor.communityId);
    const stored = await this.deps.ledger.rulesOf(actor.communityId);
    return {
      rules: await this.rulesFor(actor.communityId),
      updatedAt: stored?.updatedAt?.toISOString() ?? null,
    };
  }

  async saveRules(actor: Actor, rules: readonly RuleSetting[]): Promise<RulesView> {
    this.assertMay(actor, 'points.manage', actor.communityId);
    const before = await this.rulesFor(actor.communityId);
    const ordered = POINTS_RULES.map((rule) => rules.find((r) => r.rule === rule)!);
    const updatedAt = await this.deps.ledger.saveRules(actor.communityId, ordered, actor.id ?? 'unknown');
    await this.deps.audit.record({
      actor,
      action: 'points.rules',
      target: { kind: 'pointsRules', id: actor.communityId, scope: actor.communityId },
      before,
      after: ordered,
    });
    return { rules: ordered, updatedAt: updatedAt.toISOString() };
  }

  /** Residents the actor may grant to, found by part of the name or an exact address, with balances. */
  async grantable(actor: Actor, q: string): Promise<GrantableResidentView[]> {
    if (grantedScopes(actor, 'points.manage').length === 0) throw pointsForbidden('points.manage');
    const [byName, households] = await Promise.all([
      this.deps.residents.searchByName(actor.communityId, q, SEARCH_SIZE),
      this.deps.households.findByAddress(actor.communityId, q),
    ]);
    const byAddress = await Promise.all(households.map((h) => this.deps.residents.listByHousehold(h.id)));
    const unique = new Map([...byAddress.flat(), ...byName].map((r) => [r.id, r]));
    const found = [...unique.values()]
      .filter((r) =>
        can(actor, 'points.manage', { scope: r.householdScope ?? r.communityId, residentId: r.id }),
      )
      .slice(0, SEARCH_SIZE);
    const [homes, accounts] = await Promise.all([
      this.deps.households.findByIds([...new Set(found.flatMap((r) => r.householdId ?? []))]),
      this.deps.ledger.findAccounts(
        found.flatMap((r) => [accountIdOf(r.id, 'points'), accountIdOf(r.id, 'serviceMinutes')]),
      ),
    ]);
    const addressOf = new Map(homes.map((h) => [h.id, h.address]));
    const balanceOf = new Map(accounts.map((a) => [a.id, a.balance]));
    return found.map((r) => ({
      id: r.id,
      name: r.name,
      address: r.householdId ? (addressOf.get(r.householdId) ?? null) : null,
      phone: r.phoneMasked,
      points: balanceOf.get(accountIdOf(r.id, 'points')) ?? 0,
      serviceMinutes: balanceOf.get(accountIdOf(r.id, 'serviceMinutes')) ?? 0,
    }));
  }

  /** A staff grant (positive) or deduction (negative) with a reason; a deduction stops at zero. */
  async grant(actor: Actor, input: GrantInput): Promise<GrantResult> {
    const resident = await this.deps.residents.findById(input.residentId);
    if (!resident || resident.communityId !== actor.communityId) throw pointsResidentNotFound();
    this.assertMay(actor, 'points.manage', resident.householdScope ?? resident.communityId, resident.id);
    const kind = input.amount > 0 ? 'grant' : 'deduct';
    const posted = await this.post({
      resident,
      key: `${kind}:${input.requestId ?? randomUUID()}`,
      currency: input.currency,
      amount: input.amount,
      kind,
      countsEarned: true,
      rule: null,
      memo: input.reason,
      actorId: actor.id,
      reversalOf: null,
    });
    if (posted.outcome === 'insufficient') throw belowFloor(posted.balance);
    if (posted.outcome === 'applied')
      await this.deps.audit.record({
        actor,
        action: `points.${kind}`,
        target: {
          kind: 'resident',
          id: resident.id,
          label: resident.name,
          scope: resident.householdScope ?? resident.communityId,
        },
        after: {
          amount: input.amount,
          currency: input.currency,
          reason: input.reason,
          entry: posted.entry.id,
        },
      });
    return {
      entryId: posted.entry.id,
      status: posted.outcome === 'applied' ? 'applied' : 'duplicate',
      balance: posted.balance,
    };
  }

  /**
   * Undoes an applied entry with a reversal entry (the ledger is never edited). `key` names the
   * correction so it happens once; a reversal that would take the balance below zero is refused.
   */
  async reverse(
    entryId: string,
    options: { actorId: string | null; memo: string | null },
  ): Promise<{ outcome: PostOutcome; entry: LedgerEntryRecord }> {
    let original = await this.deps.ledger.findEntry(entryId);
    if (original?.state === 'pending') {
      await this.settle(original);
      original = await this.deps.ledger.findEntry(entryId);
    }
    if (!original) throw pointsEntryNotFound();
    if (original.state !== 'applied' || original.kind === 'reversal') throw notReversible();
    const resident = (await this.deps.residents.findById(original.residentId)) ?? {
      id: original.residentId,
      communityId: original.communityId,
      householdScope: null,
    };
    const posted = await this.post({
      resident,
      key: `reversal:${original.key}`,
      currency: original.currency,
      amount: -original.amount,
      kind: 'reversal',
      countsEarned: original.countsEarned,
      rule: original.rule,
      memo: options.memo,
      actorId: options.actorId,
      reversalOf: original.id,
    });
    return { outcome: posted.outcome, entry: posted.entry };
  }

  /** Staff correction of one entry, audited. */
  async correct(actor: Actor, entryId: string, reason: string): Promise<GrantResult> {
    const original = await this.deps.ledger.findEntry(entryId);
    if (!original || original.communityId !== actor.communityId) throw pointsEntryNotFound();
    this.assertMay(actor, 'points.manage', actor.communityId);
    const { outcome, entry } = await this.reverse(entryId, { actorId: actor.id, memo: reason });
    if (outcome === 'insufficient') throw insufficientPoints();
    if (outcome === 'applied')
      await this.deps.audit.record({
        actor,
        action: 'points.reverse',
        target: { kind: 'ledgerEntry', id: entryId, scope: actor.communityId },
        after: { reversal: entry.id, reason },
      });
    return {
      entryId: entry.id,
      status: outcome === 'applied' ? 'applied' : 'duplicate',
      balance: (await this.balanceOf(entry.accountId)) ?? 0,
    };
  }

  // Reconciliation.

  /**
   * Proves the entries sum to every balance. Claimed by `runId` (one process per night); repairs first,
   * then compares; an account that moved while it was checked is checked again, so only a real
   * difference is reported. Returns null when another process holds the run.
   */
  async reconcile(runId: string): Promise<ReconciliationRecord | null> {
    const startedAt = this.now();
    if (!(await this.deps.ledger.claimReconciliation(runId, startedAt))) return null;
    const repaired = await this.repair();
    const accounts = await this.deps.ledger.allAccounts();
    const sums = await this.deps.ledger.appliedSums();
    const differences: ReconciliationRecord['differences'] = [];
    for (const account of accounts) {
      const inFlight = await this.inFlightSum(account);
      if ((sums.get(account.id) ?? 0) + inFlight === account.balance) continue;
      const settled = await this.recheck(account.id);
      if (settled) differences.push({ accountId: account.id, currency: account.currency, ...settled });
    }
    const known = new Set(accounts.map((a) => a.id));
    for (const [accountId, sum] of sums) {
      if (!known.has(accountId) && sum !== 0)
        differences.push({
          accountId,
          currency: accountId.split(':')[1] as Currency,
          balance: 0,
          entries: sum,
        });
    }
    const result = { accounts: accounts.length, repaired, ok: differences.length === 0, differences };
    await this.deps.ledger.finishReconciliation(runId, result);
    if (differences.length)
      this.deps.log.error({ runId, differences }, 'ledger reconciliation found differences');
    else this.deps.log.info({ runId, accounts: accounts.length }, 'ledger reconciliation clean');
    return { id: runId, startedAt, finishedAt: this.now(), ...result };
  }

  /** Entries the account already holds (in `applying`) that are not yet marked applied. */
  private async inFlightSum(account: LedgerAccountRecord): Promise<number> {
    const entries = await this.deps.ledger.findEntries(account.applying);
    return entries.filter((e) => e.state !== 'applied').reduce((sum, e) => sum + e.amount, 0);
  }

  /** One account read before and after its sum; a difference only counts when nothing moved. */
  private async recheck(accountId: string): Promise<{ balance: number; entries: number } | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.deps.ledger.findAccount(accountId);
      if (!before) return null;
      const entries = (await this.deps.ledger.appliedSumOf(accountId)) + (await this.inFlightSum(before));
      const after = await this.deps.ledger.findAccount(accountId);
      if (after?.version !== before.version) continue;
      return entries === before.balance ? null : { balance: before.balance, entries };
    }
    return null;
  }

  async reconciliationReport(actor: Actor): Promise<{ runs: ReconciliationView[] }> {
    this.assertMay(actor, 'points.reconcile', actor.communityId);
    const runs = await this.deps.ledger.latestReconciliations();
    return { runs: await Promise.all(runs.map((run) => this.presentFor(actor.communityId, run))) };
  }

  async reconcileNow(actor: Actor): Promise<ReconciliationView> {
    this.assertMay(actor, 'points.reconcile', actor.communityId);
    const run = await this.reconcile(`manual:${this.now().toISOString()}:${randomUUID().slice(0, 8)}`);
    if (!run) throw new AppError(409, 'busy', 'points.errors.busy');
    return this.presentFor(actor.communityId, run);
  }

  /**
   * A run checks every community's accounts; an admin sees only the differences of their own, so no
   * other community's account ids (resident ids) leave the server. Differences are rare: one lookup each.
   */
  private async presentFor(communityId: string, run: ReconciliationRecord): Promise<ReconciliationView> {
    const view = presentReconciliation(run);
    const owners = await Promise.all(
      view.differences.map((d) => this.deps.residents.findById(d.accountId.split(':')[0]!)),
    );
    const differences = view.differences.filter((_, i) => owners[i]?.communityId === communityId);
    return { ...view, differences, ok: view.finishedAt !== null && differences.length === 0 };
  }
}

export type { PointsRuleKey };
