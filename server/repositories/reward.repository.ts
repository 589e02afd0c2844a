import { Types } from 'mongoose';
import type { RedemptionState } from '../../shared/schemas/points.js';
import { isDuplicateKeyError } from '../db/connect.js';
import type { Models } from '../models/index.js';
import { isObjectId } from './object-id.js';

export interface RewardRecord {
  id: string;
  communityId: string;
  merchantId: string;
  merchantName: string;
  title: string;
  description: string;
  price: number;
  stock: number;
  active: boolean;
  createdAt: Date;
}

export type NewReward = Omit<RewardRecord, 'id' | 'active' | 'createdAt'>;

export interface RedemptionRecord {
  id: string;
  code: string;
  requestKey: string;
  communityId: string;
  rewardId: string;
  rewardTitle: string;
  merchantId: string;
  residentId: string;
  residentName: string;
  price: number;
  state: RedemptionState;
  stockTaken: boolean;
  restocked: boolean;
  refunded: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewRedemption = Omit<
  RedemptionRecord,
  'id' | 'state' | 'stockTaken' | 'restocked' | 'refunded' | 'createdAt' | 'updatedAt'
>;

type LeanReward = Omit<RewardRecord, 'id'> & { _id: Types.ObjectId };
type LeanRedemption = Omit<RedemptionRecord, 'id'> & { _id: Types.ObjectId };

const toReward = (d: LeanReward): RewardRecord => ({
  id: String(d._id),
  communityId: d.communityId,
  merchantId: d.merchantId,
  merchantName: d.merchantName,
  title: d.title,
  description: d.description ?? '',
  price: d.price,
  stock: d.stock,
  active: d.active !== false,
  createdAt: d.createdAt,
});

const toRedemption = (d: LeanRedemption): RedemptionRecord => ({
  id: String(d._id),
  code: d.code,
  requestKey: d.requestKey,
  communityId: d.communityId,
  rewardId: d.rewardId,
  rewardTitle: d.rewardTitle,
  merchantId: d.merchantId,
  residentId: d.residentId,
  residentName: d.residentName,
  price: d.price,
  state: d.state,
  stockTaken: Boolean(d.stockTaken),
  restocked: Boolean(d.restocked),
  refunded: Boolean(d.refunded),
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** Merchants' rewards and residents' redemptions; stock and states move only by conditional updates. */
export class RewardRepository {
  constructor(private readonly models: Pick<Models, 'reward' | 'redemption'>) {}

  async create(input: NewReward): Promise<RewardRecord> {
    const doc = await this.models.reward.create(input);
    return toReward(doc.toObject() as LeanReward);
  }

  async findById(id: string): Promise<RewardRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.reward.findById(id).lean<LeanReward>();
    return doc ? toReward(doc) : null;
  }

  async listByCommunity(communityId: string): Promise<RewardRecord[]> {
    const docs = await this.models.reward
      .find({ communityId, active: true })
      .sort({ createdAt: -1 })
      .limit(200)
      .lean<LeanReward[]>();
    return docs.map(toReward);
  }

  /** One unit of stock, only while there is one: never below zero. */
  async takeStock(id: string): Promise<boolean> {
    const doc = await this.models.reward.findOneAndUpdate(
      { _id: new Types.ObjectId(id), active: true, stock: { $gte: 1 } },
      { $inc: { stock: -1 } },
      { returnDocument: 'after' },
    );
    return doc !== null;
  }

  async returnStock(id: string): Promise<void> {
    await this.models.reward.updateOne({ _id: new Types.ObjectId(id) }, { $inc: { stock: 1 } });
  }

  /** Inserts the redemption as `reserving`; with its request key used before, returns that one. */
  async insertRedemption(input: NewRedemption): Promise<{ redemption: RedemptionRecord; inserted: boolean }> {
    try {
      const doc = await this.models.redemption.create({ ...input, state: 'reserving' });
      return { redemption: toRedemption(doc.toObject() as LeanRedemption), inserted: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.models.redemption
        .findOne({ requestKey: input.requestKey })
        .lean<LeanRedemption>();
      // A clash on the random code instead: the caller draws another.
      if (!existing) return Promise.reject(Object.assign(new Error('code clash'), { codeClash: true }));
      return { redemption: toRedemption(existing), inserted: false };
    }
  }

  async findRedemption(id: string): Promise<RedemptionRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.redemption.findById(id).lean<LeanRedemption>();
    return doc ? toRedemption(doc) : null;
  }

  async findByCode(code: string): Promise<RedemptionRecord | null> {
    const doc = await this.models.redemption.findOne({ code }).lean<LeanRedemption>();
    return doc ? toRedemption(doc) : null;
  }

  /** A resident's redemptions, newest first, leaving out any in the `except` states. */
  async listByResident(
    residentId: string,
    except: readonly RedemptionState[] = [],
  ): Promise<RedemptionRecord[]> {
    const docs = await this.models.redemption
      .find({ residentId, ...(except.length ? { state: { $nin: [...except] } } : {}) })
      .sort({ createdAt: -1 })
      .limit(100)
      .lean<LeanRedemption[]>();
    return docs.map(toRedemption);
  }

  async listByMerchant(merchantId: string): Promise<RedemptionRecord[]> {
    const docs = await this.models.redemption
      .find({ merchantId })
      .sort({ createdAt: -1 })
      .limit(100)
      .lean<LeanRedemption[]>();
    return docs.map(toRedemption);
  }

  async listStale(states: readonly RedemptionState[], olderThan: Date): Promise<RedemptionRecord[]> {
    const docs = await this.models.redemption
      .find({ state: { $in: states }, updatedAt: { $lt: olderThan } })
      .limit(1000)
      .lean<LeanRedemption[]>();
    return docs.map(toRedemption);
  }

  /** Moves the redemption from one state to another; null when it was not in `from` any more. */
  async transition(
    id: string,
    from: RedemptionState | readonly RedemptionState[],
    to: RedemptionState,
    extra: Record<string, unknown> = {},
  ): Promise<RedemptionRecord | null> {
    const doc = await this.models.redemption
      .findOneAndUpdate(
        {
          _id: new Types.ObjectId(id),
          state: typeof from === 'string' ? from : { $in: [...from] },
        },
        { $set: { state: to, ...extra } },
        { returnDocument: 'after' },
      )
      .lean<LeanRedemption>();
    return doc ? toRedemption(doc) : null;
  }

  /** Sets a step flag once; true for the caller that set it. */
  async setFlag(id: string, flag: 'stockTaken' | 'restocked' | 'refunded'): Promise<boolean> {
    const res = await this.models.redemption.updateOne(
      { _id: new Types.ObjectId(id), [flag]: false },
      { $set: { [flag]: true } },
    );
    return res.modifiedCount === 1;
  }
}
