import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';
import { scopeId, type ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';

export interface HouseholdRecord {
  id: string;
  communityId: string;
  compound: string;
  building: string;
  unit: string;
  room: string;
  /** `building-unit-room`, e.g. `3-2-501`. */
  address: string;
  /** Where the household sits in the tree, for permission checks. */
  scope: ScopeId;
}

export interface NewHousehold {
  communityId: string;
  compound: string;
  building: string;
  unit: string;
  room: string;
}

type LeanHousehold = {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  compound: string;
  building: string;
  unit: string;
  room: string;
  address: string;
};

const toRecord = (d: LeanHousehold): HouseholdRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  compound: d.compound,
  building: d.building,
  unit: d.unit,
  room: d.room,
  address: d.address,
  scope: scopeId.household(String(d.communityId), d.compound, d.building, String(d._id)),
});

export const addressOf = (h: Pick<NewHousehold, 'building' | 'unit' | 'room'>) =>
  `${h.building}-${h.unit}-${h.room}`;

/** Households of the community tree. */
export class HouseholdRepository {
  constructor(private readonly models: Pick<Models, 'household'>) {}

  /** Creates the household, or returns the one already at that address (imports run this again). */
  async ensure(input: NewHousehold): Promise<HouseholdRecord> {
    const filter = {
      communityId: new Types.ObjectId(input.communityId),
      compound: input.compound,
      address: addressOf(input),
    };
    const upsert = () =>
      this.models.household
        .findOneAndUpdate(
          filter,
          { $setOnInsert: { ...filter, building: input.building, unit: input.unit, room: input.room } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<LeanHousehold>();
    // Two writers creating the same new household: one insert wins, the other finds it.
    const doc = await upsert().catch((err: unknown) =>
      isDuplicateKeyError(err) ? upsert() : Promise.reject(err),
    );
    return toRecord(doc!);
  }

  /**
   * `ensure` for many new addresses at once (a roster import's): one unordered insert under the
   * unique address index. If any already exists (another writer got there first), each address goes
   * through `ensure` instead, which finds it.
   */
  async ensureMany(inputs: readonly NewHousehold[]): Promise<HouseholdRecord[]> {
    if (inputs.length === 0) return [];
    const docs = inputs.map((input) => ({
      communityId: new Types.ObjectId(input.communityId),
      compound: input.compound,
      address: addressOf(input),
      building: input.building,
      unit: input.unit,
      room: input.room,
    }));
    try {
      const inserted = await this.models.household.insertMany(docs, { ordered: false });
      return inserted.map((doc) => toRecord(doc.toObject() as LeanHousehold));
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const records: HouseholdRecord[] = [];
      for (const input of inputs) records.push(await this.ensure(input));
      return records;
    }
  }

  async findById(id: string): Promise<HouseholdRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.household.findById(id).lean<LeanHousehold>();
    return doc ? toRecord(doc) : null;
  }

  async findByIds(ids: readonly string[]): Promise<HouseholdRecord[]> {
    if (ids.length === 0) return [];
    const docs = await this.models.household
      .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .lean<LeanHousehold[]>();
    return docs.map(toRecord);
  }

  /** Households at an address; more than one when several compounds use the same numbering. */
  async findByAddress(communityId: string, address: string, compound?: string): Promise<HouseholdRecord[]> {
    const query: Record<string, unknown> = { communityId: new Types.ObjectId(communityId), address };
    if (compound) query.compound = compound;
    const docs = await this.models.household
      .find(query)
      .sort({ compound: 1 })
      .limit(20)
      .lean<LeanHousehold[]>();
    return docs.map(toRecord);
  }

  /** Every household of the community, or of one compound of it: what a roster import or export reads. */
  async listByCommunity(communityId: string, compound?: string): Promise<HouseholdRecord[]> {
    const query: Record<string, unknown> = { communityId: new Types.ObjectId(communityId) };
    if (compound) query.compound = compound;
    const docs = await this.models.household.find(query).sort({ _id: 1 }).lean<LeanHousehold[]>();
    return docs.map(toRecord);
  }

  async listByBuilding(communityId: string, compound: string, building: string): Promise<HouseholdRecord[]> {
    const docs = await this.models.household
      .find({ communityId: new Types.ObjectId(communityId), compound, building })
      .sort({ unit: 1, room: 1 })
      .limit(2_000)
      .lean<LeanHousehold[]>();
    return docs.map(toRecord);
  }
}
