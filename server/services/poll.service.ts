import { createHmac, randomBytes } from 'node:crypto';
import { translator, type Language } from '../../shared/i18n/index.js';
import {
  pollPagePath,
  type Art278Result,
  type ClosePollResult,
  type CreatePoll,
  type IneligibleReason,
  type PollList,
  type PollReminderResult,
  type PollResults,
  type PollState,
  type PollView,
} from '../../shared/schemas/poll.js';
import { AppError } from '../errors.js';
import { assertCan, forbiddenAction } from '../policy/authorize.js';
import { can, grantedScopes, type Actor } from '../policy/policy.js';
import { covers, parseScope, scopeId, type ScopeId } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { HouseholdRecord, HouseholdRepository } from '../repositories/household.repository.js';
import type { NoticeRepository, NoticeTargetGroup } from '../repositories/notice.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { ElectorRecord, PollRecord, PollRepository, Tally } from '../repositories/poll.repository.js';
import type { ResidentRepository, RosterMember } from '../repositories/resident.repository.js';
import type { AuditService } from './audit.service.js';
import { art278Verdict, toHundredths } from './poll-art278.js';
import type { PointsAwarder } from './points-award.js';

export const pollNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'polls.what.poll' }, ['what']);
export const pollNoGroups = () => new AppError(400, 'no_groups', 'polls.errors.noGroups');
const pollBadScope = (details: string) =>
  new AppError(400, 'bad_scope', 'polls.errors.badRequest', { details });

/** Why a vote was refused; each has its own translated reply and changes nothing. */
export type VoteRejection =
  | { kind: 'notOpen' | 'closed' | 'anonymousInApp' }
  | { kind: 'badOption'; letters: string[] }
  | { kind: 'tooMany'; max: number }
  | { kind: 'ineligible'; reason: IneligibleReason };

export type VoteOutcome =
  | { kind: 'cast' | 'changed' | 'unchanged'; choices: string[] }
  | { kind: 'rejected'; rejection: VoteRejection };

const REJECTION_STATUS: Record<VoteRejection['kind'], number> = {
  notOpen: 409,
  closed: 409,
  anonymousInApp: 400,
  badOption: 400,
  tooMany: 400,
  ineligible: 403,
};

/** The message key and parameters that explain a rejection, shared by chat and HTTP. */
export function rejectionMessage(
  rejection: VoteRejection,
  poll: number,
  link: string,
): { key: string; params: Record<string, string | number> } {
  switch (rejection.kind) {
    case 'badOption':
      return {
        key: 'polls.errors.badOption',
        params: { number: poll, letters: rejection.letters.join('、') },
      };
    case 'tooMany':
      return { key: 'polls.errors.tooMany', params: { number: poll, max: rejection.max } };
    case 'ineligible':
      return { key: `polls.errors.${rejection.reason}`, params: { number: poll } };
    case 'anonymousInApp':
      return { key: 'polls.errors.anonymousInApp', params: { number: poll, link } };
    default:
      return { key: `polls.errors.${rejection.kind}`, params: { number: poll } };
  }
}

export const rejectionError = (rejection: VoteRejection, poll: number, link: string) => {
  const { key, params } = rejectionMessage(rejection, poll, link);
  const code = rejection.kind === 'ineligible' ? rejection.reason : rejection.kind;
  return new AppError(REJECTION_STATUS[rejection.kind], code, key, params);
};

export interface CreatePollCommand extends CreatePoll {
  actor: Actor;
  origin?: string;
  /** The chat message that asked for it: a retried message finds its poll instead of creating another. */
  sourceKey?: string;
}

/** Outbox keys: one per poll and group and purpose, so nothing is ever posted twice. */
const postKey = (pollId: string, groupId: string) => `poll:${pollId}:${groupId}`;
const resultsKey = (pollId: string, groupId: string) => `poll:${pollId}:results:${groupId}`;
const reminderKey = (reminderId: string, groupId: string) => `poll:${reminderId}:remind:${groupId}`;

const isOwner = (actor: Actor) =>
  actor.householdScope !== null &&
  actor.roles.some((r) => r.role === 'owner' && r.scopeId === actor.householdScope);
