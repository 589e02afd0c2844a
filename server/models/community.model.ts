import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** A residential community (社区) and the compounds and buildings under it. */
export const communitySchema = new Schema(
  {
    code: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    /** Compounds (小区) with their buildings; buildings hold units only as counts here. */
    compounds: [
      {
        _id: false,
        code: { type: String, required: true },
        name: { type: String, required: true },
        buildings: [
          { _id: false, code: { type: String, required: true }, name: { type: String, required: true } },
        ],
      },
    ],
  },
  { timestamps: true },
);

export type CommunityDoc = InferSchemaType<typeof communitySchema>;

export const communityModel = (conn: Connection) => conn.model('Community', communitySchema, 'communities');
