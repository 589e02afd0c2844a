import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CHANNELS } from '../../shared/messages.js';

/** One platform account (WeChat contact, WeCom userid, DingTalk staffId…) linked to one resident. */
export const identitySchema = new Schema(
  {
    channel: { type: String, enum: CHANNELS, required: true },
    platformId: { type: String, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true },
);
identitySchema.index({ channel: 1, platformId: 1 }, { unique: true });
identitySchema.index({ residentId: 1 });

export type IdentityDoc = InferSchemaType<typeof identitySchema>;

export const identityModel = (conn: Connection) => conn.model('Identity', identitySchema, 'identities');
