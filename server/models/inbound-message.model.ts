import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const INBOUND_STATUSES = ['received', 'done', 'failed'] as const;

/**
 * Every platform message the gateway accepted. The `_id` is `channel:channelMessageId`, so a
 * redelivery collides on insert and is recognised as a duplicate without a read.
 */
export const inboundMessageSchema = new Schema(
  {
    _id: { type: String, required: true },
    message: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: INBOUND_STATUSES, default: 'received' },
    attempts: { type: Number, default: 0 },
    /** A process that picked the message up owns it until then; after that another may retry it. */
    leaseUntil: { type: Date, required: true },
    error: { type: String, default: null },
    acceptedAt: { type: Date, required: true },
    processedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
inboundMessageSchema.index({ status: 1, leaseUntil: 1 });

export type InboundMessageDoc = InferSchemaType<typeof inboundMessageSchema>;

export const inboundMessageModel = (conn: Connection) =>
  conn.model('InboundMessage', inboundMessageSchema, 'inbound_messages');
