import { translator } from '../../shared/i18n/index.js';
import type { Channel } from '../../shared/messages.js';
import {
  bindingCode,
  MAX_BINDING_REASON_LENGTH,
  type BindingList,
  type BindingView,
  type ListBindingsQuery,
} from '../../shared/schemas/binding.js';
import { IDENTITY_KINDS } from '../../shared/schemas/community.js';
import { AppError } from '../errors.js';
import { bindingOutcomeText } from '../gateway/commands/talkers.js';
import { forbiddenAction } from '../policy/authorize.js';
import { can, grantedScopes, guestActor } from '../policy/policy.js';
import { assignment } from '../policy/roles.js';
import { parseScope, scopeId } from '../policy/scope.js';
import type {
  BindingRequestRecord,
  BindingRequestRepository,
} from '../repositories/binding-request.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { GroupRecord } from '../repositories/group.repository.js';
import type { HouseholdRepository } from '../repositories/household.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { Membership, ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import type { AuditService } from './audit.service.js';
import { presentBinding } from './binding.presenter.js';

export const bindingNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'binding.what.request' }, ['what']);

export const bindingAlreadyDecided = (r: BindingRequestRecord) =>
  new AppError(
    409,
    'binding_already_decided',
    'binding.errors.alreadyDecided',
    { by: r.decidedByName ?? '', status: `binding.statuses.${r.status}` },
    ['status'],
  );

/** `#绑定 3-2-501` as the gateway hands it over. */
export interface BindingRequestInput {
  channel: Channel;
  accountId: string;
  platformId: string;
  senderName: string;
  group: GroupRecord | null;
  /** The resident the account already belongs to, if any. */
  resident: ResidentRecord | null;
  address: string;
  /** `channel:channelMessageId`: a redelivered message finds the request it made. */
  sourceKey: string;
  mayBeRetry: boolean;
}

export type RequestResult =
  /** `current` is the address the account stays bound to until the request is approved. */
  | { kind: 'requested'; request: BindingRequestRecord; current: string | null }
  | { kind: 'pendingExists'; request: BindingRequestRecord }
  | { kind: 'alreadyBound'; address: string }
  | { kind: 'unknownAddress' | 'ambiguousAddress'; address: string }
  | { kind: 'notInGroup' | 'groupNotBound' | 'forbidden' };

export interface DecisionInput {
  status: 'approved' | 'rejected';
  reason?: string | null;
}

export type DecidedRequest = BindingRequestRecord & { status: DecisionInput['status'] };

export type DecideResult =
  | { kind: 'decided'; request: BindingRequestRecord }
  /** Decided before, by this decider or another; `request` says how. */
  | { kind: 'alreadyDecided'; request: DecidedRequest }
  | { kind: 'notFound' }
  | { kind: 'forbidden'; request: BindingRequestRecord };

/** Chat bindings do not say how the person belongs to the household; staff correct it in the roster. */
const DEFAULT_RELATION = 'family';

export interface BindingServiceDeps {
  bindings: BindingRequestRepository;
  households: Pick<HouseholdRepository, 'findByAddress' | 'findById'>;
  residents: Pick<ResidentRepository, 'findByIdentity' | 'create' | 'setMembership' | 'linkIdentity'>;
  counters: Pick<CounterRepository, 'next'>;
  outbox: Pick<OutboxRepository, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  now?: () => Date;
  /** How long an approver holds a request while binding the resident, before another may finish it. */
  applyLeaseMs?: number;
}

/**
 * Binding a platform account to a household: a resident asks from a group chat, a building lead or
 * secretary of that household decides from chat or the mini-app, and the resident hears the outcome
 * in the group where they asked.
 */
export class BindingService {
  private readonly now: () => Date;
  private readonly applyLeaseMs: number;

  constructor(private readonly deps: BindingServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.applyLeaseMs = deps.applyLeaseMs ?? 60_000;
  }

