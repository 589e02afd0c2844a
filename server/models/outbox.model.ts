import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CHANNELS } from '../../shared/messages.js';

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;

/** One message to deliver to one group or person; nothing reaches a platform except through here. */
export const outboxSchema = new Schema(
  {
    /** Idempotency key, e.g. `reply:wechat:<messageId>:0`; a second insert of the same key is a no-op. */
    key: { type: String, required: true, unique: true },
    channel: { type: String, enum: CHANNELS, required: true },
    accountId: { type: String, required: true },
    groupId: { type: String, default: null },
    content: { type: Schema.Types.Mixed, required: true },
    mentions: { type: [String], default: [] },
    replyTo: { type: String, default: null },
    status: { type: String, enum: OUTBOX_STATUSES, default: 'pending' },
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    lastError: { type: String, default: null },
    sentAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
outboxSchema.index({ channel: 1, accountId: 1, status: 1, availableAt: 1 });

export type OutboxDoc = InferSchemaType<typeof outboxSchema>;

export const outboxModel = (conn: Connection) => conn.model('Outbox', outboxSchema, 'outbox');
