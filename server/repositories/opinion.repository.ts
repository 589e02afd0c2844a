import { Types } from 'mongoose';
import type { Category } from '../../shared/categories.js';
import type { Channel } from '../../shared/messages.js';
import type { Language } from '../../shared/i18n/index.js';
import type { OpinionStatus } from '../../shared/schemas/opinion.js';
import type { Models } from '../models/index.js';
import { BatchInserter, type InsertOutcome } from './batch-insert.js';

export interface NewOpinion {
  communityId: string | null;
  number: number;
  text: string;
  category: Category;
  categorySource: 'explicit' | 'keyword' | 'default';
  channel: Channel;
  groupId: string | null;
  groupName: string;
  senderId: string;
  senderName: string;
  residentId: string | null;
  language: Language;
  sourceKey: string;
}

/** Who adopted an opinion, when, and the note they gave. */
export interface OpinionAdoption {
  at: Date;
  note: string | null;
  byId: string | null;
  byName: string;
}

export interface OpinionRecord extends NewOpinion {
  id: string;
  status: OpinionStatus;
  createdAt: Date;
  adopted: OpinionAdoption | null;
}

type LeanOpinion = Omit<OpinionRecord, 'id' | 'communityId' | 'groupId' | 'residentId' | 'adopted'> & {
  _id: Types.ObjectId;
  communityId: Types.ObjectId | null;
  groupId: Types.ObjectId | null;
  residentId: Types.ObjectId | null;
  /** Absent on opinions stored before adoption existed. */
  adopted?: (Omit<OpinionAdoption, 'byId'> & { byId: Types.ObjectId | null }) | null;
};

const toRecord = ({ adopted, ...d }: LeanOpinion): OpinionRecord => ({
  ...d,
  id: String(d._id),
  communityId: d.communityId ? String(d.communityId) : null,
  groupId: d.groupId ? String(d.groupId) : null,
  residentId: d.residentId ? String(d.residentId) : null,
  adopted: adopted
    ? {
        at: adopted.at,
        note: adopted.note ?? null,
        byId: adopted.byId ? String(adopted.byId) : null,
        byName: adopted.byName ?? '',
      }
    : null,
});

const oid = (id: string | null) => (id ? new Types.ObjectId(id) : null);

export class OpinionRepository {
  private readonly inserter: BatchInserter<object>;

  constructor(private readonly models: Pick<Models, 'opinion' | 'insertTarget'>) {
    this.inserter = new BatchInserter(models.opinion as never, models.insertTarget(models.opinion as never));
  }

  /** Inserts unless an opinion from the same source message exists. */
  create(opinion: NewOpinion): Promise<InsertOutcome> {
    return this.inserter.insert({
      ...opinion,
      communityId: oid(opinion.communityId),
      groupId: oid(opinion.groupId),
      residentId: oid(opinion.residentId),
    });
  }

  async findBySourceKey(sourceKey: string): Promise<OpinionRecord | null> {
    const doc = await this.models.opinion.findOne({ sourceKey }).lean<LeanOpinion>();
    return doc ? toRecord(doc) : null;
  }

  async findById(id: string): Promise<OpinionRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.models.opinion.findById(id).lean<LeanOpinion>();
    return doc ? toRecord(doc) : null;
  }

  /**
   * Marks the opinion adopted unless it already is: one conditional update, so of two staff adopting at
   * once exactly one wins. Returns the adopted opinion, or null when it was adopted before (or is gone).
   */
  async markAdopted(id: string, adoption: OpinionAdoption): Promise<OpinionRecord | null> {
    const doc = await this.models.opinion
      .findOneAndUpdate(
        // `adopted: null` also matches opinions stored before the field existed.
        { _id: new Types.ObjectId(id), adopted: null },
        { $set: { status: 'adopted', adopted: { ...adoption, byId: oid(adoption.byId) } } },
        { returnDocument: 'after' },
      )
      .lean<LeanOpinion>();
    return doc ? toRecord(doc) : null;
  }

  async listRecent(filter: {
    communityId: string;
    category?: Category;
    before?: Date;
    limit: number;
  }): Promise<OpinionRecord[]> {
    const query: Record<string, unknown> = { communityId: new Types.ObjectId(filter.communityId) };
    if (filter.category) query.category = filter.category;
    if (filter.before) query.createdAt = { $lt: filter.before };
    const docs = await this.models.opinion
      .find(query)
      .sort({ createdAt: -1, _id: -1 })
      .limit(filter.limit)
      .lean<LeanOpinion[]>();
    return docs.map(toRecord);
  }

  async countByCategory(communityId: string): Promise<Record<string, number>> {
    const rows = await this.models.opinion.aggregate<{ _id: string; n: number }>([
      { $match: { communityId: new Types.ObjectId(communityId) } },
      { $group: { _id: '$category', n: { $sum: 1 } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  get pendingWrites(): number {
    return this.inserter.pending;
  }
}
