import { z } from 'zod';

export const MAX_NOTICE_LENGTH = 1000;
export const NOTICE_CODE_PREFIX = 'N';
export const noticeNumber = (number: number) => `${NOTICE_CODE_PREFIX}${number}`;
/** The short link's code: URL-safe, long enough that links cannot be guessed. */
export const noticeCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/);

const noticeText = z.string().trim().min(1).max(MAX_NOTICE_LENGTH);

/** `POST /api/notices`: `scope` is a scope id (the community's id, or a compound or building below it). */
export const sendNoticeSchema = z.object({
  scope: z.string().regex(/^[0-9a-f]{24}(\/[^/]{1,64}){0,2}$/),
  text: noticeText,
  translations: z
    .object({ 'zh-CN': noticeText.optional(), 'zh-TW': noticeText.optional(), en: noticeText.optional() })
    .strict()
    .optional(),
  /** Only these groups of the scope; all of them when absent. */
  groupIds: z
    .array(z.string().regex(/^[0-9a-f]{24}$/))
    .min(1)
    .max(500)
    .optional(),
});
export type SendNoticeInput = z.infer<typeof sendNoticeSchema>;

export const noticeIdParamSchema = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/) });
export const noticeCodeParamSchema = z.object({ code: noticeCodeSchema });

export const deliveryCountsSchema = z.object({
  queued: z.number(),
  sent: z.number(),
  failed: z.number(),
});

export const noticeViewSchema = z.object({
  id: z.string(),
  number: z.string(),
  code: z.string(),
  scope: z.string(),
  text: z.string(),
  createdAt: z.string(),
  followedUp: z.boolean(),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      channel: z.string(),
      state: z.enum(['queued', 'sent', 'failed', 'unknown']),
    }),
  ),
  progress: deliveryCountsSchema,
});
export type NoticeView = z.infer<typeof noticeViewSchema>;

export const noticeListSchema = z.object({ items: z.array(noticeViewSchema) });
export type NoticeList = z.infer<typeof noticeListSchema>;

/** The ack page's view: what a resident reads before tapping 收到. */
export const noticePublicViewSchema = z.object({
  number: z.string(),
  text: z.string(),
  createdAt: z.string(),
  acknowledged: z.boolean(),
});
export type NoticePublicView = z.infer<typeof noticePublicViewSchema>;

export const noticeAckResultSchema = z.object({ acknowledged: z.literal(true), duplicate: z.boolean() });
export type NoticeAckResult = z.infer<typeof noticeAckResultSchema>;

export const noticeAckReportSchema = z.object({
  notice: z.string(),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      read: z.number(),
      unread: z.number(),
      households: z.array(z.object({ id: z.string(), address: z.string(), read: z.boolean() })),
    }),
  ),
  read: z.number(),
  unread: z.number(),
});
export type NoticeAckReport = z.infer<typeof noticeAckReportSchema>;

export const followUpResultSchema = z.object({ groups: z.number(), duplicate: z.boolean() });
export type FollowUpResult = z.infer<typeof followUpResultSchema>;

/** How far ahead a notice may be scheduled. */
export const MAX_SCHEDULE_DAYS = 366;

/** `POST /api/notices/scheduled`: stored, and sent once at `sendAt` by the scheduler. */
export const scheduleNoticeSchema = sendNoticeSchema.extend({ sendAt: z.iso.datetime({ offset: true }) });
export type ScheduleNoticeInput = z.infer<typeof scheduleNoticeSchema>;

export const NOTICE_PLATFORMS = ['wechat', 'wecom', 'dingtalk'] as const;
export type NoticePlatform = (typeof NOTICE_PLATFORMS)[number];

/** What the compose page may pick from: the places and groups inside the staff member's scopes. */
export const noticeTargetsSchema = z.object({
  scopes: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['community', 'compound', 'building']),
      name: z.string(),
    }),
  ),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      channel: z.string(),
      language: z.string(),
      scope: z.string(),
    }),
  ),
});
export type NoticeTargets = z.infer<typeof noticeTargetsSchema>;

/** One platform's rendering of the notice, as its renderer will post it. */
export const noticePreviewItemSchema = z.object({
  platform: z.enum(NOTICE_PLATFORMS),
  language: z.string(),
  /** The platform's message type: WeChat bubbles are plain text; robots take text or markdown. */
  format: z.enum(['text', 'markdown']),
  body: z.string(),
  truncated: z.boolean(),
  /** Target groups on this platform in this language (simulator groups count as WeChat). */
  groups: z.number(),
});
export const noticePreviewSchema = z.object({
  groups: z.array(z.object({ id: z.string(), name: z.string(), channel: z.string(), language: z.string() })),
  items: z.array(noticePreviewItemSchema),
});
export type NoticePreview = z.infer<typeof noticePreviewSchema>;

export const scheduledNoticeViewSchema = z.object({
  id: z.string(),
  scope: z.string(),
  text: z.string(),
  sendAt: z.string(),
  status: z.enum(['scheduled', 'sent', 'cancelled', 'refused']),
  groups: z.number(),
  /** The notice it became, once sent. */
  noticeId: z.string().nullable(),
  createdAt: z.string(),
});
export type ScheduledNoticeView = z.infer<typeof scheduledNoticeViewSchema>;
export const scheduledNoticeListSchema = z.object({ items: z.array(scheduledNoticeViewSchema) });
export type ScheduledNoticeList = z.infer<typeof scheduledNoticeListSchema>;

/** The detail page: the notice, its delivery per group, and who has acknowledged it. */
export const noticeDetailSchema = z.object({
  notice: noticeViewSchema,
  report: z.object({
    groups: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        read: z.number(),
        unread: z.number(),
        households: z.array(
          z.object({
            id: z.string(),
            address: z.string(),
            read: z.boolean(),
            at: z.string().nullable(),
            by: z.string().nullable(),
          }),
        ),
      }),
    ),
    read: z.number(),
    unread: z.number(),
  }),
});
export type NoticeDetail = z.infer<typeof noticeDetailSchema>;
