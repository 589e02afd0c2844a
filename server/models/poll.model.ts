import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import {
  POLL_ELIGIBILITIES,
  POLL_KINDS,
  POLL_MATTERS,
  RESULTS_VISIBILITIES,
} from '../../shared/schemas/poll.js';

/**
 * A poll or an owners' formal vote. Its roll (who may vote, with what weight) is fixed when it is created
 * and kept in `poll_electors`; `electorate` holds the roll's totals per building so results need no scan.
 */
export const pollSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    number: { type: Number, required: true },
    question: { type: String, required: true },
    options: [{ _id: false, letter: String, text: String }],
    maxChoices: { type: Number, required: true },
    anonymous: { type: Boolean, required: true },
    eligibility: { type: String, enum: POLL_ELIGIBILITIES, required: true },
    kind: { type: String, enum: POLL_KINDS, required: true },
    matter: { type: String, enum: [...POLL_MATTERS, null], default: null },
    /** As requested: community, buildings or groups. */
    scope: {
      kind: { type: String, required: true },
      buildings: [{ type: String }],
      groupIds: [{ type: String }],
    },
    /** Scope ids the roll was drawn from. */
    scopeIds: [{ type: String }],
    /** Groups the poll is posted to. */
    groupIds: [{ type: String }],
    opensAt: { type: Date, required: true },
    closesAt: { type: Date, required: true },
    resultsVisibility: { type: String, enum: RESULTS_VISIBILITIES, required: true },
    electorate: {
      units: { type: Number, required: true },
      /** Hundredths of m². */
      area: { type: Number, required: true },
      buildings: [{ _id: false, compound: String, building: String, units: Number, area: Number }],
    },
    /** Anonymous polls: the HMAC key from a unit to its ballot; removed at closing, unlinking them. */
    ballotKey: { type: String, default: null },
    postedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    /** The tally recomputed from the ballots at closing (same shape as the live counters). */
    final: { type: Schema.Types.Mixed, default: null },
    resultsPostedAt: { type: Date, default: null },
    createdBy: { type: String, required: true },
    sourceKey: { type: String },
  },
  { timestamps: true, minimize: false },
);
pollSchema.index({ communityId: 1, number: 1 }, { unique: true });
pollSchema.index({ sourceKey: 1 }, { unique: true, sparse: true });

export type PollDoc = InferSchemaType<typeof pollSchema>;

export const pollModel = (conn: Connection) => conn.model('Poll', pollSchema, 'polls');
