import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { HOUSEHOLD_RELATIONS, ROLES, SCOPE_KINDS } from '../../shared/schemas/community.js';

/** One role held within one scope (see server/policy/scope.ts for the scope id format). */
const roleAssignmentSchema = new Schema(
  {
    role: { type: String, enum: ROLES, required: true },
    scopeKind: { type: String, enum: SCOPE_KINDS, required: true },
    scopeId: { type: String, required: true },
  },
  { _id: false },
);

/**
 * A resident (居民); platform accounts link to one through identities. Roles live on the resident, so
 * the one read that identifies a sender also yields everything the policy needs, and a role change is
 * a single-document write.
 */
export const residentSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    householdId: { type: Schema.Types.ObjectId, default: null },
    /** The household's scope id, copied here so permission checks need no household read. */
    householdScope: { type: String, default: null },
    relation: { type: String, enum: [...HOUSEHOLD_RELATIONS, null], default: null },
    /** m² an owner holds in the household, two decimals; the weight of their vote as an owner. */
    floorArea: { type: Number, default: null, min: 0 },
    name: { type: String, required: true },
    /** `138****1234`: the only form ever shown. */
    phoneMasked: { type: String, default: null },
    /** HMAC of the number, for exact lookup without decrypting anything. */
    phoneHash: { type: String, default: null },
    /** AES-256-GCM ciphertext of the number, for the few places that must dial or export it. */
    phoneCipher: { type: String, default: null },
    /** Free text from the roster (such as "lives alone"), for staff; imports and exports carry it. */
    note: { type: String, default: null },
    roles: { type: [roleAssignmentSchema], default: [] },
    /** `role@scopeId` per assignment: exact queries over roles without `$elemMatch` (FerretDB). */
    roleKeys: { type: [String], default: [] },
    /** Bumped by every role or membership change; updates are conditional on it. */
    version: { type: Number, default: 0 },
  },
  { timestamps: true },
);
residentSchema.index({ communityId: 1, householdId: 1 });
residentSchema.index({ phoneHash: 1 });
residentSchema.index({ roleKeys: 1 });

export type ResidentDoc = InferSchemaType<typeof residentSchema>;

export const residentModel = (conn: Connection) => conn.model('Resident', residentSchema, 'residents');
