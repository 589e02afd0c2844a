import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { REDEMPTION_STATES } from '../../shared/schemas/points.js';

/** Something a merchant gives for points; `stock` only moves by conditional `$inc`, never below 0. */
export const rewardSchema = new Schema(
  {
    communityId: { type: String, required: true },
    merchantId: { type: String, required: true },
    merchantName: { type: String, required: true },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    price: { type: Number, required: true },
    stock: { type: Number, required: true },
    active: { type: Boolean, default: true },
  },
  { timestamps: true, versionKey: false },
);

export type RewardDoc = InferSchemaType<typeof rewardSchema>;

/**
 * One redemption: inserted first (its `requestKey` is the claim), then stock is taken, then points;
 * the flags record which steps happened, so a repair pass can finish or undo one a crash interrupted.
 */
export const redemptionSchema = new Schema(
  {
    code: { type: String, required: true },
    requestKey: { type: String, required: true },
    communityId: { type: String, required: true },
    rewardId: { type: String, required: true },
    rewardTitle: { type: String, required: true },
    merchantId: { type: String, required: true },
    residentId: { type: String, required: true },
    residentName: { type: String, required: true },
    price: { type: Number, required: true },
    state: { type: String, enum: REDEMPTION_STATES, required: true },
    stockTaken: { type: Boolean, default: false },
    restocked: { type: Boolean, default: false },
    refunded: { type: Boolean, default: false },
    confirmedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    cancelledBy: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
);
redemptionSchema.index({ code: 1 }, { unique: true });
redemptionSchema.index({ requestKey: 1 }, { unique: true });

export type RedemptionDoc = InferSchemaType<typeof redemptionSchema>;

export const rewardModel = (conn: Connection) => conn.model('Reward', rewardSchema, 'rewards');
export const redemptionModel = (conn: Connection) =>
  conn.model('Redemption', redemptionSchema, 'redemptions');
