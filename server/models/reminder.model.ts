import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** A recurring reminder staff scheduled; a small collection the scheduler reads every minute. */
export const reminderSchema = new Schema(
  {
    communityId: { type: Schema.Types.ObjectId, required: true },
    number: { type: Number, required: true },
    text: { type: String, required: true },
    /** Platform-independent group ids (`groups._id`); empty means every group of the community. */
    groupIds: { type: [Schema.Types.ObjectId], default: [] },
    cron: { type: String, required: true },
    timezone: { type: String, required: true },
    /** The occurrence to fire next; the claim compares it, so only one process fires each one. */
    nextRunAt: { type: Date, default: null },
    lastRunAt: { type: Date, default: null },
    active: { type: Boolean, default: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
reminderSchema.index({ communityId: 1, number: 1 }, { unique: true });
reminderSchema.index({ active: 1, nextRunAt: 1 });

export type ReminderDoc = InferSchemaType<typeof reminderSchema>;

export const reminderModel = (conn: Connection) => conn.model('Reminder', reminderSchema, 'reminders');
