import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ScanStatus, WechatyBuilder, qrcodeValueToImageUrl, types } from 'wechaty';
import type { Contact, Message, OfficialPuppetNpmName, Room, Wechaty, WechatyOptions } from 'wechaty';
import {
  MAX_INLINE_IMAGE_URL,
  type ChannelCapabilities,
  type InboundMessage,
  type MembershipEvent,
  type OutboundMessage,
} from '../../../shared/messages.js';
import type { ChannelAdapter, Pacing, SendResult } from '../../runtime/adapter.js';
import type { BotLogger } from '../../runtime/bot.js';
import { renderForWechat, textMentionsAny } from './render.js';

export { renderForWechat, stripMarkdown, textMentionsAny } from './render.js';

/** A Wechaty puppet instance (tests inject `new PuppetMock({ mocker })`). */
export type PuppetInstance = Exclude<NonNullable<WechatyOptions['puppet']>, string>;

export interface WechatyAdapterOptions {
  accountId: string;
  /** Puppet npm name (the caller reads `WECHATY_PUPPET`) or a puppet instance; Wechaty's default when unset. */
  puppet?: string | PuppetInstance;
  /** `WECHATY_PUPPET_SERVICE_TOKEN`; handed to a named puppet, never logged. */
  puppetToken?: string;
  /** Pause between two sends; the delivery loop draws from it, the adapter enforces the minimum. */
  pacing?: Pacing;
  /** Names residents type after `@` for this bot; the account's WeChat name is added after login. */
  botNames?: string[];
  /** How long start() waits for the account to log in (a person may have to scan a QR code). */
  loginTimeoutMs?: number;
  /** Directory for Wechaty's memory card (keeps the login session across restarts); in memory when unset. */
  memoryDir?: string;
  log: BotLogger;
}

/** Personal accounts get banned for bursts (DESIGN.md, Channels). */
export const DEFAULT_WECHAT_PACING: Pacing = { minDelayMs: 3_000, maxDelayMs: 6_000 };
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;
/** Prefix of an image attachment reference: the gateway asks this adapter for the bytes by message id. */
export const WECHATY_MESSAGE_REF = 'wechaty-message:';

const MAX_INBOUND_TEXT = 20_000;
const MAX_NAME = 256;

type SendFailure = Extract<SendResult, { ok: false }>;

class StoppedError extends Error {
  constructor() {
    super('wechat adapter not running');
  }
}

/**
 * WeChat personal accounts through Wechaty 1.x. The bot reads every message of its groups, so every
 * text (and image) message is normalised and handed on; the gateway decides what is for the bot.
 */
export class WechatyAdapter implements ChannelAdapter {
  readonly channel = 'wechat' as const;
  readonly accountId: string;
  readonly pacing: Pacing;
  readonly capabilities: ChannelCapabilities = {
    markdown: false,
    linkCard: false,
    image: false,
    mentions: true,
    seesAllGroupMessages: true,
    // Conservative: phones fold long bubbles, and some puppets reject very long texts.
    maxTextLength: 2_000,
  };

  private readonly options: WechatyAdapterOptions;
  private readonly log: BotLogger;
  private bot: Wechaty | null = null;
  private lifecycle = new AbortController();
  private sendQueue: Promise<unknown> = Promise.resolve();
  private lastSentAt = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly membershipListeners: ((event: MembershipEvent) => void)[] = [];

  constructor(options: WechatyAdapterOptions) {
    this.options = options;
    this.accountId = options.accountId;
    this.log = options.log;
    this.pacing = options.pacing ?? DEFAULT_WECHAT_PACING;
  }