  /** Files a request for the sender's account to the household at `address` in the group's community. */
  async request(input: BindingRequestInput): Promise<RequestResult> {
    const { group, resident } = input;
    if (!group) return { kind: 'notInGroup' };
    if (!group.communityId) return { kind: 'groupNotBound' };
    if (input.mayBeRetry) {
      const earlier = await this.deps.bindings.findBySourceKey(input.sourceKey);
      if (earlier)
        return { kind: 'requested', request: earlier, current: await this.currentAddress(resident) };
    }

    // A group of one compound or building names the compound when several use the same numbering.
    const compound = group.scopeId ? parseScope(group.scopeId).compound : null;
    const found = await this.deps.households.findByAddress(
      group.communityId,
      input.address,
      compound ?? undefined,
    );
    if (found.length === 0) return { kind: 'unknownAddress', address: input.address };
    if (found.length > 1) return { kind: 'ambiguousAddress', address: input.address };
    const household = found[0]!;

    const actor = resident ?? guestActor(group.communityId);
    if (!can(actor, 'binding.request', { scope: household.scope })) return { kind: 'forbidden' };
    if (resident?.householdId === household.id) return { kind: 'alreadyBound', address: household.address };
    const pending = await this.deps.bindings.findPending(input.channel, input.platformId);
    if (pending) return { kind: 'pendingExists', request: pending };

    const outcome = await this.deps.bindings.create({
      communityId: household.communityId,
      number: await this.deps.counters.next(`binding:${household.communityId}`),
      channel: input.channel,
      identityKind: IDENTITY_KINDS[input.channel][0],
      platformId: input.platformId,
      requesterName: input.senderName.trim() || resident?.name || '',
      residentId: resident?.id ?? null,
      accountId: input.accountId,
      groupId: group.id,
      platformGroupId: group.platformGroupId,
      language: group.language,
      householdId: household.id,
      address: household.address,
      householdScope: household.scope,
      sourceKey: input.sourceKey,
    });
    if (outcome.kind === 'pendingExists') return outcome;
    return { kind: 'requested', request: outcome.request, current: await this.currentAddress(resident) };
  }

  /** Staff's queue: requests in `status` for households where the actor may decide. */
  async list(actor: ResidentRecord, query: ListBindingsQuery): Promise<BindingList> {
    const scopes = grantedScopes(actor, 'binding.decide');
    if (scopes.length === 0) throw forbiddenAction('binding.decide');
    const items = await this.deps.bindings.listInScopes(query.status, scopes, query.limit);
    return { items: items.map(presentBinding) };
  }

  /** `POST /api/bindings/:id/approve|reject`: repeating the same decision is harmless, the opposite a 409. */
  async decideById(actor: ResidentRecord, id: string, decision: DecisionInput): Promise<BindingView> {
    const request = await this.deps.bindings.findById(id);
    if (!request || request.communityId !== actor.communityId) throw bindingNotFound();
    const result = await this.decide(actor, request, decision);
    switch (result.kind) {
      case 'forbidden':
        throw forbiddenAction('binding.decide');
      case 'alreadyDecided':
        if (result.request.status !== decision.status) throw bindingAlreadyDecided(result.request);
        return presentBinding(result.request);
      case 'decided':
        return presentBinding(result.request);
      case 'notFound':
        throw bindingNotFound();
    }
  }

  /** `#同意 12` / `#拒绝 12 reason`: numbers are per community, so the decider's community is searched. */
  async decideByNumber(
    actor: ResidentRecord,
    number: number,
    decision: DecisionInput,
  ): Promise<DecideResult> {
    const request = await this.deps.bindings.findByNumber(actor.communityId, number);
    if (!request) return { kind: 'notFound' };
    return this.decide(actor, request, decision);
  }

  private async decide(
    actor: ResidentRecord,
    request: BindingRequestRecord,
    input: DecisionInput,
  ): Promise<DecideResult> {
    if (!can(actor, 'binding.decide', { scope: request.householdScope }))
      return { kind: 'forbidden', request };
    let current = request;
    if (current.status === 'pending') {
      const decided = await this.deps.bindings.decide(current.id, {
        status: input.status,
        decidedById: actor.id,
        decidedByName: actor.name,
        reason: input.status === 'rejected' ? cleanReason(input.reason) : null,
        at: this.now(),
        applyLeaseMs: this.applyLeaseMs,
      });
      if (decided) return { kind: 'decided', request: await this.finish(decided, current) };
      // Someone decided it between our read and our write.
      current = (await this.deps.bindings.findById(current.id)) ?? current;
    }
    if (current.status === 'approved' && current.appliedAt === null) {
      // An approval whose binding never finished (its approver died mid-way): finish it now, once.
      const reclaimed = await this.deps.bindings.reclaimUnapplied(current.id, this.now(), this.applyLeaseMs);
      if (reclaimed) current = await this.finish(reclaimed, { ...reclaimed, status: 'pending' });
    }
    return isDecided(current) ? { kind: 'alreadyDecided', request: current } : { kind: 'notFound' };
  }

