import { z } from 'zod';
import type { InboundMessage } from '../../../shared/messages.js';

/** What a decrypted callback turns into: a message to hand on, or a kind the bot does not handle. */
export type Normalised = { message: InboundMessage; responseUrl: string | null } | { ignored: string };

export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMessageError';
  }
}

const MAX_TEXT = 20_000;
const MAX_ID = 256;
const SPACES = /^[\s\u2005]+/;

function isoFromSeconds(value: string | undefined, now: number): string {
  const seconds = value && /^\d{1,12}$/.test(value) ? Number(value) : NaN;
  return new Date(Number.isFinite(seconds) ? seconds * 1000 : now).toISOString();
}

function id(value: string | undefined, what: string): string {
  const trimmed = value?.trim() ?? '';
  if (!trimmed || trimmed.length > MAX_ID) throw new MalformedMessageError(`missing or overlong ${what}`);
  return trimmed;
}

/**
 * The app callback's inner XML (接收消息): text and image messages from a member to the app. A chat id
 * is taken when present; otherwise it is the member's private chat with the app, addressed to the bot.
 */
export function normaliseAppMessage(
  fields: ReadonlyMap<string, string>,
  accountId: string,
  now: number,
): Normalised {
  const type = fields.get('MsgType') ?? '';
  if (type !== 'text' && type !== 'image') return { ignored: `app ${type || 'unknown'} message` };
  const senderId = id(fields.get('FromUserName'), 'FromUserName');
  const chatId = fields.get('ChatId')?.trim() || null;
  const picUrl = fields.get('PicUrl')?.trim() ?? '';
  if (type === 'image' && !picUrl) throw new MalformedMessageError('image without PicUrl');
  return {
    responseUrl: null,
    message: {
      channel: 'wecom',
      accountId,
      channelMessageId: id(fields.get('MsgId'), 'MsgId'),
      groupId: chatId && chatId.length <= MAX_ID ? chatId : null,
      groupName: null,
      senderId,
      senderName: senderId,
      text: type === 'text' ? (fields.get('Content') ?? '').slice(0, MAX_TEXT) : '',
      mentionsBot: true,
      attachments: type === 'image' ? [{ kind: 'image', url: picUrl.slice(0, 2048) }] : [],
      receivedAt: isoFromSeconds(fields.get('CreateTime'), now),
    },
  };
}

const robotMessageSchema = z.object({
  msgid: z.string().min(1).max(MAX_ID),
  chatid: z.string().max(MAX_ID).optional(),
  chattype: z.string().optional(),
  from: z.object({ userid: z.string().min(1).max(MAX_ID) }),
  response_url: z.string().max(2048).optional(),
  msgtype: z.string(),
  text: z.object({ content: z.string() }).optional(),
});

/**
 * The intelligent robot's decrypted JSON (智能机器人 接收消息). It only hears @-mentions in groups and
 * private chats, so every message is for the bot; the leading `@robot` is removed from the text.
 */
export function normaliseRobotMessage(
  json: unknown,
  accountId: string,
  botNames: readonly string[],
  now: number,
): Normalised {
  const parsed = robotMessageSchema.safeParse(json);
  if (!parsed.success) throw new MalformedMessageError('robot message does not match the documented shape');
  const robot = parsed.data;
  if (robot.msgtype !== 'text') return { ignored: `robot ${robot.msgtype} message` };
  if (!robot.text) throw new MalformedMessageError('robot text message without text');
  const groupId = robot.chattype === 'group' && robot.chatid ? robot.chatid : null;
  return {
    responseUrl: robot.response_url || null,
    message: {
      channel: 'wecom',
      accountId,
      channelMessageId: robot.msgid,
      groupId,
      groupName: null,
      senderId: robot.from.userid,
      senderName: robot.from.userid,
      text: stripLeadingMention(robot.text.content, botNames).slice(0, MAX_TEXT),
      mentionsBot: true,
      attachments: [],
      receivedAt: new Date(now).toISOString(),
    },
  };
}

/**
 * Removes a leading `@name` (one of `botNames`, which may contain spaces or run into the text), or,
 * when no names are known, the first leading `@word`; other text is returned as it was.
 */
export function stripLeadingMention(text: string, botNames: readonly string[]): string {
  const rest = text.replace(SPACES, '');
  if (!rest.startsWith('@')) return text;
  const names = botNames.map((n) => n.trim()).filter(Boolean);
  let end: number;
  if (names.length > 0) {
    const lower = rest.toLowerCase();
    const name = names
      .sort((a, b) => b.length - a.length)
      .find((n) => lower.startsWith(`@${n.toLowerCase()}`));
    if (!name) return text;
    end = 1 + name.length;
  } else {
    const space = rest.search(/[\s\u2005]/);
    end = space < 0 ? rest.length : space;
  }
  return rest.slice(end).replace(SPACES, '');
}