  async start(onMessage: (message: InboundMessage) => void): Promise<void> {
    if (this.bot) throw new Error(`wechat adapter ${this.accountId} already started`);
    this.lifecycle = new AbortController();
    const bot = await this.build();
    this.bot = bot;

    bot.on('scan', (qrcode, status) => {
      const ctx = { account: this.accountId, status: ScanStatus[status] };
      if (qrcode && (status === ScanStatus.Waiting || status === ScanStatus.Timeout)) {
        this.log.info({ ...ctx, qrcodeUrl: qrcodeValueToImageUrl(qrcode) }, 'scan the QR code to log in');
      } else {
        this.log.info(ctx, 'login QR code status');
      }
    });
    bot.on('login', (user) => this.log.info({ account: this.accountId, user: user.id }, 'wechat logged in'));
    bot.on('logout', (user) => {
      // stop() logs out too; only an unexpected logout (kicked, session expired) deserves a warning.
      if (!this.lifecycle.signal.aborted)
        this.log.warn({ account: this.accountId, user: user.id }, 'wechat logged out');
    });
    // Without a listener Wechaty's `error` event would throw; lookups of unknown ids land here too.
    bot.on('error', (err) => this.log.warn({ err, account: this.accountId }, 'wechaty error'));
    bot.on('message', (message) => {
      if (this.lifecycle.signal.aborted) return;
      const handling = this.handle(message, onMessage).catch((err: unknown) =>
        this.log.error({ err, account: this.accountId, id: message.id }, 'wechat message not handled'),
      );
      this.inFlight.add(handling);
      void handling.finally(() => this.inFlight.delete(handling));
    });
    bot.on('room-join', (room, invitees, _inviter, date) => this.membership(room, 'join', invitees, date));
    bot.on('room-leave', (room, leavers, _remover, date) => this.membership(room, 'leave', leavers, date));

    const loggedIn = this.waitForLogin(bot);
    try {
      await bot.start();
      await loggedIn;
    } catch (err) {
      loggedIn.catch(() => undefined);
      await this.stop().catch((stopErr: unknown) =>
        this.log.warn({ err: stopErr, account: this.accountId }, 'wechaty did not stop cleanly'),
      );
      throw err;
    }
  }

  onMembership(listener: (event: MembershipEvent) => void): void {
    this.membershipListeners.push(listener);
  }

  /** Who joined or left a group, normalised; the id is the same when Wechaty reports the event again. */
  private membership(room: Room, kind: 'join' | 'leave', contacts: Contact[], date?: Date): void {
    if (this.lifecycle.signal.aborted || contacts.length === 0) return;
    const handling = (async () => {
      const at = date ?? new Date();
      const members = contacts.slice(0, 500).map((c) => ({ id: c.id, name: c.name().slice(0, MAX_NAME) }));
      const ids = members.map((m) => m.id).sort();
      const event: MembershipEvent = {
        channel: this.channel,
        accountId: this.accountId,
        eventId: `${kind}:${room.id}:${at.getTime()}:${ids.join(',')}`.slice(0, 512),
        groupId: room.id,
        groupName: (await room.topic().catch(() => '')).slice(0, MAX_NAME) || null,
        kind,
        members,
        at: at.toISOString(),
      };
      for (const listener of this.membershipListeners) listener(event);
    })().catch((err: unknown) =>
      this.log.error({ err, account: this.accountId, room: room.id }, 'wechat membership event not handled'),
    );
    this.inFlight.add(handling);
    void handling.finally(() => this.inFlight.delete(handling));
  }

  async stop(): Promise<void> {
    this.lifecycle.abort();
    const bot = this.bot;
    this.bot = null;
    if (!bot) return;
    await Promise.allSettled([...this.inFlight]);
    await this.sendQueue;
    await bot.stop();
  }

  /** Sends one at a time and never faster than `pacing.minDelayMs`, whoever calls. */
  send(message: OutboundMessage): Promise<SendResult> {
    const result = this.sendQueue.then(() => this.sendPaced(message));
    this.sendQueue = result.catch(() => undefined);
    return result;
  }

