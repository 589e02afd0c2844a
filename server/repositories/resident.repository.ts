import { Types } from 'mongoose';
import type { Channel } from '../../shared/messages.js';
import type { Models } from '../models/index.js';

export interface ResidentRecord {
  id: string;
  communityId: string;
  householdId: string | null;
  name: string;
  roles: string[];
}

export interface Persona extends ResidentRecord {
  platformId: string;
  address: string | null;
}

type LeanResident = {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  householdId?: Types.ObjectId | null;
  name: string;
  roles: string[];
};

const toRecord = (d: LeanResident): ResidentRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  householdId: d.householdId ? String(d.householdId) : null,
  name: d.name,
  roles: d.roles,
});

const CACHE_MS = 30_000;

/** Residents, their households and the platform identities that point at them. */
export class ResidentRepository {
  private readonly byIdentity = new Map<string, { at: number; record: Promise<ResidentRecord | null> }>();

  constructor(private readonly models: Pick<Models, 'resident' | 'identity' | 'household'>) {}

  /** Who a platform account belongs to, if bound; asked on every message, so cached briefly. */
  findByIdentity(channel: Channel, platformId: string): Promise<ResidentRecord | null> {
    const key = `${channel}:${platformId}`;
    const hit = this.byIdentity.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.record;
    const record = this.models.identity
      .findOne({ channel, platformId })
      .lean()
      .then(async (identity) => {
        if (!identity) return null;
        const doc = await this.models.resident.findById(identity.residentId).lean<LeanResident>();
        return doc ? toRecord(doc) : null;
      });
    record.catch(() => this.byIdentity.delete(key));
    this.byIdentity.set(key, { at: Date.now(), record });
    return record;
  }

  async createHousehold(input: {
    communityId: string;
    compound: string;
    building: string;
    unit: string;
    room: string;
  }): Promise<string> {
    const doc = await this.models.household.create({
      ...input,
      communityId: new Types.ObjectId(input.communityId),
      address: `${input.building}-${input.unit}-${input.room}`,
    });
    return String(doc._id);
  }

  async createWithIdentity(input: {
    communityId: string;
    householdId: string | null;
    name: string;
    roles: string[];
    identity: { channel: Channel; platformId: string };
  }): Promise<ResidentRecord> {
    const doc = await this.models.resident.create({
      communityId: new Types.ObjectId(input.communityId),
      householdId: input.householdId ? new Types.ObjectId(input.householdId) : null,
      name: input.name,
      roles: input.roles,
    });
    await this.models.identity.create({ ...input.identity, residentId: doc._id });
    return toRecord(doc.toObject() as LeanResident);
  }

  /** Residents with an identity on one channel, with their address: the simulator's cast. */
  async personas(channel: Channel): Promise<Persona[]> {
    const identities = await this.models.identity.find({ channel }).sort({ _id: 1 }).limit(200).lean();
    const residents = await this.models.resident
      .find({ _id: { $in: identities.map((i) => i.residentId) } })
      .lean<LeanResident[]>();
    const households = await this.models.household
      .find({ _id: { $in: residents.map((r) => r.householdId).filter(Boolean) } })
      .lean();
    const addressOf = new Map(households.map((h) => [String(h._id), h.address]));
    const residentOf = new Map(residents.map((r) => [String(r._id), toRecord(r)]));
    return identities.flatMap((i) => {
      const resident = residentOf.get(String(i.residentId));
      if (!resident) return [];
      const address = resident.householdId ? (addressOf.get(resident.householdId) ?? null) : null;
      return [{ ...resident, platformId: i.platformId, address }];
    });
  }
}
