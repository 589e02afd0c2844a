import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/connect.js';
import {
  IDENTITY_KINDS,
  ROLE_SCOPE_KINDS,
  ROLES,
  type HouseholdRelation,
  type IdentityKind,
  type Role,
} from '../../shared/schemas/community.js';
import type { Channel } from '../../shared/messages.js';
import type { Models } from '../models/index.js';
import type { RoleAssignment } from '../policy/policy.js';
import { assignmentKey, uniqueRoles, withMembershipRoles } from '../policy/roles.js';
import { scopeId, type ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';

/** A resident as every service sees them; usable as the policy's Actor as it is. */
export interface ResidentRecord {
  id: string;
  communityId: string;
  householdId: string | null;
  householdScope: ScopeId | null;
  relation: HouseholdRelation | null;
  floorArea: number | null;
  name: string;
  /** `138****1234`, or null when no number is on file. The full number never leaves the repository. */
  phoneMasked: string | null;
  roles: RoleAssignment[];
  /** Changes with every role or membership write; role updates are conditional on it. */
  version: number;
}

export interface Persona extends ResidentRecord {
  platformId: string;
  address: string | null;
}

export interface IdentityRecord {
  channel: Channel;
  kind: IdentityKind;
  platformId: string;
  residentId: string;
  linkedAt: Date;
}

/** A phone number as stored: never the plain number (see PhoneProtector). */
export interface ProtectedPhone {
  masked: string;
  hash: string;
  cipher: string;
}

export interface Membership {
  householdId: string;
  householdScope: ScopeId;
  relation: HouseholdRelation;
  /** Owners only; null otherwise. */
  floorArea: number | null;
}

export interface NewResident {
  communityId: string;
  name: string;
  membership?: Membership | null;
  phone?: ProtectedPhone | null;
  /** Roles besides those the membership implies (owner/tenant are added from it). */
  roles?: RoleAssignment[];
  identities?: { channel: Channel; kind: IdentityKind; platformId: string }[];
}

export type LinkOutcome = 'linked' | 'alreadyLinked' | 'linkedToAnother';

/** A household member as a roster import compares them and an export lists them. */
export interface RosterMember {
  id: string;
  householdId: string;
  householdScope: ScopeId | null;
  name: string;
  /** The number's lookup HMAC: imports compare numbers through it, without decrypting anything. */
  phoneHash: string | null;
  phoneMasked: string | null;
  relation: HouseholdRelation | null;
  floorArea: number | null;
  note: string | null;
  roles: RoleAssignment[];
  version: number;
}

/** A household member added from a roster row. */
export interface NewRosterMember {
  communityId: string;
  name: string;
  membership: Membership;
  phone: ProtectedPhone | null;
  note: string | null;
  /** Roles besides those the membership implies. */
  roles: RoleAssignment[];
}

/** The stored values a roster update was planned from; it applies only while they still hold. */
export interface RosterMemberExpected {
  version: number;
  phoneHash?: string | null;
  relation?: HouseholdRelation | null;
  floorArea?: number | null;
  note?: string | null;
}

export interface RosterMemberChanges {
  phone?: ProtectedPhone;
  relation?: HouseholdRelation;
  floorArea?: number | null;
  note?: string;
  /** The complete new roles, when the relation change moves owner/tenant roles. */
  roles?: readonly RoleAssignment[];
}

type LeanResident = {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  householdId?: Types.ObjectId | null;
  householdScope?: string | null;
  relation?: HouseholdRelation | null;
  floorArea?: number | null;
  name: string;
  phoneMasked?: string | null;
  roles?: (RoleAssignment | string)[];
  version?: number;
};

type LeanIdentity = {
  channel: Channel;
  kind?: IdentityKind;
  platformId: string;
  residentId: Types.ObjectId;
  createdAt?: Date;
};

/** Releases before scoped roles stored bare role names; read them as held in the community. */
function readRoles(d: LeanResident): RoleAssignment[] {
  const community = String(d.communityId);
  return (d.roles ?? []).flatMap((r): RoleAssignment[] => {
    if (typeof r !== 'string') return [{ role: r.role, scopeKind: r.scopeKind, scopeId: r.scopeId }];
    const role = r as Role;
    return ROLES.includes(role) && ROLE_SCOPE_KINDS[role].includes('community')
      ? [{ role, scopeKind: 'community', scopeId: scopeId.community(community) }]
      : [];
  });
}

const toRecord = (d: LeanResident): ResidentRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  householdId: d.householdId ? String(d.householdId) : null,
  householdScope: d.householdScope ?? null,
  relation: d.relation ?? null,
  floorArea: d.floorArea ?? null,
  name: d.name,
  phoneMasked: d.phoneMasked ?? null,
  roles: readRoles(d),
  version: d.version ?? 0,
});

