import { z } from 'zod';

/** Channels a message can come from; adapters live in bot/adapters/<channel>/. */
export const CHANNELS = ['wechat', 'wecom', 'dingtalk', 'simulator'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Longest inline image URL a message may carry (about 180 KB of image), under the gateway's 256 KB body. */
export const MAX_INLINE_IMAGE_URL = 240_000;

export const attachmentSchema = z.object({
  kind: z.enum(['image', 'file', 'audio', 'video']),
  /**
   * Where the gateway can fetch the bytes, or an adapter-specific reference; or the image itself as a
   * `data:image/…;base64,` URL when the adapter can read it and it fits the gateway's body limit.
   */
  url: z.union([
    z.string().max(2048),
    z
      .string()
      .max(MAX_INLINE_IMAGE_URL)
      .regex(/^data:image\/[\w.+-]+;base64,/),
  ]),
  name: z.string().max(256).optional(),
  size: z.number().int().nonnegative().optional(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

/** A platform message normalised by a channel adapter. */
export const inboundMessageSchema = z.object({
  channel: z.enum(CHANNELS),
  /** Adapter account that received it (one adapter may run several bot accounts). */
  accountId: z.string().min(1).max(128),
  channelMessageId: z.string().min(1).max(256),
  groupId: z.string().max(256).nullable(),
  groupName: z.string().max(256).nullable(),
  senderId: z.string().min(1).max(256),
  senderName: z.string().max(256),
  text: z.string().max(20_000),
  mentionsBot: z.boolean(),
  attachments: z.array(attachmentSchema).max(20),
  receivedAt: z.iso.datetime(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export const outboundContentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().min(1) }),
  z.object({ kind: z.literal('markdown'), title: z.string(), markdown: z.string().min(1) }),
  z.object({
    kind: z.literal('link'),
    title: z.string(),
    description: z.string(),
    url: z.string(),
  }),
  z.object({ kind: z.literal('image'), url: z.string() }),
]);
export type OutboundContent = z.infer<typeof outboundContentSchema>;

/** What the server asks an adapter to send. */
export const outboundMessageSchema = z.object({
  channel: z.enum(CHANNELS),
  accountId: z.string(),
  /** Group to post in; null for a private message to the first mention. */
  groupId: z.string().nullable(),
  content: outboundContentSchema,
  /** Platform ids of people to @-mention, where the platform allows it. */
  mentions: z.array(z.string()),
  /** The inbound message this answers, if any. */
  replyTo: z.string().nullable(),
});
export type OutboundMessage = z.infer<typeof outboundMessageSchema>;

/** What an adapter can do; the delivery side degrades content to fit. */
export interface ChannelCapabilities {
  markdown: boolean;
  linkCard: boolean;
  image: boolean;
  mentions: boolean;
  /** Whether the bot sees every group message or only those that @-mention it. */
  seesAllGroupMessages: boolean;
  /** Longest text the platform accepts in one message. */
  maxTextLength: number;
}

/** Someone joined or left a group the bot is in (Wechaty's room-join / room-leave), normalised. */
export const membershipEventSchema = z.object({
  channel: z.enum(CHANNELS),
  accountId: z.string().min(1).max(128),
  /** Stable for one platform event, so a redelivery is recognised. */
  eventId: z.string().min(1).max(512),
  groupId: z.string().min(1).max(256),
  groupName: z.string().max(256).nullable(),
  kind: z.enum(['join', 'leave']),
  members: z
    .array(z.object({ id: z.string().min(1).max(256), name: z.string().max(256) }))
    .min(1)
    .max(500),
  at: z.iso.datetime(),
});
export type MembershipEvent = z.infer<typeof membershipEventSchema>;
