import { Schema, type Connection } from 'mongoose';
import { PARTIES, REPORT_STATES, SERVICE_TYPES } from '../../shared/schemas/report.js';
import { CATEGORIES } from '../../shared/categories.js';

/**
 * A report (ticket). `_id` is its number (R1024 → "1024"), global across communities. Tickets live in
 * shards of `TICKET_SHARD` numbers (`reports_<n / TICKET_SHARD>`, see reportShards): FerretDB 1.24 reads
 * the whole collection for every query, `_id` lookups included, so a lookup costs what its shard holds.
 */
export const reportSchema = new Schema(
  {
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
 * One chunk of one list (e.g. "community X, state in_progress"): the summaries of the list's reports
 * whose numbers fall in the chunk, one JSON string per report under `e.<number>`.
 */
export const reportListChunkSchema = new Schema(
  { _id: { type: String, required: true }, e: { type: Schema.Types.Mixed, default: {} } },
  { minimize: false, versionKey: false, autoCreate: false, autoIndex: false },
);

/** Which chunks of a list hold (or once held) entries, so a sparse list is read without gaps. */
export const reportListDirectorySchema = new Schema(
  { _id: { type: String, required: true }, k: [{ type: Number }] },
  { versionKey: false, autoCreate: false, autoIndex: false },
);

/**
 * Small bookkeeping documents: `top` (highest number, first day), `dirty` (reports whose lists are being
 * rewritten: readers take those from the ticket itself) and `layout`.
 */
export const reportMetaSchema = new Schema(
  {
    _id: { type: String, required: true },
    top: { type: Number, default: 0 },
    /** The first day anything was filed (YYYYMMDD); no default, so `$min` starts from the first value. */
    firstDay: { type: Number },
    d: { type: Schema.Types.Mixed, default: {} },
  },
  { minimize: false, versionKey: false },
);

/**
 * The numbers filed per UTC day (`_id` `YYYY-MM`, `d.<DD>` = {lo, hi}) and per month (`_id` `YYYY`,
 * `d.<MM>`), so a date window becomes a number range in a few reads.
 */
export const reportDaySchema = new Schema(
  { _id: { type: String, required: true }, d: { type: Schema.Types.Mixed, default: {} } },
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
  /** The single collection of the first layout; only the migration (ReportRepository.migrate) reads it. */
  reportLegacy: conn.model('ReportLegacy', reportSchema, 'reports'),
  reportMeta: conn.model('ReportMeta', reportMetaSchema, 'report_meta'),
  reportDay: conn.model('ReportDay', reportDaySchema, 'report_days'),
  reportMine: conn.model('ReportMine', reportMineSchema, 'report_mine'),
  reportTimer: conn.model('ReportTimer', reportTimerSchema, 'report_timers'),
  reportRouting: conn.model('ReportRouting', reportRoutingSchema, 'report_routing'),
  reportPhoto: conn.model('ReportPhoto', reportPhotoSchema, 'report_photos'),
  reportPending: conn.model('ReportPending', reportPendingSchema, 'report_pending'),
  open311Key: conn.model('Open311Key', open311KeySchema, 'open311_keys'),
});

// Made on first use, often mid-request: no createCollection round trip (the first write creates it).
const shardSchema = reportSchema.clone().set('autoCreate', false).set('autoIndex', false);
const ticketModel = (conn: Connection, collection: string) => conn.model(collection, shardSchema, collection);
const chunkModel = (conn: Connection, collection: string) =>
  conn.model(collection, reportListChunkSchema, collection);
const directoryModel = (conn: Connection, collection: string) =>
  conn.model(collection, reportListDirectorySchema, collection);
export type ReportTicketModel = ReturnType<typeof ticketModel>;
export type ReportChunkModel = ReturnType<typeof chunkModel>;
export type ReportDirectoryModel = ReturnType<typeof directoryModel>;

/**
 * Models of the collections reports are spread over, made on first use: tickets by number
 * (`reports_<shard>`), list chunks by list kind and number segment (`report_lists_<kind>_<segment>`),
 * list directories by kind (`report_dirs_<kind>`). Small collections because FerretDB 1.24 reads a whole
 * collection for any query (see ReportRepository).
 */
export function reportShards(conn: Connection) {
  const get = <M>(collection: string, make: (conn: Connection, collection: string) => M): M =>
    (conn.models[collection] as M | undefined) ?? make(conn, collection);
  return {
    tickets: (shard: number): ReportTicketModel => get(`reports_${shard}`, ticketModel),
    chunks: (kind: string, segment: number): ReportChunkModel =>
      get(`report_lists_${kind}_${segment}`, chunkModel),
    directories: (kind: string): ReportDirectoryModel => get(`report_dirs_${kind}`, directoryModel),
  };
}