const toIdentity = (d: LeanIdentity): IdentityRecord => ({
  channel: d.channel,
  kind: d.kind ?? IDENTITY_KINDS[d.channel][0],
  platformId: d.platformId,
  residentId: String(d.residentId),
  linkedAt: d.createdAt ?? new Date(0),
});

const rolesFields = (roles: readonly RoleAssignment[]) => ({
  roles: roles.map((r) => ({ role: r.role, scopeKind: r.scopeKind, scopeId: r.scopeId })),
  roleKeys: roles.map(assignmentKey),
});

const membershipFields = (m: Membership | null) => ({
  householdId: m ? new Types.ObjectId(m.householdId) : null,
  householdScope: m?.householdScope ?? null,
  relation: m?.relation ?? null,
  floorArea: m?.relation === 'owner' ? (m.floorArea ?? null) : null,
});

const roundArea = (area: number | null) => (area === null ? null : Math.round(area * 100) / 100);

type LeanRosterMember = LeanResident & { phoneHash?: string | null; note?: string | null };

const toRosterMember = (d: LeanRosterMember): RosterMember[] =>
  d.householdId
    ? [
        {
          id: String(d._id),
          householdId: String(d.householdId),
          householdScope: d.householdScope ?? null,
          name: d.name,
          phoneHash: d.phoneHash ?? null,
          phoneMasked: d.phoneMasked ?? null,
          relation: d.relation ?? null,
          floorArea: d.floorArea ?? null,
          note: d.note ?? null,
          roles: readRoles(d),
          version: d.version ?? 0,
        },
      ]
    : [];

/** Sender lookups: long enough to spare the engine on busy groups, short enough for new bindings. */
const IDENTITY_CACHE_MS = 30_000;
/** Session lookups: every API call asks; role changes made in this process clear it at once. */
const RESIDENT_CACHE_MS = 10_000;
const MAX_CACHED = 10_000;
const MAX_RETRIES = 5;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

function remember<T>(cache: Map<string, Cached<T>>, key: string, ttl: number, load: () => Promise<T>) {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < ttl) return hit.value;
  if (cache.size >= MAX_CACHED) cache.clear();
  const value = load();
  value.catch(() => cache.delete(key));
  cache.set(key, { at: Date.now(), value });
  return value;
}

/** Residents and the platform identities that point at them. */
export class ResidentRepository {
  private readonly byIdentity = new Map<string, Cached<ResidentRecord | null>>();
  private readonly byId = new Map<string, Cached<ResidentRecord | null>>();

  constructor(private readonly models: Pick<Models, 'resident' | 'identity' | 'household'>) {}

  /** Who a platform account belongs to, if bound; asked on every message, so cached briefly. */
  findByIdentity(channel: Channel, platformId: string): Promise<ResidentRecord | null> {
    return remember(this.byIdentity, `${channel}:${platformId}`, IDENTITY_CACHE_MS, async () => {
      const identity = await this.models.identity.findOne({ channel, platformId }).lean<LeanIdentity>();
      return identity ? this.load(String(identity.residentId)) : null;
    });
  }

