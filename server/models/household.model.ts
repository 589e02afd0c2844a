import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** A household (户) at one address, written `building-unit-room` such as `3-2-501`. */
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
householdSchema.index({ communityId: 1, address: 1 }, { unique: true });

export type HouseholdDoc = InferSchemaType<typeof householdSchema>;

export const householdModel = (conn: Connection) => conn.model('Household', householdSchema, 'households');
