import { Types } from 'mongoose';
import type { Language } from '../../shared/i18n/index.js';
import type { Channel } from '../../shared/messages.js';
import type { BindingStatus } from '../../shared/schemas/binding.js';
import type { IdentityKind } from '../../shared/schemas/community.js';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';
import { parseScope, scopeId, type ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';

export interface NewBindingRequest {
  communityId: string;
  number: number;
  channel: Channel;
  identityKind: IdentityKind;
  platformId: string;
  requesterName: string;
  /** The resident the account belonged to when it asked; null for an account not bound yet. */
  residentId: string | null;
  accountId: string;
  groupId: string | null;
  platformGroupId: string;
  language: Language;
  householdId: string;
  address: string;
  householdScope: ScopeId;
  sourceKey: string;
}

/** A stored request: what was asked, and what became of it. */
export interface BindingRequestRecord extends Omit<NewBindingRequest, 'sourceKey'> {
  id: string;
  status: BindingStatus;
  reason: string | null;
  decidedAt: Date | null;
  decidedById: string | null;
  decidedByName: string | null;
  appliedAt: Date | null;
  boundResidentId: string | null;
  createdAt: Date;
}

export type CreateOutcome =
  | { kind: 'created'; request: BindingRequestRecord }
  /** The same message was handled before (a redelivery or retry). */
  | { kind: 'duplicate'; request: BindingRequestRecord }
  /** The account already has a pending request, possibly for another household. */
  | { kind: 'pendingExists'; request: BindingRequestRecord };

export interface Decision {
  status: Exclude<BindingStatus, 'pending'>;
  decidedById: string;
  decidedByName: string;
  reason: string | null;
  at: Date;
  /** Approvals only: how long the decider holds the request while binding the resident. */
  applyLeaseMs?: number;
}

type LeanRequest = {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  number: number;
  status: BindingStatus;
  channel: Channel;
  identityKind: IdentityKind;
  platformId: string;
  requesterName?: string | null;
  residentId?: Types.ObjectId | null;
  accountId: string;
  groupId?: Types.ObjectId | null;
  platformGroupId: string;
  language: Language;
  householdId: Types.ObjectId;
  address: string;
  householdScope: string;
  reason?: string | null;
  decidedAt?: Date | null;
  decidedById?: Types.ObjectId | null;
  decidedByName?: string | null;
  appliedAt?: Date | null;
  boundResidentId?: Types.ObjectId | null;
  createdAt: Date;
};

const idOrNull = (id: Types.ObjectId | null | undefined) => (id ? String(id) : null);

const toRecord = (d: LeanRequest): BindingRequestRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  number: d.number,
  status: d.status,
  channel: d.channel,
  identityKind: d.identityKind,
  platformId: d.platformId,
  requesterName: d.requesterName ?? '',
  residentId: idOrNull(d.residentId),
  accountId: d.accountId,
  groupId: idOrNull(d.groupId),
  platformGroupId: d.platformGroupId,
  language: d.language,
  householdId: String(d.householdId),
  address: d.address,
  householdScope: d.householdScope,
  reason: d.reason ?? null,
  decidedAt: d.decidedAt ?? null,
  decidedById: idOrNull(d.decidedById),
  decidedByName: d.decidedByName ?? null,
  appliedAt: d.appliedAt ?? null,
  boundResidentId: idOrNull(d.boundResidentId),
  createdAt: d.createdAt,
});

/** The household's scope and every scope above it, outermost first. */
export function scopeChain(householdScope: ScopeId): ScopeId[] {
  const s = parseScope(householdScope);
  return [
    scopeId.community(s.communityId),
    scopeId.compound(s.communityId, s.compound!),
    scopeId.building(s.communityId, s.compound!, s.building!),
    householdScope,
  ];
}

const pendingKeyOf = (channel: Channel, platformId: string) => `${channel}:${platformId}`;

/**
 * Binding requests. A small collection: requests arrive a few a day and are decided within days.
 * Every state change is one conditional update on the main connection, so two deciders racing each
 * other change a request once.
 */
export class BindingRequestRepository {
  constructor(private readonly models: Pick<Models, 'bindingRequest'>) {}

