import type { Types } from 'mongoose';
import type { Models } from '../models/index.js';

export interface CommunityRecord {
  id: string;
  code: string;
  name: string;
}

export interface NewCommunity {
  code: string;
  name: string;
  compounds: { code: string; name: string; buildings: { code: string; name: string }[] }[];
}

type LeanCommunity = { _id: Types.ObjectId; code: string; name: string };
const toRecord = (d: LeanCommunity): CommunityRecord => ({ id: String(d._id), code: d.code, name: d.name });

export class CommunityRepository {
  constructor(private readonly models: Pick<Models, 'community'>) {}

  async findByCode(code: string): Promise<CommunityRecord | null> {
    const doc = await this.models.community.findOne({ code }).lean<LeanCommunity>();
    return doc ? toRecord(doc) : null;
  }

  async list(limit = 2): Promise<CommunityRecord[]> {
    const docs = await this.models.community.find().sort({ _id: 1 }).limit(limit).lean<LeanCommunity[]>();
    return docs.map(toRecord);
  }

  async count(): Promise<number> {
    return this.models.community.countDocuments();
  }

  async create(input: NewCommunity): Promise<CommunityRecord> {
    const doc = await this.models.community.create(input);
    return toRecord(doc.toObject() as LeanCommunity);
  }
}
