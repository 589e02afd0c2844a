import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CATEGORIES } from '../../shared/categories.js';

/**
 * A community event. `seatsLeft` is the capacity invariant: a sign-up takes a seat only by a
 * conditional `$inc` on it (`seatsLeft > 0`), so concurrent sign-ups can never exceed the capacity.
 * `waitSeq` hands out waitlist order the same way.
 */
export const eventSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    number: { type: Number, required: true },
    scopeId: { type: String, required: true },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    place: { type: String, required: true },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    capacity: { type: Number, required: true },
    seatsLeft: { type: Number, required: true },
    waitSeq: { type: Number, default: 0 },
    category: { type: String, enum: CATEGORIES, required: true },
    volunteer: { type: Boolean, default: false },
    serviceMinutes: { type: Number, default: 0 },
    status: { type: String, enum: ['open', 'cancelled'], default: 'open' },
    groupIds: [{ type: String }],
    createdBy: { type: String, required: true },
  },
  { timestamps: true },
);
eventSchema.index({ communityId: 1, number: 1 }, { unique: true });

export type EventDoc = InferSchemaType<typeof eventSchema>;

export const eventModel = (conn: Connection) => conn.model('Event', eventSchema, 'events');

/**
 * One resident's place at one event, `_id` = `<eventId>:<residentId>`: the unique key that makes it one
 * sign-up per resident per event. Cancelling keeps the row (status `cancelled`) so signing up again
 * reuses it.
 */
export const eventSignupSchema = new Schema(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    residentId: { type: String, required: true },
    communityId: { type: String, required: true },
    status: { type: String, enum: ['confirmed', 'waitlisted', 'cancelled'], required: true },
    /** Waitlist order; set when waitlisted. */
    waitSeq: { type: Number, default: null },
    /** Bumped on each sign-up, so messages keyed by it are sent once per sign-up. */
    round: { type: Number, default: 1 },
    /** Where they signed up in chat, so promotions and reminders reach them there. */
    via: {
      _id: false,
      channel: String,
      accountId: String,
      groupId: String,
      platformId: String,
    },
    promotedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
eventSignupSchema.index({ eventId: 1, residentId: 1 }, { unique: true });
eventSignupSchema.index({ eventId: 1, status: 1 });
eventSignupSchema.index({ residentId: 1 });

export const eventSignupModel = (conn: Connection) =>
  conn.model('EventSignup', eventSignupSchema, 'event_signups');

/** One check-in, `_id` = `<eventId>:<residentId>`; insert-only, so points are credited once. */
export const eventCheckinSchema = new Schema(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    residentId: { type: String, required: true },
    communityId: { type: String, required: true },
    via: { type: String, required: true },
    window: { type: Number, required: true },
    /** What the points ledger answered; null until it has. */
    pointsStatus: { type: String, default: null },
    points: { type: Number, default: 0 },
    serviceMinutes: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);
eventCheckinSchema.index({ eventId: 1, residentId: 1 }, { unique: true });
eventCheckinSchema.index({ eventId: 1 });
eventCheckinSchema.index({ residentId: 1 });

export const eventCheckinModel = (conn: Connection) =>
  conn.model('EventCheckin', eventCheckinSchema, 'event_checkins');

/** Every check-in attempt and its outcome: the audit trail for expired, forged and reused codes. */
export const checkinAttemptSchema = new Schema(
  {
    eventId: { type: String, required: true },
    residentId: { type: String, default: null },
    via: { type: String, required: true },
    outcome: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
checkinAttemptSchema.index({ eventId: 1, createdAt: -1 });

export const checkinAttemptModel = (conn: Connection) =>
  conn.model('CheckinAttempt', checkinAttemptSchema, 'event_checkin_attempts');

/** A claimed event reminder, `_id` = `<eventId>:<kind>`: the unique insert that fires it once. */
export const eventReminderRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const eventReminderRunModel = (conn: Connection) =>
  conn.model('EventReminderRun', eventReminderRunSchema, 'event_reminder_runs');
