import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CHANNEL_KINDS } from '../../shared/schemas/channel.js';

/**
 * A channel an admin registered besides the environment's defaults. Identifiers sit in plain fields;
 * every credential (tokens, keys, secrets, webhook keys) is in `sealed`, encrypted with a key derived
 * from DATA_KEY and bound to this record's id, so a copy of the database alone reveals none of them.
 */
export const channelSchema = new Schema(
  {
    communityId: { type: String, required: true },
    kind: { type: String, enum: CHANNEL_KINDS, required: true },
    name: { type: String, required: true },
    corpId: { type: String, default: null },
    agentId: { type: String, default: null },
    appKey: { type: String, default: null },
    /** The groups a robot serves: WeCom chatids, or the one DingTalk conversationId. */
    groupIds: { type: [String], default: undefined },
    sealed: { type: String, required: true },
    createdBy: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
);
channelSchema.index({ communityId: 1 });
channelSchema.index({ kind: 1, groupIds: 1 });

export type ChannelDoc = InferSchemaType<typeof channelSchema>;

export const channelModel = (conn: Connection) => conn.model('Channel', channelSchema, 'channels');
