import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CATEGORIES } from '../../shared/categories.js';
import { CHANNELS } from '../../shared/messages.js';
import { LANGUAGES } from '../../shared/i18n/index.js';
import { OPINION_STATUSES } from '../../shared/schemas/opinion.js';

/** A resident's opinion (意见) raised in a group chat. */
export const opinionSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, default: null },
    number: { type: Number, required: true },
    text: { type: String, required: true },
    category: { type: String, enum: CATEGORIES, required: true },
    categorySource: { type: String, enum: ['explicit', 'keyword', 'default'], required: true },
    status: { type: String, enum: OPINION_STATUSES, default: 'received' },
    channel: { type: String, enum: CHANNELS, required: true },
    groupId: { type: Schema.Types.ObjectId, default: null },
    groupName: { type: String, default: '' },
    senderId: { type: String, required: true },
    senderName: { type: String, default: '' },
    residentId: { type: Schema.Types.ObjectId, default: null },
    language: { type: String, enum: LANGUAGES, required: true },
    /** `channel:channelMessageId`; the unique index makes a redelivered message a no-op. */
    sourceKey: { type: String, required: true, unique: true },
    /** Set once, by a conditional update, when staff adopt the opinion (意见采纳); null until then. */
    adopted: {
      type: new Schema(
        {
          at: { type: Date, required: true },
          note: { type: String, default: null },
          byId: { type: Schema.Types.ObjectId, default: null },
          byName: { type: String, default: '' },
        },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true },
);
opinionSchema.index({ communityId: 1, createdAt: -1 });
opinionSchema.index({ communityId: 1, category: 1, createdAt: -1 });

export type OpinionDoc = InferSchemaType<typeof opinionSchema>;

export const opinionModel = (conn: Connection) => conn.model('Opinion', opinionSchema, 'opinions');
