import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** One household's acknowledgement of one notice; insert-only, the unique index makes it once. */
export const noticeAckSchema = new Schema(
  {
    noticeId: { type: String, required: true },
    householdId: { type: String, required: true },
    residentId: { type: String, required: true },
    /** Where the ack came from: a group's id, or 'app' for the short link. */
    via: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
noticeAckSchema.index({ noticeId: 1, householdId: 1 }, { unique: true });

export type NoticeAckDoc = InferSchemaType<typeof noticeAckSchema>;

export const noticeAckModel = (conn: Connection) => conn.model('NoticeAck', noticeAckSchema, 'notice_acks');
