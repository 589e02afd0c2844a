import { Types } from 'mongoose';
import type { Channel } from '../../shared/messages.js';
import type { Language } from '../../shared/i18n/index.js';
import type { Models } from '../models/index.js';
import { scopeId, type ScopeId } from '../policy/scope.js';

export interface GroupRecord {
  id: string;
  channel: Channel;
  platformGroupId: string;
  name: string;
  communityId: string | null;
  language: Language;
  /** The scope the group speaks for: its own when staff set one, else its whole community. */
  scopeId: ScopeId | null;
}

interface GroupInput {
  channel: Channel;
  platformGroupId: string;
  accountId: string;
  name: string;
  communityId: string | null;
  language: Language;
  /** A compound or building the group is for; null for the whole community. */
  scopeId?: ScopeId | null;
}

const CACHE_MS = 30_000;

/** Someone in a group, as the platform last reported them. */
export interface GroupMember {
  platformId: string;
  name: string;
  present: boolean;
  at: Date;
}

export interface MembershipChange {
  kind: 'join' | 'leave';
  members: { id: string; name: string }[];
  at: Date;
}

type LeanGroup = {
  _id: Types.ObjectId;
  channel: string;
  platformGroupId: string;
  name?: string | null;
  communityId?: Types.ObjectId | null;
  language?: string | null;
  scopeId?: string | null;
};

const toRecord = (doc: LeanGroup): GroupRecord => ({
  id: String(doc._id),
  channel: doc.channel as Channel,
  platformGroupId: doc.platformGroupId,
  name: doc.name ?? '',
  communityId: doc.communityId ? String(doc.communityId) : null,
  language: (doc.language ?? 'zh-CN') as Language,
  scopeId: doc.scopeId ?? (doc.communityId ? scopeId.community(String(doc.communityId)) : null),
});

const toDoc = (input: GroupInput) => ({
  ...input,
  communityId: input.communityId ? new Types.ObjectId(input.communityId) : null,
  scopeId: input.scopeId ?? null,
});

export class GroupRepository {
  private readonly cache = new Map<string, { at: number; record: Promise<GroupRecord> }>();

  constructor(private readonly models: Pick<Models, 'group'>) {}

  /** The group as stored, registering it on first sight; cached briefly since every message asks. */
  findOrRegister(input: GroupInput): Promise<GroupRecord> {
    const key = `${input.channel}:${input.platformGroupId}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.record;
    const upsert = () =>
      this.models.group
        .findOneAndUpdate(
          { channel: input.channel, platformGroupId: input.platformGroupId },
          { $setOnInsert: toDoc(input) },
          { upsert: true, returnDocument: 'after' },
        )
        .lean();
    // Two processes upserting the same new group: one insert wins, the other retries and finds it.
    const record = upsert()
      .catch((err: { code?: number }) => (err.code === 11000 ? upsert() : Promise.reject(err)))
      .then((doc) => toRecord(doc as LeanGroup));
    record.catch(() => this.cache.delete(key));
    this.cache.set(key, { at: Date.now(), record });
    return record;
  }

  async create(input: GroupInput): Promise<GroupRecord> {
    const doc = await this.models.group.create(toDoc(input));
    return toRecord(doc.toObject() as LeanGroup);
  }

  /**
   * Applies a join or leave to the group's member list. Idempotent and order-safe: a member changes
   * only for an event newer than the last one applied to them, so a redelivered or late event is a
   * no-op ('unchanged'). A conditional write on the version keeps concurrent changes from being lost.
   */
  async applyMembership(groupId: string, change: MembershipChange): Promise<'applied' | 'unchanged'> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const doc = await this.models.group
        .findById(groupId)
        .lean<{ members?: GroupMember[] | null; membershipVersion?: number | null }>();
      if (!doc) return 'unchanged';
      const members = new Map((doc.members ?? []).map((m) => [m.platformId, m]));
      let changed = false;
      for (const m of change.members) {
        const known = members.get(m.id);
        if (known && known.at.getTime() >= change.at.getTime()) continue;
        members.set(m.id, {
          platformId: m.id,
          name: m.name || known?.name || '',
          present: change.kind === 'join',
          at: change.at,
        });
        changed = true;
      }
      if (!changed) return 'unchanged';
      const version =
        typeof doc.membershipVersion === 'number' ? doc.membershipVersion : { $exists: false as const };
      const res = await this.models.group.updateOne(
        { _id: groupId, membershipVersion: version },
        { $set: { members: [...members.values()] }, $inc: { membershipVersion: 1 } },
      );
      if (res.modifiedCount === 1) return 'applied';
    }
    throw new Error(`membership of group ${groupId} kept changing under the update`);
  }

  /** The group's current members, where its platform reports them. */
  async listMembers(groupId: string): Promise<GroupMember[]> {
    const doc = await this.models.group.findById(groupId).lean<{ members?: GroupMember[] | null }>();
    return (doc?.members ?? []).filter((m) => m.present);
  }

  async listByChannel(channel: Channel): Promise<GroupRecord[]> {
    const docs = await this.models.group.find({ channel }).sort({ name: 1 }).lean();
    return docs.map((d) => toRecord(d as LeanGroup));
  }
}