  private async sendPaced(message: OutboundMessage): Promise<SendResult> {
    try {
      await this.pause(this.lastSentAt + this.pacing.minDelayMs - Date.now());
      return await this.deliver(message);
    } catch (err) {
      // Network, puppet restart or adapter stopping: the outbox should try again later.
      return { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async deliver(message: OutboundMessage): Promise<SendResult> {
    const bot = this.running();
    const text = renderForWechat(message.content);

    if (message.groupId === null) {
      const recipientId = message.mentions[0];
      if (!recipientId) return { ok: false, retryable: false, error: 'no recipient for a private message' };
      const contact = await this.findContact(bot, recipientId);
      if (!contact) return await this.missing(bot, 'contact', recipientId);
      this.lastSentAt = Date.now();
      await contact.say(text);
      return { ok: true };
    }

    const room = await bot.Room.find({ id: message.groupId });
    if (!room) return await this.missing(bot, 'room', message.groupId);
    const found = await Promise.all(message.mentions.map((id) => this.findContact(bot, id)));
    const mentions = found.filter((c): c is Contact => c !== undefined);
    this.lastSentAt = Date.now();
    await room.say(text, ...mentions);
    return { ok: true };
  }

  /** Wechaty returns undefined for unknown ids and for puppet hiccups alike; only the former is final. */
  private async missing(bot: Wechaty, kind: 'room' | 'contact', id: string): Promise<SendFailure> {
    const ids = await (kind === 'room' ? bot.puppet.roomList() : bot.puppet.contactList()).catch(() => null);
    if (ids && !ids.includes(id)) return { ok: false, retryable: false, error: `${kind} not found` };
    return { ok: false, retryable: true, error: `${kind} ${id} could not be loaded` };
  }

  private findContact(bot: Wechaty, id: string): Promise<Contact | undefined> {
    return bot.Contact.find({ id }).catch(() => undefined);
  }

  private async handle(message: Message, onMessage: (message: InboundMessage) => void): Promise<void> {
    if (message.self()) return;
    const type = message.type();
    const isImage = type === types.Message.Image;
    if (type !== types.Message.Text && !isImage) return;

    const talker = message.talker();
    const room = message.room() ?? null;
    const text = isImage ? '' : message.text();
    let groupName: string | null = null;
    let senderName = talker.name();
    let mentionsBot = false;
    if (room) {
      groupName = await room.topic();
      senderName = (await room.alias(talker).catch(() => undefined)) || senderName;
      mentionsBot = (await message.mentionSelf()) || textMentionsAny(text, await this.botNames(room));
    }
    const imageUrl = isImage ? await this.imageUrl(message) : null;
    if (this.lifecycle.signal.aborted) return;

    onMessage({
      channel: this.channel,
      accountId: this.accountId,
      channelMessageId: message.id,
      groupId: room?.id ?? null,
      groupName: groupName?.slice(0, MAX_NAME) ?? null,
      senderId: talker.id,
      senderName: senderName.slice(0, MAX_NAME),
      text: text.slice(0, MAX_INBOUND_TEXT),
      mentionsBot,
      attachments: imageUrl ? [{ kind: 'image', url: imageUrl }] : [],
      receivedAt: message.date().toISOString(),
    });
  }

  /** The image inline when it fits through the gateway (so a report can keep it), else a reference. */
  private async imageUrl(message: Message): Promise<string> {
    const reference = `${WECHATY_MESSAGE_REF}${message.id}`;
    try {
      const box = await message.toFileBox();
      const type = box.mediaType.startsWith('image/') ? box.mediaType : 'image/jpeg';
      const url = `data:${type};base64,${await box.toBase64()}`;
      return url.length <= MAX_INLINE_IMAGE_URL ? url : reference;
    } catch {
      return reference;
    }
  }

  /** Configured names, the account's WeChat name and its alias in this group. */
  private async botNames(room: Room): Promise<string[]> {
    const names = [...(this.options.botNames ?? [])];
    const bot = this.bot;
    if (bot?.isLoggedIn) {
      names.push(bot.currentUser.name());
      const alias = await room.alias(bot.currentUser).catch(() => undefined);
      if (alias) names.push(alias);
    }
    return names;
  }

  private async build(): Promise<Wechaty> {
    const { puppet, puppetToken, memoryDir } = this.options;
    // A named Wechaty keeps its memory card in `<name>.memory-card.json`; unnamed, it stays in memory.
    let name: string | undefined;
    if (memoryDir) {
      await mkdir(memoryDir, { recursive: true });
      name = path.resolve(memoryDir, this.accountId.replace(/[^\w.-]/g, '_'));
    }
    if (typeof puppet === 'string' || puppet === undefined) {
      this.log.info({ account: this.accountId, puppet: puppet ?? 'wechaty default' }, 'starting wechaty');
      return WechatyBuilder.build({
        name,
        // Wechaty types only its official puppet names; any `wechaty-puppet-*` package loads.
        puppet: puppet as OfficialPuppetNpmName | undefined,
        puppetOptions: puppetToken ? { token: puppetToken } : undefined,
      });
    }
    return WechatyBuilder.build({ name, puppet });
  }

  private waitForLogin(bot: Wechaty): Promise<void> {
    const timeoutMs = this.options.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
    const signal = this.lifecycle.signal;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        bot.off('login', onLogin);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onLogin = () => done();
      const onAbort = () => done(new Error(`wechat adapter ${this.accountId} stopped before login`));
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `wechat account ${this.accountId} did not log in within ${formatDuration(timeoutMs)}: ` +
                'scan the QR code logged at info level, or check WECHATY_PUPPET and WECHATY_PUPPET_SERVICE_TOKEN',
            ),
          ),
        timeoutMs,
      );
      bot.on('login', onLogin);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private running(): Wechaty {
    if (!this.bot || this.lifecycle.signal.aborted) throw new StoppedError();
    return this.bot;
  }

  private pause(ms: number): Promise<void> {
    const signal = this.lifecycle.signal;
    if (signal.aborted) return Promise.reject(new StoppedError());
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new StoppedError());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function formatDuration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`;
}
