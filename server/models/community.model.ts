import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { SCOPE_CODE } from '../../shared/schemas/community.js';

/**
 * A residential community (社区) with its compounds (小区), buildings (栋) and units (单元) embedded:
 * the tree is small, read whole, changed rarely, and every scope check needs only its codes.
 */
export const communitySchema = new Schema(
  {
    code: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    compounds: [
      {
        _id: false,
        code: { type: String, required: true, match: SCOPE_CODE },
        name: { type: String, required: true },
        buildings: [
          {
            _id: false,
            code: { type: String, required: true, match: SCOPE_CODE },
            name: { type: String, required: true },
            /** Unit (单元) codes; households name theirs in the address. */
            units: { type: [String], default: [] },
          },
        ],
      },
    ],
  },
  { timestamps: true },
);

export type CommunityDoc = InferSchemaType<typeof communitySchema>;

export const communityModel = (conn: Connection) => conn.model('Community', communitySchema, 'communities');
