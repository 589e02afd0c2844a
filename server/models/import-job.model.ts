import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { FILE_ERROR_CODES, ROSTER_FIELDS, ROW_ERROR_CODES } from '../roster/roster-format.js';
import { IMPORT_FAILURES, IMPORT_STATUSES } from '../../shared/schemas/roster.js';

/**
 * One roster upload and what became of it. Polled by `_id` (cheap on every engine) while it runs; the
 * per-row errors live in `roster_import_errors` so that progress writes stay small.
 */
export const importJobSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    compound: { type: String, required: true },
    /** Where the policy checks readers of this job. */
    scopeId: { type: String, required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    actorName: { type: String, default: '' },
    bytes: { type: Number, required: true },
    status: { type: String, enum: IMPORT_STATUSES, required: true },
    progress: {
      done: { type: Number, default: 0 },
      total: { type: Number, default: null },
    },
    counts: {
      created: { type: Number, default: 0 },
      updated: { type: Number, default: 0 },
      unchanged: { type: Number, default: 0 },
      errors: { type: Number, default: 0 },
    },
    fileError: {
      type: new Schema(
        {
          code: { type: String, enum: FILE_ERROR_CODES, required: true },
          missing: { type: [{ type: String, enum: ROSTER_FIELDS }], default: undefined },
          maxRows: { type: Number, default: undefined },
        },
        { _id: false },
      ),
      default: null,
    },
    failure: { type: String, enum: [...IMPORT_FAILURES, null], default: null },
    /** How many error chunks were written; set once, when parsing is over. */
    errorChunks: { type: Number, default: null },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
importJobSchema.index({ status: 1 });

export type ImportJobDoc = InferSchemaType<typeof importJobSchema>;

const rowErrorSchema = new Schema(
  {
    rowNumber: { type: Number, required: true },
    field: { type: String, enum: [...ROSTER_FIELDS, null], default: null },
    code: { type: String, enum: ROW_ERROR_CODES, required: true },
    value: { type: String, default: null },
    duplicateOf: { type: Number, default: undefined },
  },
  { _id: false },
);

/** Per-row errors of one job in chunks keyed `<jobId>:<n>`, so they are read back by `_id` alone. */
export const importJobErrorsSchema = new Schema(
  {
    _id: { type: String, required: true },
    rows: { type: [rowErrorSchema], default: [] },
  },
  { versionKey: false },
);

export const importJobModel = (conn: Connection) =>
  conn.model('ImportJob', importJobSchema, 'roster_imports');

export const importJobErrorsModel = (conn: Connection) =>
  conn.model('ImportJobErrors', importJobErrorsSchema, 'roster_import_errors');
