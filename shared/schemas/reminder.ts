import { z } from 'zod';

const objectId = z.string().regex(/^[a-f0-9]{24}$/);

/** `POST /api/reminders`: a cron expression (5 fields, validated by the server with node-cron). */
export const createReminderBodySchema = z.object({
  communityId: objectId,
  cron: z.string().trim().min(9).max(120),
  timezone: z.string().min(1).max(64).default('Asia/Shanghai'),
  text: z.string().trim().min(1).max(500),
  /** Groups to post in; empty or absent means every group of the community. */
  groupIds: z.array(objectId).max(200).default([]),
});
export type CreateReminderBody = z.infer<typeof createReminderBodySchema>;

/** `GET /api/reminders?communityId=…`. */
export const listRemindersQuerySchema = z.object({ communityId: objectId });
export type ListRemindersQuery = z.infer<typeof listRemindersQuerySchema>;

export const reminderIdParamsSchema = z.object({ id: objectId });

export const reminderViewSchema = z.object({
  id: z.string(),
  code: z.string(),
  text: z.string(),
  cron: z.string(),
  timezone: z.string(),
  groupIds: z.array(z.string()),
  active: z.boolean(),
  /** ISO time of the next occurrence; null when the schedule never matches again. */
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
});
export type ReminderView = z.infer<typeof reminderViewSchema>;

export const reminderListSchema = z.object({ items: z.array(reminderViewSchema) });
export type ReminderList = z.infer<typeof reminderListSchema>;

export const REMINDER_CODE_PREFIX = 'T';
export const reminderCode = (number: number) => `${REMINDER_CODE_PREFIX}${number}`;
