import { Schema, type Connection } from 'mongoose';

/**
 * One unit on a poll's roll: `_id` is `<pollId>:<unitId>` (a resident, or a household for per-household
 * polls and owners' votes). `b` indexes the poll's electorate buildings; `area` is in hundredths of m².
 */
export const pollElectorSchema = new Schema(
  {
    _id: { type: String, required: true },
    pollId: { type: String, required: true },
    unitId: { type: String, required: true },
    b: { type: Number, required: true },
    area: { type: Number, required: true },
  },
  { versionKey: false },
);

/**
 * The one ballot of a unit: `_id` is `<pollId>:<unitId>` for named polls, `<pollId>:<HMAC(unit)>` for
 * anonymous ones (which then hold no voter id and no time). The `_id` is the unique index that makes it
 * one vote per unit; `version` makes a change of vote a conditional update.
 */
export const voteSchema = new Schema(
  {
    _id: { type: String, required: true },
    pollId: { type: String, required: true },
    choices: { type: [String], required: true },
    version: { type: Number, required: true },
    /** Weight carried into the tally, hundredths of m². */
    area: { type: Number, required: true },
    /** Named polls only. */
    unitId: { type: String },
    residentId: { type: String },
  },
  { versionKey: false },
);

/** "This unit has voted", without what: turnout and reminders read these, never the ballots. */
export const voteMarkerSchema = new Schema(
  {
    _id: { type: String, required: true },
    pollId: { type: String, required: true },
    unitId: { type: String, required: true },
    b: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * Running counters of one poll (`_id` = poll id), updated by `$inc` on the main connection: `units`,
 * `area`, per option `n<L>`/`a<L>` (votes, area), per electorate building `b<i>` (units that voted).
 */
export const pollTallySchema = new Schema(
  { _id: { type: String, required: true } },
  { strict: false, versionKey: false },
);

/** Someone already told why they may not vote in a poll (`_id` = `<pollId>:<who>`): told once. */
export const pollToldSchema = new Schema(
  { _id: { type: String, required: true }, pollId: { type: String, required: true } },
  { versionKey: false },
);

/** A reminder of a poll at a staff-chosen time (`_id` = `<pollId>:<ISO time>`); claimed by `sentAt`. */
export const pollReminderSchema = new Schema(
  {
    _id: { type: String, required: true },
    pollId: { type: String, required: true },
    at: { type: Date, required: true },
    sentAt: { type: Date, default: null },
  },
  { versionKey: false },
);

export const pollElectorModel = (conn: Connection) =>
  conn.model('PollElector', pollElectorSchema, 'poll_electors');
export const voteModel = (conn: Connection) => conn.model('Vote', voteSchema, 'poll_votes');
export const voteMarkerModel = (conn: Connection) =>
  conn.model('VoteMarker', voteMarkerSchema, 'poll_markers');
export const pollTallyModel = (conn: Connection) => conn.model('PollTally', pollTallySchema, 'poll_tallies');
export const pollToldModel = (conn: Connection) => conn.model('PollTold', pollToldSchema, 'poll_told');
export const pollReminderModel = (conn: Connection) =>
  conn.model('PollReminder', pollReminderSchema, 'poll_reminders');
