import { Types } from 'mongoose';
import type { Language } from '../../shared/i18n/index.js';
import type { Channel } from '../../shared/messages.js';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';
import { scopeId, type ScopeId } from '../policy/scope.js';
import { isObjectId } from './object-id.js';

export interface NoticeRecord {
  id: string;
  communityId: string;
  number: number;
  code: string;
  scopeId: ScopeId;
  text: string;
  translations: { language: Language; text: string }[];
  groupIds: string[];
  createdBy: string;
  followUpAt: Date | null;
  createdAt: Date;
}

export type NewNotice = Omit<NoticeRecord, 'id' | 'followUpAt' | 'createdAt'> & { sourceKey?: string };

/** A group as a broadcast needs it: where to send and in which language. */
export interface NoticeTargetGroup {
  id: string;
  channel: Channel;
  accountId: string;
  platformGroupId: string;
  name: string;
  language: Language;
  scopeId: ScopeId;
}

export interface NoticeAckRecord {
  householdId: string;
  residentId: string;
  via: string;
  createdAt: Date;
}

export type DeliveryState = 'queued' | 'sent' | 'failed';

type LeanNotice = {
  _id: Types.ObjectId;
  communityId: Types.ObjectId;
  number: number;
  code: string;
  scopeId: string;
  text: string;
  translations?: { language?: string | null; text?: string | null }[];
  groupIds?: string[];
  createdBy: string;
  followUpAt?: Date | null;
  createdAt: Date;
};

const toRecord = (d: LeanNotice): NoticeRecord => ({
  id: String(d._id),
  communityId: String(d.communityId),
  number: d.number,
  code: d.code,
  scopeId: d.scopeId,
  text: d.text,
  translations: (d.translations ?? []).map((t) => ({
    language: (t.language ?? 'zh-CN') as Language,
    text: t.text ?? '',
  })),
  groupIds: d.groupIds ?? [],
  createdBy: d.createdBy,
  followUpAt: d.followUpAt ?? null,
  createdAt: d.createdAt,
});

/** Notices, their acknowledgements, and the delivery state of their outbox keys. */
export class NoticeRepository {
  constructor(
    private readonly models: Pick<
      Models,
      'notice' | 'noticeAck' | 'group' | 'outbox' | 'delivery' | 'resident'
    >,
  ) {}

  /** Creates the notice; with a source key already used, returns the notice that key created. */
  async create(input: NewNotice): Promise<{ notice: NoticeRecord; created: boolean }> {
    try {
      const doc = await this.models.notice.create({
        ...input,
        communityId: new Types.ObjectId(input.communityId),
      });
      return { notice: toRecord(doc.toObject() as LeanNotice), created: true };
    } catch (err) {
      const existing =
        input.sourceKey && isDuplicateKeyError(err) ? await this.findBySourceKey(input.sourceKey) : null;
      if (!existing) throw err;
      return { notice: existing, created: false };
    }
  }

  async findBySourceKey(sourceKey: string): Promise<NoticeRecord | null> {
    const doc = await this.models.notice.findOne({ sourceKey }).lean<LeanNotice>();
    return doc ? toRecord(doc) : null;
  }

  async findById(id: string): Promise<NoticeRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.notice.findById(id).lean<LeanNotice>();
    return doc ? toRecord(doc) : null;
  }

  async findByCode(code: string): Promise<NoticeRecord | null> {
    const doc = await this.models.notice.findOne({ code }).lean<LeanNotice>();
    return doc ? toRecord(doc) : null;
  }

  async listByCommunity(communityId: string, limit = 50): Promise<NoticeRecord[]> {
    const docs = await this.models.notice
      .find({ communityId: new Types.ObjectId(communityId) })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<LeanNotice[]>();
    return docs.map(toRecord);
  }

  /** The most recent notice sent to a group: what a bare `#收到` in it acknowledges. */
  async latestForGroup(groupId: string): Promise<NoticeRecord | null> {
    const doc = await this.models.notice
      .findOne({ groupIds: groupId })
      .sort({ createdAt: -1 })
      .lean<LeanNotice>();
    return doc ? toRecord(doc) : null;
  }

  /** Marks the follow-up as sent; true only for the first caller, so a notice is followed up once. */
  async claimFollowUp(id: string): Promise<boolean> {
    const res = await this.models.notice.updateOne(
      { _id: new Types.ObjectId(id), followUpAt: null },
      { $set: { followUpAt: new Date() } },
    );
    return res.modifiedCount === 1;
  }

  /** Every group bound to the community (a small collection), with what sending to it needs. */
  async groupsOfCommunity(communityId: string): Promise<NoticeTargetGroup[]> {
    const docs = await this.models.group
      .find({ communityId: new Types.ObjectId(communityId) })
      .sort({ name: 1 })
      .lean<
        {
          _id: Types.ObjectId;
          channel: string;
          accountId: string;
          platformGroupId: string;
          name?: string | null;
          language?: string | null;
          scopeId?: string | null;
        }[]
      >();
    return docs.map((d) => ({
      id: String(d._id),
      channel: d.channel as Channel,
      accountId: d.accountId,
      platformGroupId: d.platformGroupId,
      name: d.name ?? '',
      language: (d.language ?? 'zh-CN') as Language,
      scopeId: d.scopeId ?? scopeId.community(communityId),
    }));
  }

  /** Insert-only: a second ack of the same household is reported as a duplicate, never written. */
  async addAck(input: {
    noticeId: string;
    householdId: string;
    residentId: string;
    via: string;
  }): Promise<'inserted' | 'duplicate'> {
    try {
      await this.models.noticeAck.create(input);
      return 'inserted';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
  }

  async listAcks(noticeId: string): Promise<NoticeAckRecord[]> {
    const docs = await this.models.noticeAck.find({ noticeId }).lean<
      {
        householdId: string;
        residentId: string;
        via: string;
        createdAt: Date;
      }[]
    >();
    return docs.map((d) => ({
      householdId: d.householdId,
      residentId: d.residentId,
      via: d.via,
      createdAt: d.createdAt,
    }));
  }

  /** Residents' names by id, for the acknowledgement report (names only, nothing else). */
  async residentNames(ids: string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter(isObjectId))];
    if (wanted.length === 0) return new Map();
    const docs = await this.models.resident
      .find({ _id: { $in: wanted.map((id) => new Types.ObjectId(id)) } }, { name: 1 })
      .lean<{ _id: Types.ObjectId; name: string }[]>();
    return new Map(docs.map((d) => [String(d._id), d.name]));
  }

  /**
   * Where each outbox key stands, looked up by `_id` only (FerretDB scans for anything else): still in
   * the small outbox queue, or settled in `deliveries`. Keys found in neither are not queued yet.
   */
  async deliveryStates(keys: string[]): Promise<Map<string, DeliveryState>> {
    const states = new Map<string, DeliveryState>();
    if (keys.length === 0) return states;
    const [queued, settled] = await Promise.all([
      this.models.outbox.find({ _id: { $in: keys } }, { _id: 1 }).lean<{ _id: string }[]>(),
      this.models.delivery
        .find({ _id: { $in: keys } }, { _id: 1, status: 1 })
        .lean<{ _id: string; status: string }[]>(),
    ]);
    for (const d of queued) states.set(d._id, 'queued');
    for (const d of settled) states.set(d._id, d.status === 'failed' ? 'failed' : 'sent');
    return states;
  }
}
