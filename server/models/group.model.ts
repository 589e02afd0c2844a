import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CHANNELS } from '../../shared/messages.js';
import { LANGUAGES } from '../../shared/i18n/index.js';

/**
 * A platform group chat the bot is in, bound to a community (null until staff bind it) and, within it,
 * to a scope: the whole community, one compound or one building.
 */
export const groupSchema = new Schema(
  {
    channel: { type: String, enum: CHANNELS, required: true },
    platformGroupId: { type: String, required: true },
    accountId: { type: String, required: true },
    name: { type: String, default: '' },
    communityId: { type: Schema.Types.ObjectId, default: null },
    language: { type: String, enum: LANGUAGES, default: 'zh-CN' },
    /** Scope id (server/policy/scope.ts); null means the whole community. */
    scopeId: { type: String, default: null },
    /**
     * Who is in the group, where the platform tells (WeChat's join/leave events); members who left stay
     * with `present: false`, so an older event arriving late cannot bring them back.
     */
    members: {
      type: [
        new Schema(
          {
            platformId: { type: String, required: true },
            name: { type: String, default: '' },
            present: { type: Boolean, required: true },
            at: { type: Date, required: true },
          },
          { _id: false },
        ),
      ],
      default: undefined,
    },
    /** Bumped by every membership change: the condition that keeps two changes from overwriting each other. */
    membershipVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
);
groupSchema.index({ channel: 1, platformGroupId: 1 }, { unique: true });
groupSchema.index({ communityId: 1 });

export type GroupDoc = InferSchemaType<typeof groupSchema>;

export const groupModel = (conn: Connection) => conn.model('Group', groupSchema, 'groups');
