import type { Types } from 'mongoose';
import type { Models } from '../models/index.js';
import { isObjectId } from './object-id.js';

export interface CommunityRecord {
  id: string;
  code: string;
  name: string;
}

export interface BuildingRecord {
  code: string;
  name: string;
  units: string[];
}

export interface CompoundRecord {
  code: string;
  name: string;
  buildings: BuildingRecord[];
}

/** The community with its compounds, buildings and units. */
export interface CommunityTree extends CommunityRecord {
  compounds: CompoundRecord[];
}

export interface NewCommunity {
  code: string;
  name: string;
  compounds: { code: string; name: string; buildings: { code: string; name: string; units?: string[] }[] }[];
}

type LeanCommunity = {
  _id: Types.ObjectId;
  code: string;
  name: string;
  compounds?: {
    code: string;
    name: string;
    buildings?: { code: string; name: string; units?: string[] }[];
  }[];
};

const toRecord = (d: LeanCommunity): CommunityRecord => ({ id: String(d._id), code: d.code, name: d.name });

const toTree = (d: LeanCommunity): CommunityTree => ({
  ...toRecord(d),
  compounds: (d.compounds ?? []).map((c) => ({
    code: c.code,
    name: c.name,
    buildings: (c.buildings ?? []).map((b) => ({ code: b.code, name: b.name, units: b.units ?? [] })),
  })),
});

const CACHE_MS = 60_000;

export class CommunityRepository {
  private readonly trees = new Map<string, { at: number; tree: Promise<CommunityTree | null> }>();

  constructor(private readonly models: Pick<Models, 'community'>) {}

  async findByCode(code: string): Promise<CommunityRecord | null> {
    const doc = await this.models.community.findOne({ code }).lean<LeanCommunity>();
    return doc ? toRecord(doc) : null;
  }

  /** The whole tree by id (read by `_id`, cheap on every engine); cached as scope checks ask often. */
  findTree(id: string): Promise<CommunityTree | null> {
    if (!isObjectId(id)) return Promise.resolve(null);
    const hit = this.trees.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.tree;
    const tree = this.models.community
      .findById(id)
      .lean<LeanCommunity>()
      .then((d) => (d ? toTree(d) : null));
    tree.catch(() => this.trees.delete(id));
    this.trees.set(id, { at: Date.now(), tree });
    return tree;
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