  /**
   * By id, as every signed-in request asks; cached briefly. `fresh` skips the cache, for reads that a
   * conditional write will follow (another process may have changed the resident meanwhile).
   */
  findById(id: string, options: { fresh?: boolean } = {}): Promise<ResidentRecord | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    if (options.fresh) return this.load(id);
    return remember(this.byId, id, RESIDENT_CACHE_MS, () => this.load(id));
  }

  async create(input: NewResident): Promise<ResidentRecord> {
    const membership = input.membership ?? null;
    const roles = withMembershipRoles(uniqueRoles(input.roles ?? []), membership);
    const doc = await this.models.resident.create({
      communityId: new Types.ObjectId(input.communityId),
      name: input.name,
      ...membershipFields(membership && { ...membership, floorArea: roundArea(membership.floorArea) }),
      phoneMasked: input.phone?.masked ?? null,
      phoneHash: input.phone?.hash ?? null,
      phoneCipher: input.phone?.cipher ?? null,
      ...rolesFields(roles),
    });
    const record = toRecord(doc.toObject() as LeanResident);
    for (const identity of input.identities ?? []) await this.linkIdentity(record.id, identity);
    return record;
  }

  /** Links a platform account to the resident; an account already linked elsewhere is left alone. */
  async linkIdentity(
    residentId: string,
    identity: { channel: Channel; kind: IdentityKind; platformId: string },
  ): Promise<LinkOutcome> {
    const key = `${identity.channel}:${identity.platformId}`;
    try {
      await this.models.identity.create({ ...identity, residentId: new Types.ObjectId(residentId) });
      return 'linked';
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.models.identity
        .findOne({ channel: identity.channel, platformId: identity.platformId })
        .lean<LeanIdentity>();
      return existing && String(existing.residentId) === residentId ? 'alreadyLinked' : 'linkedToAnother';
    } finally {
      // A cached "unbound" answer for this sender would hide the new link for half a minute.
      this.byIdentity.delete(key);
    }
  }

  async identitiesOf(residentId: string): Promise<IdentityRecord[]> {
    const docs = await this.models.identity
      .find({ residentId: new Types.ObjectId(residentId) })
      .sort({ _id: 1 })
      .limit(50)
      .lean<LeanIdentity[]>();
    return docs.map(toIdentity);
  }

  /**
   * Replaces the resident's roles if nobody changed them since `expectedVersion` was read; null when
   * someone did (the caller reloads and decides again) or the resident is gone.
   */
  async setRoles(
    id: string,
    roles: readonly RoleAssignment[],
    expectedVersion: number,
  ): Promise<ResidentRecord | null> {
    const doc = await this.models.resident
      .findOneAndUpdate(
        { _id: new Types.ObjectId(id), version: expectedVersion },
        { $set: rolesFields(uniqueRoles(roles)), $inc: { version: 1 } },
        { returnDocument: 'after' },
      )
      .lean<LeanResident>();
    this.forget(id);
    return doc ? toRecord(doc) : null;
  }

  /** Moves the resident into a household (or out of any), keeping owner/tenant roles in step. */
  async setMembership(id: string, membership: Membership | null): Promise<ResidentRecord | null> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await this.load(id);
      if (!current) return null;
      const next = membership && { ...membership, floorArea: roundArea(membership.floorArea) };
      const doc = await this.models.resident
        .findOneAndUpdate(
          { _id: new Types.ObjectId(id), version: current.version },
          {
            $set: { ...membershipFields(next), ...rolesFields(withMembershipRoles(current.roles, next)) },
            $inc: { version: 1 },
          },
          { returnDocument: 'after' },
        )
        .lean<LeanResident>();
      this.forget(id);
      if (doc) return toRecord(doc);
    }
    throw new Error(`resident ${id} kept changing; membership not set`);
  }

  async setPhone(id: string, phone: ProtectedPhone | null): Promise<void> {
    await this.models.resident.updateOne(
      { _id: new Types.ObjectId(id) },
      {
        $set: {
          phoneMasked: phone?.masked ?? null,
          phoneHash: phone?.hash ?? null,
          phoneCipher: phone?.cipher ?? null,
        },
      },
    );
    this.forget(id);
  }

  /** Exact lookup by the number's HMAC (see PhoneProtector.hash). */
  async findByPhoneHash(hash: string, communityId?: string): Promise<ResidentRecord[]> {
    const query: Record<string, unknown> = { phoneHash: hash };
    if (communityId) query.communityId = new Types.ObjectId(communityId);
    const docs = await this.models.resident.find(query).limit(20).lean<LeanResident[]>();
    return docs.map(toRecord);
  }

  /** The encrypted number, for the few callers allowed to decrypt it (roster export). */
  async phoneCipherOf(id: string): Promise<string | null> {
    const doc = await this.models.resident.findById(id).lean<{ phoneCipher?: string | null }>();
    return doc?.phoneCipher ?? null;
  }

  async listByHousehold(householdId: string): Promise<ResidentRecord[]> {
    const docs = await this.models.resident
      .find({ householdId: new Types.ObjectId(householdId) })
      .sort({ _id: 1 })
      .limit(100)
      .lean<LeanResident[]>();
    return docs.map(toRecord);
  }

  async listByCommunity(communityId: string, limit = 100): Promise<ResidentRecord[]> {
    const docs = await this.models.resident
      .find({ communityId: new Types.ObjectId(communityId) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<LeanResident[]>();
    return docs.map(toRecord);
  }

  /** Residents of a community whose name contains `text`, in any case: a staff search box. */
  async searchByName(communityId: string, text: string, limit = 20): Promise<ResidentRecord[]> {
    const pattern = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const docs = await this.models.resident
      .find({ communityId: new Types.ObjectId(communityId), name: { $regex: pattern, $options: 'i' } })
      .sort({ name: 1, _id: 1 })
      .limit(limit)
      .lean<LeanResident[]>();
    return docs.map(toRecord);
  }

  /** Residents holding `role` exactly at `scope`, e.g. the building leads of building 3. */
  async listByRole(role: Role, scope: ScopeId): Promise<ResidentRecord[]> {
    const docs = await this.models.resident
      .find({ roleKeys: assignmentKey({ role, scopeId: scope }) })
      .sort({ _id: 1 })
      .limit(100)
      .lean<LeanResident[]>();
    return docs.map(toRecord);
  }

  /** Residents with an identity on one channel, with their address: the simulator's cast. */
  async personas(channel: Channel): Promise<Persona[]> {
    const identities = await this.models.identity
      .find({ channel })
      .sort({ _id: 1 })
      .limit(200)
      .lean<LeanIdentity[]>();
    const residents = await this.models.resident
      .find({ _id: { $in: identities.map((i) => i.residentId) } })
      .lean<LeanResident[]>();
    const households = await this.models.household
      .find({ _id: { $in: residents.map((r) => r.householdId).filter(Boolean) } })
      .lean<{ _id: Types.ObjectId; address: string }[]>();
    const addressOf = new Map(households.map((h) => [String(h._id), h.address]));
    const residentOf = new Map(residents.map((r) => [String(r._id), toRecord(r)]));
    return identities.flatMap((i) => {
      const resident = residentOf.get(String(i.residentId));
      if (!resident) return [];
      const address = resident.householdId ? (addressOf.get(resident.householdId) ?? null) : null;
      return [{ ...resident, platformId: i.platformId, address }];
    });
  }

  /** Every resident living in a household of the community: what a roster import or export reads. */
  async listRosterMembers(communityId: string): Promise<RosterMember[]> {
    const docs = await this.models.resident
      .find({ communityId: new Types.ObjectId(communityId), householdId: { $ne: null } })
      .sort({ _id: 1 })
      .lean<LeanRosterMember[]>();
    return docs.flatMap(toRosterMember);
  }

  async rosterMember(id: string): Promise<RosterMember | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.resident.findById(id).lean<LeanRosterMember>();
    return doc ? (toRosterMember(doc)[0] ?? null) : null;
  }

  /**
   * Adds household members from roster rows in one unordered batch. Each row is one document, inserted
   * whole or not at all; the batch only spares the engine a round trip per row.
   */
  async createRosterMembers(inputs: readonly NewRosterMember[]): Promise<void> {
    if (inputs.length === 0) return;
    const docs = inputs.map((input) => {
      const membership = { ...input.membership, floorArea: roundArea(input.membership.floorArea) };
      return {
        communityId: new Types.ObjectId(input.communityId),
        name: input.name,
        ...membershipFields(membership),
        phoneMasked: input.phone?.masked ?? null,
        phoneHash: input.phone?.hash ?? null,
        phoneCipher: input.phone?.cipher ?? null,
        note: input.note,
        ...rolesFields(withMembershipRoles(uniqueRoles(input.roles), membership)),
      };
    });
    await this.models.resident.insertMany(docs, { ordered: false });
  }

  /**
   * Applies a roster row's changes in one conditional write; false when the resident no longer has
   * the `expected` values (someone edited them meanwhile) or is gone.
   */
  async updateRosterMember(
    id: string,
    expected: RosterMemberExpected,
    changes: RosterMemberChanges,
  ): Promise<boolean> {
    const { version, ...fields } = expected;
    const filter: Record<string, unknown> = { _id: new Types.ObjectId(id), version };
    for (const [field, value] of Object.entries(fields)) if (value !== undefined) filter[field] = value;
    const set: Record<string, unknown> = {};
    if (changes.phone) {
      set.phoneMasked = changes.phone.masked;
      set.phoneHash = changes.phone.hash;
      set.phoneCipher = changes.phone.cipher;
    }
    if (changes.relation !== undefined) set.relation = changes.relation;
    if (changes.floorArea !== undefined) set.floorArea = roundArea(changes.floorArea);
    if (changes.note !== undefined) set.note = changes.note;
    if (changes.roles) Object.assign(set, rolesFields(uniqueRoles(changes.roles)));
    const result = await this.models.resident.updateOne(filter, { $set: set, $inc: { version: 1 } });
    this.forget(id);
    return result.matchedCount === 1;
  }

  private async load(id: string): Promise<ResidentRecord | null> {
    const doc = await this.models.resident.findById(id).lean<LeanResident>();
    return doc ? toRecord(doc) : null;
  }

  /** Drops what this process cached about a resident after it changed. */
  private forget(id: string): void {
    this.byId.delete(id);
    // Sender entries are keyed by platform id; changes are rare staff actions, so drop them all.
    this.byIdentity.clear();
  }
}
