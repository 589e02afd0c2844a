import { Schema, type Connection } from 'mongoose';
import { PARTIES, REPORT_STATES, SERVICE_TYPES } from '../../shared/schemas/report.js';
import { CATEGORIES } from '../../shared/categories.js';

/**
 * A report (ticket). `_id` is its number (R1024 → 1024), global across communities, so every lookup
 * (by number, Open311 id, pages by number range) is a read by `_id`, the one FerretDB does not scan for.
 */
export const reportSchema = new Schema(
  {
    // A string: FerretDB 1.24 scans the collection for a numeric `_id` (see report.repository.ts).
    _id: { type: String, required: true },
    communityId: { type: String, required: true },
    scopeId: { type: String, required: true },
    address: { type: String, default: '' },
    lat: { type: Number, default: null },
    long: { type: Number, default: null },
    serviceType: { type: String, enum: SERVICE_TYPES, required: true },
    category: { type: String, enum: CATEGORIES, required: true },
    party: { type: String, enum: PARTIES, required: true },
    escalations: { type: Number, default: 0 },
    state: { type: String, enum: REPORT_STATES, required: true },
    description: { type: String, required: true },
    reporterId: { type: String, default: null },
    reporterName: { type: String, default: '' },
    /** Open311 submitters without an account: contact fields as the spec names them. */
    contact: { type: Schema.Types.Mixed, default: null },
    /** Where it came from, so updates go back to the same group. */
    origin: { type: Schema.Types.Mixed, default: null },
    photoIds: [{ type: String }],
    mediaUrl: { type: String, default: null },
    history: [
      {
        _id: false,
        at: Date,
        from: { type: String, default: null },
        to: String,
        by: String,
        note: String,
        party: { type: String, default: null },
      },
    ],
    duplicateOf: { type: Number, default: null },
    dueAt: { type: Date, default: null },
    resolvedAt: { type: Date, default: null },
    /** Bumped by every change; changes are conditional on it so two staff never overwrite each other. */
    version: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);

/**
 * Summaries of 100 consecutive reports, keyed by `number / 100`, one field per report: lists read a
 * page with one or a few reads by `_id` and filter in code instead of scanning the reports.
 */
export const reportBucketSchema = new Schema(
  { _id: { type: String, required: true }, e: { type: Schema.Types.Mixed, default: {} } },
  { minimize: false, versionKey: false },
);

/** The numbers a resident filed: "my reports" is one read. */
export const reportMineSchema = new Schema(
  { _id: { type: String, required: true }, numbers: [{ type: Number }] },
  { versionKey: false },
);

/** Timers (SLA, "is it fixed?" follow-up), small because only open work has one; claimed by delete. */
export const reportTimerSchema = new Schema(
  {
    _id: { type: String, required: true },
    number: { type: Number, required: true },
    kind: { type: String, enum: ['sla', 'followUp'], required: true },
    dueAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** Per community: which party handles each service type in a scope, and the SLA hours. */
export const reportRoutingSchema = new Schema(
  {
    _id: { type: String, required: true },
    rules: [{ _id: false, serviceType: String, scope: String, party: String }],
    slaHours: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, versionKey: false },
);

/** A stored photo's metadata; the bytes live in the photo storage. */
export const reportPhotoSchema = new Schema(
  {
    reportNumber: { type: Number, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    key: { type: String, required: true },
  },
  { timestamps: true },
);

/**
 * Short-lived chat state keyed by `<kind>:<channel>:<group>:<sender>`: a report waiting for "yes", the
 * report that photos attach to, and `source:<messageKey>` so a retried message never files twice.
 */
export const reportPendingSchema = new Schema(
  {
    _id: { type: String, required: true },
    text: { type: String, default: '' },
    number: { type: Number, default: null },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** Open311 API keys issued by admins; only the SHA-256 of a key is stored. */
export const open311KeySchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    communityId: { type: String, required: true },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);

export const reportModels = (conn: Connection) => ({
  report: conn.model('Report', reportSchema, 'reports'),
  reportBucket: conn.model('ReportBucket', reportBucketSchema, 'report_buckets'),
  reportMine: conn.model('ReportMine', reportMineSchema, 'report_mine'),
  reportTimer: conn.model('ReportTimer', reportTimerSchema, 'report_timers'),
  reportRouting: conn.model('ReportRouting', reportRoutingSchema, 'report_routing'),
  reportPhoto: conn.model('ReportPhoto', reportPhotoSchema, 'report_photos'),
  reportPending: conn.model('ReportPending', reportPendingSchema, 'report_pending'),
  open311Key: conn.model('Open311Key', open311KeySchema, 'open311_keys'),
});
