import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CHANNELS } from '../../shared/messages.js';

export const DELIVERY_STATUSES = ['sent', 'failed'] as const;

const messageFields = {
  /** Idempotency key, e.g. `reply:wechat:<messageId>:0`; the same key is delivered once. */
  _id: { type: String, required: true },
  channel: { type: String, enum: CHANNELS, required: true },
  accountId: { type: String, required: true },
  groupId: { type: String, default: null },
  content: { type: Schema.Types.Mixed, required: true },
  mentions: { type: [String], default: [] },
  replyTo: { type: String, default: null },
};

/** Messages waiting to be sent; nothing reaches a platform except through here. Kept small. */
export const outboxSchema = new Schema(
  {
    ...messageFields,
    status: { type: String, enum: ['pending', 'sending'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    /** Proves who holds the lease: only that worker's report settles the entry. */
    claimToken: { type: String, default: null },
    lastError: { type: String, default: null },
  },
  { versionKey: false },
);

/** The permanent record of every outbound message and its outcome, one per group and message. */
export const deliverySchema = new Schema(
  {
    ...messageFields,
    status: { type: String, enum: DELIVERY_STATUSES, required: true },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    sentAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);

export type OutboxDoc = InferSchemaType<typeof outboxSchema>;
export type DeliveryDoc = InferSchemaType<typeof deliverySchema>;

export const outboxModel = (conn: Connection) => conn.model('Outbox', outboxSchema, 'outbox');
export const deliveryModel = (conn: Connection) => conn.model('Delivery', deliverySchema, 'deliveries');
