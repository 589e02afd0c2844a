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

/**
 * Messages waiting to be sent; nothing reaches a platform except through here. Kept small. An entry is
 * written once and removed when settled: who holds it lives in its sender's `outbox_senders` record,
 * because FerretDB writes each updated document in a transaction of its own.
 */
export const outboxSchema = new Schema(
  {
    ...messageFields,
    /** Failed attempts so far (a retry is attempt `attempts + 1`). */
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    lastError: { type: String, default: null },
  },
  { versionKey: false },
);

/**
 * One per sender (`<channel>:<accountId>`): the entries its workers hold, each under a claim's token
 * until `until` (a lease), or handed back with no token until `until` (a deferral). A claim or a
 * hand-back rewrites the list conditionally on `version`, so two workers never hold the same entry.
 */
export const outboxSenderSchema = new Schema(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    held: [
      {
        _id: false,
        id: { type: String, required: true },
        token: { type: String, default: null },
        until: { type: Date, required: true },
      },
    ],
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
export const outboxSenderModel = (conn: Connection) =>
  conn.model('OutboxSender', outboxSenderSchema, 'outbox_senders');
