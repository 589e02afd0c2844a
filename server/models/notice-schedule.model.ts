import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { LANGUAGES } from '../../shared/i18n/index.js';

export const NOTICE_SCHEDULE_STATUSES = ['scheduled', 'sent', 'cancelled', 'refused'] as const;

/**
 * A notice staff asked to send later; a small collection the scheduler reads every minute. `nextRunAt`
 * is the instant while it waits and null once claimed or cancelled; the claim itself is a unique
 * insert into `reminder_runs`, as for reminders.
 */
export const noticeScheduleSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    scopeId: { type: String, required: true },
    text: { type: String, required: true },
    translations: [{ _id: false, language: { type: String, enum: LANGUAGES }, text: String }],
    /** The groups picked on the compose page; empty means every group of the scope at send time. */
    groupIds: { type: [String], default: [] },
    sendAt: { type: Date, required: true },
    nextRunAt: { type: Date, default: null },
    /** When a process last claimed it; a claim this old with nothing sent is taken over (the process died). */
    claimedAt: { type: Date, default: null },
    status: { type: String, enum: NOTICE_SCHEDULE_STATUSES, default: 'scheduled' },
    /** Origin of the short link, taken from the request that scheduled it. */
    origin: { type: String, default: null },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    noticeId: { type: String, default: null },
  },
  { timestamps: true },
);
noticeScheduleSchema.index({ status: 1, nextRunAt: 1 });

export type NoticeScheduleDoc = InferSchemaType<typeof noticeScheduleSchema>;

export const noticeScheduleModel = (conn: Connection) =>
  conn.model('NoticeSchedule', noticeScheduleSchema, 'notice_schedules');
