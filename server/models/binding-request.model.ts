import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { LANGUAGES } from '../../shared/i18n/index.js';
import { CHANNELS } from '../../shared/messages.js';
import { BINDING_STATUSES } from '../../shared/schemas/binding.js';
import { IDENTITY_KIND_VALUES } from '../../shared/schemas/community.js';

/**
 * A platform account asking to be bound to a household (`#绑定 3-2-501`), until a building lead or
 * secretary decides. It remembers the group it was asked in, so the outcome is told there.
 */
export const bindingRequestSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    /** Per community; shown as `B12`. */
    number: { type: Number, required: true },
    status: { type: String, enum: BINDING_STATUSES, default: 'pending' },

    channel: { type: String, enum: CHANNELS, required: true },
    identityKind: { type: String, enum: IDENTITY_KIND_VALUES, required: true },
    platformId: { type: String, required: true },
    requesterName: { type: String, default: '' },
    /** The resident the account already belonged to when it asked, if any. */
    residentId: { type: Schema.Types.ObjectId, default: null },

    /** Where to tell the outcome: the group it was asked in, through the bot account that heard it. */
    accountId: { type: String, required: true },
    groupId: { type: Schema.Types.ObjectId, default: null },
    platformGroupId: { type: String, required: true },
    language: { type: String, enum: LANGUAGES, required: true },

    householdId: { type: Schema.Types.ObjectId, required: true },
    address: { type: String, required: true },
    householdScope: { type: String, required: true },
    /** The household's scope and every scope above it: lists by granted scope are one `$in`. */
    scopes: { type: [String], required: true },

    /** `channel:platformId` while pending, unset once decided: one pending request per account. */
    pendingKey: { type: String, default: undefined },
    /** `channel:channelMessageId` of the asking message; a redelivered message finds its request. */
    sourceKey: { type: String, required: true },

    reason: { type: String, default: null },
    decidedAt: { type: Date, default: null },
    decidedById: { type: Schema.Types.ObjectId, default: null },
    decidedByName: { type: String, default: null },
    /** Set once an approval has bound the resident; null on an approved request means unfinished. */
    appliedAt: { type: Date, default: null },
    /** Whoever is binding the resident holds it until then; after that a repeated approval finishes it. */
    applyUntil: { type: Date, default: null },
    boundResidentId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
bindingRequestSchema.index({ communityId: 1, number: 1 }, { unique: true });
bindingRequestSchema.index({ sourceKey: 1 }, { unique: true });
// Sparse, not partial (FerretDB): decided requests drop the field and leave the index.
bindingRequestSchema.index({ pendingKey: 1 }, { unique: true, sparse: true });
bindingRequestSchema.index({ status: 1, scopes: 1 });

export type BindingRequestDoc = InferSchemaType<typeof bindingRequestSchema>;

export const bindingRequestModel = (conn: Connection) =>
  conn.model('BindingRequest', bindingRequestSchema, 'binding_requests');
