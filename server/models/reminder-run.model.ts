import { Schema, type Connection } from 'mongoose';

/**
 * One claimed occurrence of a reminder, keyed `<reminderId>:<occurrenceISO>`. The unique `_id` is the
 * claim: FerretDB 1.x runs conditional updates as read-modify-write, so two processes could both win an
 * update, but only one insert of a key succeeds. Old rows are removed by the scheduler.
 */
export const reminderRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    reminderId: { type: Schema.Types.ObjectId, required: true },
    occurrence: { type: Date, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
reminderRunSchema.index({ claimedAt: 1 });

export const reminderRunModel = (conn: Connection) =>
  conn.model('ReminderRun', reminderRunSchema, 'reminder_runs');
