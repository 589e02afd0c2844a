import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * A household (户) at one address, written `building-unit-room` such as `3-2-501`. Members are not
 * listed here: each resident names their household, which keeps "at most one household" structural.
 */
export const householdSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    compound: { type: String, required: true },
    address: { type: String, required: true },
    building: { type: String, required: true },
    unit: { type: String, required: true },
    room: { type: String, required: true },
  },
  { timestamps: true },
);
// Two compounds of one community may both have a `3-2-501`; the prefix serves lookups by address alone.
householdSchema.index({ communityId: 1, address: 1, compound: 1 }, { unique: true });
householdSchema.index({ communityId: 1, compound: 1, building: 1 });

export type HouseholdDoc = InferSchemaType<typeof householdSchema>;

export const householdModel = (conn: Connection) => conn.model('Household', householdSchema, 'households');
