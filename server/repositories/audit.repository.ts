import { Types } from 'mongoose';
import type { Models } from '../models/index.js';

export interface NewAuditEntry {
  communityId: string;
  at: Date;
  actorId: string | null;
  actorName: string;
  action: string;
  targetKind: string;
  targetId: string;
  targetLabel: string;
  scopeId: string;
  before: unknown;
  after: unknown;
}

export interface AuditRecord extends NewAuditEntry {
  id: string;
}

type LeanAudit = Omit<AuditRecord, 'id' | 'communityId' | 'actorId'> & {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  actorId: Types.ObjectId | null;
};

const toRecord = (d: LeanAudit): AuditRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  at: d.at,
  actorId: d.actorId ? String(d.actorId) : null,
  actorName: d.actorName,
  action: d.action,
  targetKind: d.targetKind,
  targetId: d.targetId,
  targetLabel: d.targetLabel,
  scopeId: d.scopeId,
  before: d.before ?? null,
  after: d.after ?? null,
});

/** The append-only log of staff actions. */
export class AuditRepository {
  constructor(private readonly models: Pick<Models, 'audit'>) {}

  async insert(entry: NewAuditEntry): Promise<string> {
    const doc = await this.models.audit.create({
      ...entry,
      communityId: new Types.ObjectId(entry.communityId),
      actorId: entry.actorId ? new Types.ObjectId(entry.actorId) : null,
    });
    return String(doc._id);
  }

  /** Newest first; `before` is the id of the last entry already seen. */
  async list(filter: { communityId: string; before?: string; limit: number }): Promise<AuditRecord[]> {
    const query: Record<string, unknown> = { communityId: new Types.ObjectId(filter.communityId) };
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    const docs = await this.models.audit
      .find(query)
      .sort({ _id: -1 })
      .limit(filter.limit)
      .lean<LeanAudit[]>();
    return docs.map(toRecord);
  }
}
