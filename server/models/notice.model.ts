import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { LANGUAGES } from '../../shared/i18n/index.js';

/** A notice staff sent to the groups of a scope; the groups it went to are fixed when it is sent. */
export const noticeSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    number: { type: Number, required: true },
    /** The short link's code; random so links cannot be guessed from the number. */
    code: { type: String, required: true },
    scopeId: { type: String, required: true },
    text: { type: String, required: true },
    /** An array, not a map keyed by language, so no user-chosen key ever reaches the database. */
    translations: [{ _id: false, language: { type: String, enum: LANGUAGES }, text: String }],
    groupIds: [{ type: String }],
    createdBy: { type: String, required: true },
    followUpAt: { type: Date, default: null },
    /** The chat message that sent it, so a retried message finds its notice instead of sending again. */
    sourceKey: { type: String },
  },
  { timestamps: true },
);
noticeSchema.index({ code: 1 }, { unique: true });
noticeSchema.index({ communityId: 1, number: 1 }, { unique: true });
noticeSchema.index({ sourceKey: 1 }, { unique: true, sparse: true });

export type NoticeDoc = InferSchemaType<typeof noticeSchema>;

export const noticeModel = (conn: Connection) => conn.model('Notice', noticeSchema, 'notices');
