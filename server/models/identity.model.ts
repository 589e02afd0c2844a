import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { IDENTITY_KIND_VALUES } from '../../shared/schemas/community.js';
import { CHANNELS } from '../../shared/messages.js';

/** One platform account (WeChat contact, WeCom userid, DingTalk staffId…) linked to one resident. */
export const identitySchema = new Schema(
  {
    channel: { type: String, enum: CHANNELS, required: true },
    /** Which of the channel's id namespaces `platformId` is in (see IDENTITY_KINDS). */
    kind: { type: String, enum: IDENTITY_KIND_VALUES, required: true },
    platformId: { type: String, required: true },
    residentId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true },
);
// Messages carry only channel and sender id, so an id names one account per channel whatever its kind.
identitySchema.index({ channel: 1, platformId: 1 }, { unique: true });
identitySchema.index({ residentId: 1 });

export type IdentityDoc = InferSchemaType<typeof identitySchema>;

export const identityModel = (conn: Connection) => conn.model('Identity', identitySchema, 'identities');