  /**
   * Carries out a decision this process won: binds the resident (approvals), tells the requester and
   * writes the audit entry. Every step may be repeated after a crash without doubling anything but
   * the audit entry.
   */
  private async finish(
    request: BindingRequestRecord,
    before: BindingRequestRecord,
  ): Promise<BindingRequestRecord> {
    let done = request;
    let bound: { before: ResidentRecord | null; after: ResidentRecord } | null = null;
    if (request.status === 'approved') {
      bound = await this.bindResident(request);
      done = (await this.deps.bindings.markApplied(request.id, bound.after.id, this.now())) ?? request;
    }
    await this.tellRequester(done);
    await this.deps.audit.record({
      actor: { id: done.decidedById, name: done.decidedByName ?? '' },
      action: done.status === 'approved' ? 'binding.approve' : 'binding.reject',
      target: {
        kind: 'bindingRequest',
        id: done.id,
        label: `${bindingCode(done.number)} ${done.address}`,
        scope: done.householdScope,
      },
      before: {
        status: before.status,
        residentId: bound?.before?.id ?? done.residentId,
        householdId: bound?.before?.householdId ?? null,
      },
      after: {
        status: done.status,
        reason: done.reason,
        residentId: bound?.after.id ?? done.residentId,
        householdId: bound ? done.householdId : null,
        address: done.address,
      },
    });
    return done;
  }

  /** Moves the account's resident into the household, creating the resident for an unbound account. */
  private async bindResident(
    request: BindingRequestRecord,
  ): Promise<{ before: ResidentRecord | null; after: ResidentRecord }> {
    const { residents } = this.deps;
    const membership: Membership = {
      householdId: request.householdId,
      householdScope: request.householdScope,
      relation: DEFAULT_RELATION,
      floorArea: null,
    };
    const existing = await residents.findByIdentity(request.channel, request.platformId);
    if (existing) {
      const after = await residents.setMembership(existing.id, membership);
      if (after) return { before: existing, after };
    }
    const created = await residents.create({
      communityId: request.communityId,
      name: request.requesterName.trim() || bindingCode(request.number),
      membership,
      roles: [assignment('resident', scopeId.community(request.communityId))],
    });
    const identity = { channel: request.channel, kind: request.identityKind, platformId: request.platformId };
    if ((await residents.linkIdentity(created.id, identity)) !== 'linkedToAnother')
      return { before: null, after: created };
    // Another process bound the account meanwhile: move that resident instead and empty our new one.
    await residents.setMembership(created.id, null);
    const other = await residents.findByIdentity(request.channel, request.platformId);
    const after = other && (await residents.setMembership(other.id, membership));
    if (!after) throw new Error(`binding ${request.id}: account linked elsewhere and gone`);
    return { before: other, after };
  }

  /** The outcome, in the group where the resident asked, in its language, mentioning them. */
  private async tellRequester(request: BindingRequestRecord): Promise<void> {
    if (request.status === 'pending') return;
    const text = bindingOutcomeText(translator(request.language), request.status, request);
    await this.deps.outbox.enqueue(
      `binding:${request.id}:decided`,
      {
        channel: request.channel,
        accountId: request.accountId,
        groupId: request.platformGroupId,
        content: { kind: 'text', text },
        mentions: [request.platformId],
        replyTo: null,
      },
      // A repeat after a crash may find the message already delivered and gone from the queue.
      { mayBeRetry: true },
    );
  }

  private async currentAddress(resident: ResidentRecord | null): Promise<string | null> {
    if (!resident?.householdId) return null;
    return (await this.deps.households.findById(resident.householdId))?.address ?? null;
  }
}

const isDecided = (r: BindingRequestRecord): r is DecidedRequest => r.status !== 'pending';

function cleanReason(reason: string | null | undefined): string | null {
  const trimmed = reason?.trim() ?? '';
  return trimmed ? Array.from(trimmed).slice(0, MAX_BINDING_REASON_LENGTH).join('') : null;
}