  /** Files a pending request, unless this message already did or the account has one pending. */
  async create(input: NewBindingRequest): Promise<CreateOutcome> {
    try {
      const doc = await this.models.bindingRequest.create({
        ...input,
        communityId: new Types.ObjectId(input.communityId),
        residentId: input.residentId ? new Types.ObjectId(input.residentId) : null,
        groupId: input.groupId ? new Types.ObjectId(input.groupId) : null,
        householdId: new Types.ObjectId(input.householdId),
        scopes: scopeChain(input.householdScope),
        status: 'pending',
        pendingKey: pendingKeyOf(input.channel, input.platformId),
      });
      return { kind: 'created', request: toRecord(doc.toObject() as LeanRequest) };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const same = await this.findBySourceKey(input.sourceKey);
      if (same) return { kind: 'duplicate', request: same };
      const pending = await this.findPending(input.channel, input.platformId);
      if (pending) return { kind: 'pendingExists', request: pending };
      // The only other unique key is the number, which the counter never hands out twice.
      throw err;
    }
  }

  async findById(id: string): Promise<BindingRequestRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.bindingRequest.findById(id).lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }

  async findByNumber(communityId: string, number: number): Promise<BindingRequestRecord | null> {
    const doc = await this.models.bindingRequest
      .findOne({ communityId: new Types.ObjectId(communityId), number })
      .lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }

  async findBySourceKey(sourceKey: string): Promise<BindingRequestRecord | null> {
    const doc = await this.models.bindingRequest.findOne({ sourceKey }).lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }

  /** The account's pending request, if it has one. */
  async findPending(channel: Channel, platformId: string): Promise<BindingRequestRecord | null> {
    const doc = await this.models.bindingRequest
      .findOne({ pendingKey: pendingKeyOf(channel, platformId) })
      .lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }

  /** Requests in a status for households inside any of `scopes`, newest first. */
  async listInScopes(
    status: BindingStatus,
    scopes: readonly ScopeId[],
    limit: number,
  ): Promise<BindingRequestRecord[]> {
    if (scopes.length === 0) return [];
    const docs = await this.models.bindingRequest
      .find({ status, scopes: { $in: [...scopes] } })
      .sort({ _id: -1 })
      .limit(limit)
      .lean<LeanRequest[]>();
    return docs.map(toRecord);
  }

  /**
   * Decides a pending request; null when it is no longer pending (someone decided first). An approval
   * leaves the request unapplied and leased to the decider until `markApplied`.
   */
  async decide(id: string, decision: Decision): Promise<BindingRequestRecord | null> {
    const doc = await this.models.bindingRequest
      .findOneAndUpdate(
        { _id: new Types.ObjectId(id), status: 'pending' },
        {
          $set: {
            status: decision.status,
            reason: decision.reason,
            decidedAt: decision.at,
            decidedById: new Types.ObjectId(decision.decidedById),
            decidedByName: decision.decidedByName,
            applyUntil:
              decision.status === 'approved'
                ? new Date(decision.at.getTime() + (decision.applyLeaseMs ?? 60_000))
                : null,
          },
          $unset: { pendingKey: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }

  /**
   * Takes over an approval whose binding never finished (the decider died mid-way) once its lease has
   * run out; null when it is finished or still held.
   */
  async reclaimUnapplied(id: string, now: Date, leaseMs: number): Promise<BindingRequestRecord | null> {
    const doc = await this.models.bindingRequest
      .findOneAndUpdate(
        {
          _id: new Types.ObjectId(id),
          status: 'approved',
          appliedAt: null,
          $or: [{ applyUntil: null }, { applyUntil: { $lt: now } }],
        },
        { $set: { applyUntil: new Date(now.getTime() + leaseMs) } },
        { returnDocument: 'after' },
      )
      .lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }

  /** Records that the approval bound `residentId` to the household. */
  async markApplied(id: string, residentId: string, at: Date): Promise<BindingRequestRecord | null> {
    const doc = await this.models.bindingRequest
      .findOneAndUpdate(
        { _id: new Types.ObjectId(id), status: 'approved' },
        { $set: { appliedAt: at, applyUntil: null, boundResidentId: new Types.ObjectId(residentId) } },
        { returnDocument: 'after' },
      )
      .lean<LeanRequest>();
    return doc ? toRecord(doc) : null;
  }
}
