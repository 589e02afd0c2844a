import { z } from 'zod';
import type { Attachment, InboundMessage } from '../../../shared/messages.js';

/** Prefix of an attachment reference: DingTalk hands out download codes, not URLs, for robot messages. */
export const DINGTALK_DOWNLOAD_REF = 'dingtalk-download:';

const MAX_INBOUND_TEXT = 20_000;
const MAX_NAME = 256;

// DingTalk documents the type as a String ("1" private, "2" group); numbers are taken too, to be lenient.
const conversationType = z.union([
  z.enum(['1', '2']),
  z.literal(1).transform(() => '1' as const),
  z.literal(2).transform(() => '2' as const),
]);

const epochMs = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number),
]);

/**
 * A robot message as DingTalk delivers it, both to the HTTP callback and over Stream mode
 * (机器人接收消息). Unknown fields are dropped.
 */
export const robotMessageSchema = z
  .object({
    msgId: z.string().min(1).max(256),
    msgtype: z.string().min(1).max(64),
    conversationId: z.string().min(1).max(256),
    conversationType,
    conversationTitle: z.string().max(1_024).optional(),
    senderId: z.string().min(1).max(256),
    senderStaffId: z.string().max(256).optional(),
    senderNick: z.string().max(1_024).optional(),
    text: z.object({ content: z.string().max(100_000) }).optional(),
    /** Body of the non-text types (richText, picture, audio, file, video). */
    content: z.unknown().optional(),
    isInAtList: z.boolean().optional(),
    sessionWebhook: z.string().max(2_048).optional(),
    sessionWebhookExpiredTime: epochMs.optional(),
    createAt: epochMs.optional(),
    robotCode: z.string().max(256).optional(),
    chatbotUserId: z.string().max(256).optional(),
  })
  .refine((m) => m.msgtype !== 'text' || m.text !== undefined, {
    path: ['text'],
    message: 'a text message needs text.content',
  });
export type RobotMessage = z.infer<typeof robotMessageSchema>;

const richTextSchema = z.object({
  richText: z
    .array(
      z.object({
        text: z.string().optional(),
        type: z.string().optional(),
        downloadCode: z.string().optional(),
      }),
    )
    .max(200),
});
const pictureSchema = z.object({ downloadCode: z.string().min(1) });
const audioSchema = z.object({ recognition: z.string().optional() });

/** Where replies to this conversation go: a group by its id, a private chat by the person. */
export function conversationKey(groupId: string | null, personId: string): string {
  return groupId === null ? `user:${personId}` : `group:${groupId}`;
}

/** Ids that atUserIds accepts are staff ids; people outside the organisation only have a senderId. */
export function senderIdOf(message: RobotMessage): string {
  return message.senderStaffId || message.senderId;
}

/**
 * Normalises a robot message. Robots receive only messages that @-mention them (or private chats),
 * so every message is for the bot. Returns null for types the bot cannot read (files, videos).
 */
export function toInboundMessage(
  message: RobotMessage,
  accountId: string,
  now = Date.now(),
): InboundMessage | null {
  const { text, attachments } = readBody(message);
  if (!text && attachments.length === 0) return null;
  const isGroup = message.conversationType === '2';
  const createdAt = message.createAt !== undefined && message.createAt > 0 ? message.createAt : now;
  return {
    channel: 'dingtalk',
    accountId,
    channelMessageId: message.msgId,
    groupId: isGroup ? message.conversationId : null,
    groupName: isGroup ? (message.conversationTitle?.slice(0, MAX_NAME) ?? null) : null,
    senderId: senderIdOf(message),
    senderName: (message.senderNick ?? '').slice(0, MAX_NAME),
    text: text.slice(0, MAX_INBOUND_TEXT),
    mentionsBot: true,
    attachments,
    receivedAt: new Date(Math.min(createdAt, 8.64e15)).toISOString(),
  };
}

function readBody(message: RobotMessage): { text: string; attachments: Attachment[] } {
  switch (message.msgtype) {
    case 'text':
      // DingTalk removes the @robot mention but leaves the space that followed it.
      return { text: (message.text?.content ?? '').trim(), attachments: [] };
    case 'richText': {
      const parsed = richTextSchema.safeParse(message.content);
      if (!parsed.success) return { text: '', attachments: [] };
      const parts = parsed.data.richText;
      const text = parts
        .map((p) => p.text ?? '')
        .join('')
        .trim();
      const attachments = parts
        .filter((p) => p.type === 'picture')
        .flatMap((p) => picture(p.downloadCode))
        .slice(0, 20);
      return { text, attachments };
    }
    case 'picture': {
      const parsed = pictureSchema.safeParse(message.content);
      return { text: '', attachments: parsed.success ? picture(parsed.data.downloadCode) : [] };
    }
    case 'audio': {
      // Voice messages come with DingTalk's own speech recognition, which suits residents who do not type.
      const parsed = audioSchema.safeParse(message.content);
      return { text: parsed.success ? (parsed.data.recognition ?? '').trim() : '', attachments: [] };
    }
    default:
      return { text: '', attachments: [] };
  }
}

// A cut reference would be useless, so an oversized one is dropped.
function picture(downloadCode: string | undefined): Attachment[] {
  const url = `${DINGTALK_DOWNLOAD_REF}${downloadCode ?? ''}`;
  return downloadCode && url.length <= 2_048 ? [{ kind: 'image', url }] : [];
}

/** Validation failures as one line for a 400 answer or a log entry. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}
