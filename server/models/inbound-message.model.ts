import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Every platform message the gateway ever accepted, keyed `channel:channelMessageId`: a redelivery
 * collides on `_id` and is recognised without a query.
 */
export const inboundLogSchema = new Schema(
  {
    _id: { type: String, required: true },
    acceptedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** Accepted messages not yet answered; small, so finding expired leases never scans the whole log. */
export const inboundQueueSchema = new Schema(
  {
    _id: { type: String, required: true },
    message: { type: Schema.Types.Mixed, required: true },
    attempts: { type: Number, default: 1 },
    /** The process that accepted the message owns it until then; after that another may retry it. */
    leaseUntil: { type: Date, required: true },
    /** Set once attempts run out, so the entry stays for inspection but is no longer retried. */
    failed: { type: Boolean, default: false },
    error: { type: String, default: null },
  },
  { versionKey: false },
);

export type InboundLogDoc = InferSchemaType<typeof inboundLogSchema>;
export type InboundQueueDoc = InferSchemaType<typeof inboundQueueSchema>;

export const inboundLogModel = (conn: Connection) =>
  conn.model('InboundMessage', inboundLogSchema, 'inbound_messages');
export const inboundQueueModel = (conn: Connection) =>
  conn.model('InboundQueue', inboundQueueSchema, 'inbound_queue');
