import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** A resident (居民); platform accounts link to one through identities. */
export const residentSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    householdId: { type: Schema.Types.ObjectId, default: null },
    name: { type: String, required: true },
    roles: { type: [String], default: ['resident'] },
  },
  { timestamps: true },
);
residentSchema.index({ communityId: 1, householdId: 1 });

export type ResidentDoc = InferSchemaType<typeof residentSchema>;

export const residentModel = (conn: Connection) => conn.model('Resident', residentSchema, 'residents');