const isPartyMember = (actor: Actor) => actor.roles.some((r) => r.role === 'partyMember');
const householdOf = (scope: ScopeId | null) => (scope ? (parseScope(scope).householdId ?? null) : null);
const perHousehold = (poll: Pick<PollRecord, 'kind' | 'eligibility'>) =>
  poll.kind === 'ownersVote' || poll.eligibility === 'household';
const needsOwner = (poll: Pick<PollRecord, 'kind' | 'eligibility'>) =>
  poll.kind === 'ownersVote' || poll.eligibility === 'owners';

/** Rolls kept in memory per process (10,000 units is about a megabyte). */
const ROLLS_KEPT = 16;

const byCode = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Polls and owners' formal votes: roll fixed at creation, one ballot per unit, counters kept running. */
export class PollService {
  private readonly now: () => Date;
  private readonly rolls = new Map<string, Promise<Map<string, ElectorRecord>>>();

  constructor(
    private readonly deps: {
      polls: PollRepository;
      outbox: Pick<OutboxRepository, 'enqueue'>;
      counters: Pick<CounterRepository, 'next'>;
      households: Pick<HouseholdRepository, 'listByCommunity'>;
      residents: Pick<ResidentRepository, 'listRosterMembers' | 'identitiesOf'>;
      communities: Pick<CommunityRepository, 'findTree'>;
      notices: Pick<NoticeRepository, 'groupsOfCommunity'>;
      audit: Pick<AuditService, 'record'>;
      publicUrl: string;
      points?: PointsAwarder;
      now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  // ---- creating ---------------------------------------------------------------------------------------

  async create(input: CreatePollCommand): Promise<PollView> {
    const { actor } = input;
    const communityId = actor.communityId;
    if (grantedScopes(actor, 'poll.create').length === 0) throw forbiddenAction('poll.create');
    const allGroups = await this.deps.notices.groupsOfCommunity(communityId);
    const scopeIds = await this.scopeIdsOf(communityId, input.scope, allGroups);
    for (const scope of scopeIds) assertCan(actor, 'poll.create', { scope });
    const groups =
      input.scope.kind === 'groups'
        ? allGroups.filter((g) => input.scope.kind === 'groups' && input.scope.groupIds.includes(g.id))
        : allGroups.filter((g) => scopeIds.some((s) => covers(g.scopeId, s) || covers(s, g.scopeId)));
    if (groups.length === 0) throw pollNoGroups();
    const earlier = input.sourceKey ? await this.deps.polls.findBySourceKey(input.sourceKey) : null;
    if (earlier) {
      await this.postIfDue(earlier, input.origin);
      return this.present(earlier, actor);
    }
    const now = this.now();
    const opensAt = input.opensAt ?? now;
    const { electors, buildings } = await this.drawRoll(communityId, scopeIds, input);
    const number = await this.deps.counters.next(`poll:${communityId}`);
    const { poll } = await this.deps.polls.create({
      communityId,
      number,
      question: input.question,
      options: input.options.map((text, i) => ({ letter: String.fromCharCode(65 + i), text })),
      maxChoices: input.multi?.max ?? 1,
      anonymous: input.kind === 'ownersVote' ? false : input.anonymous,
      eligibility: input.kind === 'ownersVote' ? 'owners' : input.eligibility,
      kind: input.kind,
      matter: input.kind === 'ownersVote' ? (input.matter ?? 'ordinary') : null,
      scope: input.scope,
      scopeIds,
      groupIds: groups.map((g) => g.id),
      opensAt,
      closesAt: input.closesAt,
      resultsVisibility: input.resultsVisibility,
      electorate: {
        units: electors.length,
        area: electors.reduce((sum, e) => sum + e.area, 0),
        buildings,
      },
      ballotKey: input.anonymous && input.kind !== 'ownersVote' ? randomBytes(32).toString('base64') : null,
      createdBy: actor.id ?? 'unknown',
      ...(input.sourceKey ? { sourceKey: input.sourceKey } : {}),
    });
    await this.deps.polls.addElectors(poll.id, electors);
    await this.deps.audit.record({
      actor: { id: actor.id },
      action: 'poll.create',
      target: { kind: 'poll', id: poll.id, label: `#${poll.number}`, scope: scopeIds[0] ?? communityId },
      after: { question: poll.question, groups: groups.length, units: electors.length, kind: poll.kind },
    });
    await this.postIfDue(poll, input.origin);
    return this.present(poll, actor);
  }

  private async scopeIdsOf(
    communityId: string,
    scope: CreatePoll['scope'],
    groups: NoticeTargetGroup[],
  ): Promise<ScopeId[]> {
    if (scope.kind === 'community') return [scopeId.community(communityId)];
    if (scope.kind === 'groups') {
      const found = groups.filter((g) => scope.groupIds.includes(g.id));
      if (found.length !== new Set(scope.groupIds).size) throw pollBadScope('groupIds');
      return minimalScopes(found.map((g) => g.scopeId));
    }
    const tree = await this.deps.communities.findTree(communityId);
    const out: ScopeId[] = [];
    for (const code of scope.buildings) {
      const compounds = (tree?.compounds ?? []).filter((c) => c.buildings.some((b) => b.code === code));
      if (compounds.length === 0) throw pollBadScope(`building ${code}`);
      for (const c of compounds) out.push(scopeId.building(communityId, c.code, code));
    }
    return minimalScopes(out);
  }

  /** Who may vote, each unit with its building and weight: fixed now, so totals cannot drift later. */
  private async drawRoll(
    communityId: string,
    scopeIds: ScopeId[],
    poll: Pick<CreatePoll, 'kind' | 'eligibility'>,
  ): Promise<{ electors: ElectorRecord[]; buildings: PollRecord['electorate']['buildings'] }> {
    const households = (await this.deps.households.listByCommunity(communityId)).filter((h) =>
      scopeIds.some((s) => covers(s, h.scope)),
    );
    const byId = new Map(households.map((h) => [h.id, h]));
    const members = (await this.deps.residents.listRosterMembers(communityId)).filter((m) =>
      byId.has(m.householdId),
    );
    const buildingKeys = [...new Set(households.map((h) => `${h.compound}\u0000${h.building}`))].sort(byCode);
    const buildingIndex = new Map(buildingKeys.map((k, i) => [k, i]));
    const bOf = (h: HouseholdRecord) => buildingIndex.get(`${h.compound}\u0000${h.building}`)!;
    const electors: ElectorRecord[] = [];
    const isOwnerMember = (m: RosterMember) => m.relation === 'owner';
    if (poll.kind === 'ownersVote') {
      const area = new Map<string, number>();
      for (const m of members.filter(isOwnerMember))
        area.set(m.householdId, (area.get(m.householdId) ?? 0) + toHundredths(m.floorArea));
      for (const [hid, a] of area) electors.push({ unitId: hid, b: bOf(byId.get(hid)!), area: a });
    } else if (poll.eligibility === 'household') {
      for (const h of households) electors.push({ unitId: h.id, b: bOf(h), area: 0 });
    } else {
      const fits = (m: RosterMember) =>
        poll.eligibility === 'owners'
          ? isOwnerMember(m)
          : poll.eligibility === 'partyMembers'
            ? m.roles.some((r) => r.role === 'partyMember')
            : true;
      for (const m of members.filter(fits))
        electors.push({ unitId: m.id, b: bOf(byId.get(m.householdId)!), area: 0 });
    }
    const buildings = buildingKeys.map((k) => {
      const [compound, building] = k.split('\u0000') as [string, string];
      return { compound, building, units: 0, area: 0 };
    });
    for (const e of electors) {
      buildings[e.b]!.units += 1;
      buildings[e.b]!.area += e.area;
    }
    return { electors, buildings };
  }

  // ---- reading ----------------------------------------------------------------------------------------

  async list(actor: Actor, state?: PollState): Promise<PollList> {
    const polls = await this.deps.polls.listByCommunity(actor.communityId);
    const visible = polls.filter((p) => this.mayManage(actor, p) || this.inScope(actor, p));
    const items: PollView[] = [];
    for (const poll of visible) {
      if (state && this.stateOf(poll) !== state) continue;
      items.push(await this.present(poll, actor));
    }
    return { items };
  }

  async get(actor: Actor, number: number): Promise<PollView> {
    return this.present(await this.visiblePoll(actor, number), actor);
  }

  async findForChat(communityId: string, number: number | null, groupId: string | null) {
    if (number !== null) return this.deps.polls.findByNumber(communityId, number);
    return groupId ? this.deps.polls.latestOpenForGroup(groupId, this.now()) : null;
  }

  stateOf(poll: Pick<PollRecord, 'opensAt' | 'closesAt' | 'closedAt'>, now = this.now()): PollState {
    if (poll.closedAt || poll.closesAt <= now) return 'closed';
    return poll.opensAt > now ? 'upcoming' : 'open';
  }

  linkOf(poll: Pick<PollRecord, 'number'>, origin?: string): string {
    return `${(origin ?? this.deps.publicUrl).replace(/\/$/, '')}/app/${pollPagePath(poll.number)}`;
  }

  // ---- voting -----------------------------------------------------------------------------------------

  /** Why `actor` may not vote in `poll`, or their voting unit and its roll entry. */
  async eligibility(
    poll: PollRecord,
    actor: Actor | null,
  ): Promise<{ reason: IneligibleReason } | { unitId: string; elector: ElectorRecord }> {
    const householdId = householdOf(actor?.householdScope ?? null);
    if (!actor?.id || !householdId || actor.communityId !== poll.communityId) return { reason: 'unbound' };
    if (!poll.scopeIds.some((s) => covers(s, actor.householdScope!))) return { reason: 'outOfScope' };
    if (needsOwner(poll) && !isOwner(actor)) return { reason: 'notOwner' };
    if (poll.eligibility === 'partyMembers' && !isPartyMember(actor)) return { reason: 'notPartyMember' };
    const unitId = perHousehold(poll) ? householdId : actor.id;
    const elector = (await this.rollOf(poll.id)).get(unitId);
    return elector ? { unitId, elector } : { reason: 'notOnRoll' };
  }

  /** A poll's roll never changes once drawn, so each process reads it once and keeps a few. */
  private rollOf(pollId: string): Promise<Map<string, ElectorRecord>> {
    let roll = this.rolls.get(pollId);
    if (!roll) {
      roll = this.deps.polls.listElectors(pollId).then((list) => new Map(list.map((e) => [e.unitId, e])));
      roll.catch(() => this.rolls.delete(pollId));
      this.rolls.set(pollId, roll);
      if (this.rolls.size > ROLLS_KEPT) this.rolls.delete(this.rolls.keys().next().value!);
    }
    return roll;
  }

  /** Casts or replaces the unit's one ballot. Rejections change nothing. */
  async castVote(
    poll: PollRecord,
    actor: Actor | null,
    rawChoices: readonly string[],
    via: 'app' | 'chat',
  ): Promise<VoteOutcome> {
    const reject = (rejection: VoteRejection): VoteOutcome => ({ kind: 'rejected', rejection });
    const state = this.stateOf(poll);
    if (state === 'upcoming') return reject({ kind: 'notOpen' });
    if (state === 'closed') return reject({ kind: 'closed' });
    if (poll.anonymous && via === 'chat') return reject({ kind: 'anonymousInApp' });
    const choices = [...new Set(rawChoices.map((c) => c.toUpperCase()))].sort();
    const letters = new Set(poll.options.map((o) => o.letter));
    const unknown = choices.filter((c) => !letters.has(c));
    if (unknown.length > 0) return reject({ kind: 'badOption', letters: unknown });
    if (choices.length === 0) return reject({ kind: 'badOption', letters: [] });
    if (choices.length > poll.maxChoices) return reject({ kind: 'tooMany', max: poll.maxChoices });
    const who = await this.eligibility(poll, actor);
    if ('reason' in who) return reject({ kind: 'ineligible', reason: who.reason });
    const { unitId, elector } = who;
    const key = this.ballotKeyOf(poll, unitId);
    const named = poll.anonymous ? undefined : { unitId, residentId: actor!.id! };
    if (await this.deps.polls.insertVote({ pollId: poll.id, key, choices, area: elector.area, named })) {
      // Marker and counters follow the ballot; the count at closing is recomputed from ballots anyway.
      await this.deps.polls.mark(poll.id, unitId, elector.b, this.now());
      const inc: Tally = { units: 1, area: elector.area, [`b${elector.b}`]: 1 };
      for (const c of choices) addChoice(inc, c, 1, elector.area);
      await this.deps.polls.bump(poll.id, inc);
      await this.award(poll, actor!);
      return { kind: 'cast', choices };
    }
    // A replay of the same choices reads and stops; a change swaps atomically and moves the counters
    // by exactly what it replaced.
    const stored = await this.deps.polls.findVote(poll.id, key);
    if (stored && sameChoices(stored.choices, choices)) return { kind: 'unchanged', choices };
    const before = await this.deps.polls.swapVote(poll.id, key, choices, named?.residentId);
    if (!before) throw new AppError(500, 'vote_missing', 'errors.internal');
    if (sameChoices(before.choices, choices)) return { kind: 'unchanged', choices };
    const inc: Tally = {};
    for (const c of before.choices) addChoice(inc, c, -1, before.area);
    for (const c of choices) addChoice(inc, c, 1, before.area);
    await this.deps.polls.bump(poll.id, inc);
    return { kind: 'changed', choices };
  }

  /** `POST /api/polls/:number/votes`: a rejection becomes its status-bearing error. */
  async voteInApp(actor: Actor, number: number, choices: string[], origin?: string) {
    const poll = await this.visiblePoll(actor, number);
    const outcome = await this.castVote(poll, actor, choices, 'app');
    if (outcome.kind === 'rejected')
      throw rejectionError(outcome.rejection, poll.number, this.linkOf(poll, origin));
    return { vote: { poll: poll.number, choices: outcome.choices, outcome: outcome.kind } };
  }

  /** True the first time `who` is told about `poll`: ineligible and unbound senders hear why once. */
  tellOnce(poll: PollRecord, who: string): Promise<boolean> {
    return this.deps.polls.tellOnce(poll.id, who);
  }

  // ---- results ----------------------------------------------------------------------------------------

  async results(actor: Actor, number: number): Promise<PollResults> {
    const poll = await this.visiblePoll(actor, number);
    if (!this.maySeeResults(actor, poll))
      throw new AppError(403, 'results_hidden', 'polls.errors.resultsHidden');
    return this.resultsOf(poll);
  }

  async resultsOf(poll: PollRecord): Promise<PollResults> {
    const tally = poll.final ?? (await this.deps.polls.tally(poll.id));
    const groups = (await this.deps.notices.groupsOfCommunity(poll.communityId)).filter((g) =>
      poll.groupIds.includes(g.id),
    );
    const byBuilding = poll.electorate.buildings.map((b, i) => ({
      compound: b.compound,
      building: b.building,
      eligible: b.units,
      voted: tally[`b${i}`] ?? 0,
    }));
    const byGroup = groups.map((g) => {
      let eligible = 0;
      let voted = 0;
      poll.electorate.buildings.forEach((b, i) => {
        if (!covers(g.scopeId, scopeId.building(poll.communityId, b.compound, b.building))) return;
        eligible += b.units;
        voted += tally[`b${i}`] ?? 0;
      });
      return { id: g.id, name: g.name, channel: g.channel, eligible, voted };
    });
    const weighted = poll.kind === 'ownersVote';
    let art278: Art278Result | null = null;
    if (weighted)
      art278 = art278Verdict({
        matter: poll.matter ?? 'ordinary',
        totalArea: poll.electorate.area,
        totalOwners: poll.electorate.units,
        participatingArea: tally.area ?? 0,
        participatingOwners: tally.units ?? 0,
        forArea: tally.aA ?? 0,
        forOwners: tally.nA ?? 0,
      });
    return {
      poll: poll.number,
      state: this.stateOf(poll),
      basis: poll.final ? 'final' : 'live',
      turnout: { eligible: poll.electorate.units, voted: tally.units ?? 0 },
      byBuilding,
      byGroup,
      options: poll.options.map((o) => ({
        letter: o.letter,
        text: o.text,
        votes: tally[`n${o.letter}`] ?? 0,
        area: weighted ? (tally[`a${o.letter}`] ?? 0) : 0,
      })),
      art278,
    };
  }

  /** Staff export: the result, turnout per building, and who voted what unless the poll is anonymous. */
  async exportRows(actor: Actor, number: number) {
    const poll = await this.managedPoll(actor, number);
    const results = await this.resultsOf(poll);
    let ballots: { unit: string; choices: string }[] = [];
    if (!poll.anonymous) {
      const [votes, members, households] = await Promise.all([
        this.deps.polls.listNamedVotes(poll.id),
        this.deps.residents.listRosterMembers(poll.communityId),
        this.deps.households.listByCommunity(poll.communityId),
      ]);
      const names = new Map(members.map((m) => [m.id, m.name]));
      const addresses = new Map(households.map((h) => [h.id, h.address]));
      ballots = votes.map((v) => ({
        unit: perHousehold(poll)
          ? `${addresses.get(v.unitId) ?? v.unitId} (${names.get(v.residentId) ?? ''})`
          : (names.get(v.unitId) ?? v.unitId),
        choices: v.choices.join(','),
      }));
    }
    await this.deps.audit.record({
      actor: { id: actor.id },
      action: 'poll.export',
      target: {
        kind: 'poll',
        id: poll.id,
        label: `#${poll.number}`,
        scope: poll.scopeIds[0] ?? poll.communityId,
      },
    });
    return { poll, results, ballots };
  }

  // ---- closing, posting, reminding ---------------------------------------------------------------------

  async close(actor: Actor, number: number, origin?: string): Promise<ClosePollResult> {
    const poll = await this.managedPoll(actor, number);
    const first = await this.settle(poll, origin);
    if (first)
      await this.deps.audit.record({
        actor: { id: actor.id },
        action: 'poll.close',
        target: {
          kind: 'poll',
          id: poll.id,
          label: `#${poll.number}`,
          scope: poll.scopeIds[0] ?? poll.communityId,
        },
      });
    return { closed: true, duplicate: !first };
  }

  /**
   * Closes (claim-once), recounts from the ballots, forgets the anonymous key, posts results to every
   * group. Safe to call again after a crash at any step: each step is conditional or keyed.
   */
  async settle(poll: PollRecord, origin?: string): Promise<boolean> {
    const first = await this.deps.polls.claimClose(poll.id, this.now());
    const current = (await this.deps.polls.findById(poll.id))!;
    if (!current.final) {
      const [votes, markers] = await Promise.all([
        this.deps.polls.listVotes(poll.id),
        this.deps.polls.listMarkers(poll.id),
      ]);
      const final: Tally = { units: 0, area: 0 };
      for (const v of votes) {
        final.units! += 1;
        final.area! += v.area;
        for (const c of v.choices) addChoice(final, c, 1, v.area);
      }
      for (const m of markers) final[`b${m.b}`] = (final[`b${m.b}`] ?? 0) + 1;
      await this.deps.polls.settle(poll.id, final);
      current.final = final;
    }
    if (!current.resultsPostedAt) {
      await this.postResults(current, origin);
      await this.deps.polls.claimResultsPosted(poll.id, this.now());
    }
    return first;
  }

  async addReminder(actor: Actor, number: number, at: Date): Promise<PollReminderResult> {
    const poll = await this.managedPoll(actor, number);
    if (at <= poll.opensAt || at >= poll.closesAt || poll.closedAt)
      throw new AppError(400, 'reminder_time', 'polls.errors.reminderTime');
    const scheduled = await this.deps.polls.addReminder(poll.id, at);
    if (scheduled)
      await this.deps.audit.record({
        actor: { id: actor.id },
        action: 'poll.remind',
        target: {
          kind: 'poll',
          id: poll.id,
          label: `#${poll.number}`,
          scope: poll.scopeIds[0] ?? poll.communityId,
        },
        after: { at: at.toISOString() },
      });
    return { at: at.toISOString(), scheduled };
  }

  /** Posts a poll whose opening time has come, once. */
  async postIfDue(poll: PollRecord, origin?: string): Promise<boolean> {
    if (poll.postedAt || poll.opensAt > this.now() || poll.closedAt) return false;
    const groups = await this.groupsOf(poll);
    for (const group of groups) {
      const t = translator(group.language);
      const rules = [
        poll.kind === 'ownersVote'
          ? t('polls.rules.ownersVote')
          : poll.eligibility === 'residents'
            ? ''
            : t(`polls.rules.${poll.eligibility}`),
        poll.maxChoices > 1 ? t('polls.rules.multi', { max: poll.maxChoices }) : '',
      ].join('');
      await this.enqueue(group, postKey(poll.id, group.id), {
        text: t(poll.anonymous ? 'polls.messageAnonymous' : 'polls.message', {
          number: poll.number,
          question: poll.question,
          options: poll.options.map((o) => `${o.letter}. ${o.text}`).join('\n'),
          rules: rules ? `${rules}\n` : '',
          closesAt: formatTime(poll.closesAt, group.language),
          link: this.linkOf(poll, origin),
        }),
      });
    }
    return this.deps.polls.claimPosted(poll.id, this.now());
  }

  /**
   * Reminds the eligible units that have not voted: per group, one message @-mentioning only their
   * members on that group's platform. It says nothing about anyone's choice.
   */
  async sendReminder(poll: PollRecord, reminderId: string): Promise<number> {
    if (poll.closedAt || this.stateOf(poll) !== 'open') return 0;
    const [electors, markers, members] = await Promise.all([
      this.deps.polls.listElectors(poll.id),
      this.deps.polls.listMarkers(poll.id),
      this.deps.residents.listRosterMembers(poll.communityId),
    ]);
    const voted = new Set(markers.map((m) => m.unitId));
    const waiting = new Set(electors.filter((e) => !voted.has(e.unitId)).map((e) => e.unitId));
    const who = members.filter((m) => {
      if (perHousehold(poll))
        return waiting.has(m.householdId) && (!needsOwner(poll) || m.relation === 'owner');
      return waiting.has(m.id);
    });
    const identities = new Map(
      await Promise.all(who.map(async (m) => [m, await this.deps.residents.identitiesOf(m.id)] as const)),
    );
    let sent = 0;
    for (const group of await this.groupsOf(poll)) {
      const mentions = who
        .filter((m) => m.householdScope && covers(group.scopeId, m.householdScope))
        .flatMap((m) => (identities.get(m) ?? []).filter((i) => i.channel === group.channel))
        .map((i) => i.platformId);
      if (mentions.length === 0) continue;
      const t = translator(group.language);
      await this.enqueue(
        group,
        reminderKey(reminderId, group.id),
        {
          text: t('polls.reminder', {
            number: poll.number,
            question: poll.question,
            closesAt: formatTime(poll.closesAt, group.language),
            link: this.linkOf(poll),
          }),
        },
        [...new Set(mentions)],
      );
      sent += 1;
    }
    return sent;
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private async postResults(poll: PollRecord, origin?: string): Promise<void> {
    const results = await this.resultsOf(poll);
    for (const group of await this.groupsOf(poll)) {
      const t = translator(group.language);
      const lines = results.options
        .map((o) => t('polls.resultLine', { letter: o.letter, text: o.text, votes: o.votes }))
        .join('\n');
      let text = t('polls.results', {
        number: poll.number,
        question: poll.question,
        voted: results.turnout.voted,
        eligible: results.turnout.eligible,
        lines,
      });
      const v = results.art278;
      if (v)
        text += `\n${t('polls.art278', {
          areaPercent: v.participationArea.percent,
          ownersPercent: v.participationOwners.percent,
          quorum: t(v.quorumReached ? 'polls.quorumYes' : 'polls.quorumNo'),
          forAreaPercent: v.approvalArea.percent,
          forOwnersPercent: v.approvalOwners.percent,
          verdict: t(v.passed ? 'polls.passed' : 'polls.failed'),
        })}`;
      await this.enqueue(group, resultsKey(poll.id, group.id), {
        text: `${text}\n${this.linkOf(poll, origin)}`,
      });
    }
  }

  private async enqueue(
    group: NoticeTargetGroup,
    key: string,
    content: { text: string },
    mentions: string[] = [],
  ): Promise<void> {
    await this.deps.outbox.enqueue(
      key,
      {
        channel: group.channel,
        accountId: group.accountId,
        groupId: group.platformGroupId,
        content: { kind: 'text', text: content.text },
        mentions,
        replyTo: null,
      },
      { mayBeRetry: true },
    );
  }

  private async groupsOf(poll: PollRecord): Promise<NoticeTargetGroup[]> {
    return (await this.deps.notices.groupsOfCommunity(poll.communityId)).filter((g) =>
      poll.groupIds.includes(g.id),
    );
  }

  private ballotKeyOf(poll: PollRecord, unitId: string): string {
    if (!poll.anonymous) return unitId;
    if (!poll.ballotKey) throw new AppError(409, 'closed', 'polls.errors.closed', { number: poll.number });
    return `h${createHmac('sha256', poll.ballotKey).update(unitId).digest('base64url').slice(0, 32)}`;
  }

  private async award(poll: PollRecord, actor: Actor): Promise<void> {
    if (!this.deps.points || !actor.id) return;
    await this.deps.points.award({
      communityId: poll.communityId,
      residentId: actor.id,
      rule: 'voteCast',
      idempotencyKey: `vote:${poll.id}:${actor.id}`,
      memo: poll.question.slice(0, 60),
    });
  }

  private mayManage(actor: Actor, poll: PollRecord): boolean {
    return poll.scopeIds.length > 0 && poll.scopeIds.every((scope) => can(actor, 'poll.create', { scope }));
  }

  private inScope(actor: Actor, poll: PollRecord): boolean {
    return actor.householdScope !== null && poll.scopeIds.some((s) => covers(s, actor.householdScope!));
  }

  private maySeeResults(actor: Actor, poll: PollRecord): boolean {
    if (this.mayManage(actor, poll)) return true;
    return (
      this.inScope(actor, poll) && (poll.resultsVisibility === 'live' || this.stateOf(poll) === 'closed')
    );
  }

  private async visiblePoll(actor: Actor, number: number): Promise<PollRecord> {
    const poll = await this.deps.polls.findByNumber(actor.communityId, number);
    if (!poll || (!this.mayManage(actor, poll) && !this.inScope(actor, poll))) throw pollNotFound();
    return poll;
  }

  private async managedPoll(actor: Actor, number: number): Promise<PollRecord> {
    const poll = await this.deps.polls.findByNumber(actor.communityId, number);
    if (!poll) throw pollNotFound();
    for (const scope of poll.scopeIds) assertCan(actor, 'poll.create', { scope });
    return poll;
  }

  async present(poll: PollRecord, actor: Actor): Promise<PollView> {
    const who = await this.eligibility(poll, actor);
    let voted = false;
    let choices: string[] | null = null;
    if (!('reason' in who)) {
      voted = await this.deps.polls.hasVoted(poll.id, who.unitId);
      if (voted && (!poll.anonymous || poll.ballotKey))
        choices =
          (await this.deps.polls.findVote(poll.id, this.ballotKeyOf(poll, who.unitId)))?.choices ?? null;
    }
    const reminders = await this.deps.polls.listReminders(poll.id);
    return {
      id: poll.id,
      number: poll.number,
      question: poll.question,
      options: poll.options,
      maxChoices: poll.maxChoices,
      anonymous: poll.anonymous,
      eligibility: poll.eligibility,
      kind: poll.kind,
      matter: poll.matter,
      scope: poll.scope,
      opensAt: poll.opensAt.toISOString(),
      closesAt: poll.closesAt.toISOString(),
      closedAt: poll.closedAt?.toISOString() ?? null,
      resultsVisibility: poll.resultsVisibility,
      state: this.stateOf(poll),
      createdAt: poll.createdAt.toISOString(),
      groups: poll.groupIds.length,
      reminders: reminders.map((r) => ({ at: r.at.toISOString(), sent: r.sentAt !== null })),
      viewer: {
        eligible: !('reason' in who),
        reason: 'reason' in who ? who.reason : null,
        voted,
        choices,
        canManage: this.mayManage(actor, poll),
        canSeeResults: this.maySeeResults(actor, poll),
      },
    };
  }
}

function addChoice(tally: Tally, letter: string, sign: 1 | -1, area: number): void {
  tally[`n${letter}`] = (tally[`n${letter}`] ?? 0) + sign;
  tally[`a${letter}`] = (tally[`a${letter}`] ?? 0) + sign * area;
}

const sameChoices = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((c, i) => c === [...b].sort()[i]);

/** Scopes with those inside another one dropped, so a household is counted once. */
function minimalScopes(scopes: ScopeId[]): ScopeId[] {
  const unique = [...new Set(scopes)];
  return unique.filter((s) => !unique.some((o) => o !== s && covers(o, s)));
}

/** Closing times as residents read them: China time, in the group's language. */
export function formatTime(at: Date, language: Language): string {
  return new Intl.DateTimeFormat(language, {
    timeZone: 'Asia/Shanghai',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(at);
}
