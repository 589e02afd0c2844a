import { z } from 'zod';
import type { ChannelCapabilities, InboundMessage, OutboundMessage } from '../../../shared/messages.js';
import {
  GROUP_ROBOT_LIMIT,
  type ChannelAdapter,
  type Pacing,
  type SendLimit,
  type SendResult,
} from '../../runtime/adapter.js';
import type { BotLogger } from '../../runtime/bot.js';
import { assertEncodingAesKey } from './wecom-crypto.js';
import { renderForResponseUrl, renderForRobot, TEXT_MAX_BYTES, type RobotPayload } from './wecom-render.js';
import type { WeComCallbackProfile, WeComReceiver } from './wecom-webhook.js';

export { wecomWebhook, WECOM_WEBHOOK_PATH } from './wecom-webhook.js';

/** Group id (the chat's chatid) → that group's robot webhook URL, or nothing when it has none. */
export type RobotResolver = ((
  groupId: string,
) => string | null | undefined | Promise<string | null | undefined>) & {
  /** Webhook URLs of robots added to more than one group: their sends name the group by `chatid`. */
  sharedUrls?: ReadonlySet<string>;
};

export interface WeComAdapterOptions {
  /** Defaults to 'wecom'. */
  accountId?: string;
  /** `WECOM_CORP_ID`: the receive id every app callback must carry. */
  corpId: string;
  /** `WECOM_TOKEN` and `WECOM_AES_KEY`: the app's callback Token and EncodingAESKey. */
  token: string;
  encodingAesKey: string;
  /**
   * The intelligent robot's callback Token and EncodingAESKey (receive id ''), when set up apart from
   * the app's; the app's are used when absent; null refuses robot callbacks.
   */
  robotCallback?: { token: string; encodingAesKey: string } | null;
  robots: RobotResolver;
  /** Names residents type after `@` for the robot; the leading one is removed from message text. */
  botNames?: string[];
  /** Origins sends may go to; WeCom's API by default (tests add their stand-in). */
  allowedOrigins?: string[];
  fetch?: typeof fetch;
  /** Per request to WeCom; defaults to 10 s. */
  timeoutMs?: number;
  now?: () => number;
  log: BotLogger;
}

export const WECOM_API_ORIGIN = 'https://qyapi.weixin.qq.com';
export const ROBOT_WEBHOOK_URL = `${WECOM_API_ORIGIN}/cgi-bin/webhook/send`;
/** A response_url works once within an hour (主动回复消息); a margin covers clocks and queueing. */
export const RESPONSE_URL_TTL_MS = 55 * 60_000;
/** Over the 20 messages a minute a group robot may send. */
export const ERRCODE_RATE_LIMITED = 45009;
/** The webhook key is invalid or the robot was removed from the group. */
export const ERRCODE_INVALID_WEBHOOK = 93000;
const ERRCODE_BUSY = -1;
const MAX_RESPONSE_URLS = 10_000;

/** Turns a robot webhook's `{errcode, errmsg}` into a send result. */
export function classifyRobotResponse(body: unknown): SendResult {
  const errcode = body && typeof body === 'object' && 'errcode' in body ? body.errcode : undefined;
  const errmsg =
    body && typeof body === 'object' && 'errmsg' in body ? String(body.errmsg).slice(0, 200) : '';
  if (errcode === 0) return { ok: true };
  if (typeof errcode !== 'number') {
    return { ok: false, retryable: true, error: 'unexpected answer from WeCom' };
  }
  const error = `wecom errcode ${errcode}: ${errmsg}`;
  if (errcode === ERRCODE_RATE_LIMITED) return { ok: false, retryable: true, retryAfterMs: 60_000, error };
  if (errcode === ERRCODE_BUSY) return { ok: false, retryable: true, error };
  // 93xxx: the robot itself is unusable (bad key, removed, disabled); retrying will not help.
  return { ok: false, retryable: false, error };
}

/** A webhook key or full URL → the URL; anything else → null. */
export function robotWebhookUrl(keyOrUrl: string): string | null {
  const value = keyOrUrl.trim();
  if (/^[\w-]{8,128}$/.test(value)) return `${ROBOT_WEBHOOK_URL}?key=${value}`;
  try {
    const url = new URL(value);
    return url.searchParams.get('key') ? url.toString() : null;
  } catch {
    return null;
  }
}

const robotMapSchema = z.record(z.string().min(1).max(256), z.string().min(1).max(2048));

/**
 * Robots from configuration, e.g. `WECOM_GROUP_ROBOTS='{"wrOgAAAA…":"693a91f6-…","wrOgBBBB…":"https://qyapi…?key=…"}'`:
 * a JSON object from group chatid to webhook key or URL. Throws on anything malformed.
 */
export function robotResolverFromJson(json: string | undefined): RobotResolver {
  const entries = json?.trim() ? robotMapSchema.parse(JSON.parse(json)) : {};
  const urls = new Map<string, string>();
  const seen = new Set<string>();
  const sharedUrls = new Set<string>();
  for (const [groupId, keyOrUrl] of Object.entries(entries)) {
    const url = robotWebhookUrl(keyOrUrl);
    if (!url) throw new Error(`WeCom robot for group ${groupId} is neither a webhook key nor a webhook URL`);
    urls.set(groupId, url);
    if (seen.has(url)) sharedUrls.add(url);
    seen.add(url);
  }
  return Object.assign((groupId: string) => urls.get(groupId) ?? null, { sharedUrls });
}

/**
 * WeCom (企业微信): receives through `wecomWebhook(adapter)` mounted on the server (app callback and
 * intelligent-robot callback), sends through each group's robot webhook, and answers a robot message
 * through its one-shot `response_url` while that is fresh. Robots only hear @-mentions and private chats.
 */
export class WeComAdapter implements ChannelAdapter, WeComReceiver {
  readonly channel = 'wecom' as const;
  readonly accountId: string;
  // Limits are per group robot, not per account: the delivery loop keeps each group under them.
  readonly pacing: Pacing = { minDelayMs: 0, maxDelayMs: 0 };
  /** 20 a minute per robot; a robot added to several groups shares its 20 among them. */
  readonly sendLimit: SendLimit = {
    ...GROUP_ROBOT_LIMIT,
    key: (message) => this.limitKey(message),
  };
  readonly capabilities: ChannelCapabilities = {
    markdown: true,
    linkCard: false,
    image: false,
    mentions: true,
    seesAllGroupMessages: false,
    // Text may have 2048 bytes of UTF-8 and a Chinese character takes 3; longer is cut on a character.
    maxTextLength: Math.floor(TEXT_MAX_BYTES / 3),
  };
  readonly callbackProfiles: readonly WeComCallbackProfile[];
  readonly botNames: readonly string[];
  readonly log: BotLogger;

  private readonly options: WeComAdapterOptions;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly allowedOrigins: Set<string>;
  private readonly responseUrls = new Map<string, { url: string; expiresAt: number }>();
  private onMessage: ((message: InboundMessage) => void) | null = null;

  constructor(options: WeComAdapterOptions) {
    if (!options.corpId.trim()) throw new Error('WeCom needs the CorpID (WECOM_CORP_ID)');
    if (!options.token.trim()) throw new Error('WeCom needs the callback Token (WECOM_TOKEN)');
    assertEncodingAesKey(options.encodingAesKey);
    if (options.robotCallback) assertEncodingAesKey(options.robotCallback.encodingAesKey);
    this.options = options;
    this.accountId = options.accountId ?? 'wecom';
    this.log = options.log;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.botNames = options.botNames ?? [];
    this.allowedOrigins = new Set(
      (options.allowedOrigins ?? [WECOM_API_ORIGIN]).map((o) => new URL(o).origin),
    );
    const profiles: WeComCallbackProfile[] = [
      {
        kind: 'app',
        token: options.token,
        encodingAesKey: options.encodingAesKey,
        receiveId: options.corpId,
      },
    ];
    if (options.robotCallback !== null) {
      const robot = options.robotCallback ?? options;
      profiles.push({
        kind: 'robot',
        token: robot.token,
        encodingAesKey: robot.encodingAesKey,
        receiveId: '',
      });
    }
    this.callbackProfiles = profiles;
  }

  get accepting(): boolean {
    return this.onMessage !== null;
  }

  async start(onMessage: (message: InboundMessage) => void): Promise<void> {
    this.onMessage = onMessage;
  }

  async stop(): Promise<void> {
    this.onMessage = null;
    this.responseUrls.clear();
  }

  /** A verified, decrypted message from the webhook. */
  receive(message: InboundMessage, responseUrl: string | null): void {
    const onMessage = this.onMessage;
    if (!onMessage) return;
    if (responseUrl && this.allowed(responseUrl)) this.keepResponseUrl(message.channelMessageId, responseUrl);
    try {
      onMessage(message);
    } catch (err) {
      this.log.error(
        { err, account: this.accountId, id: message.channelMessageId },
        'wecom message not handled',
      );
    }
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const reply = message.replyTo ? this.takeResponseUrl(message.replyTo) : null;
    if (reply) {
      const result = await this.post(reply.url, renderForResponseUrl(message.content));
      if (result.ok) return result;
      this.log.warn({ account: this.accountId, error: result.error }, 'wecom response_url reply failed');
      if (result.retryable) {
        // Perhaps never delivered: keep the URL for the retry (WeCom refuses a used one, so no duplicate).
        this.responseUrls.set(message.replyTo!, reply);
        return result;
      }
      if (!message.groupId) return result;
    }
    if (!message.groupId) {
      return {
        ok: false,
        retryable: false,
        error: 'a private WeCom chat can only be answered once, within an hour',
      };
    }
    let url: string | null | undefined;
    try {
      url = await this.options.robots(message.groupId);
    } catch (err) {
      return { ok: false, retryable: true, error: `robot lookup failed: ${errorText(err)}` };
    }
    if (!url) {
      return { ok: false, retryable: false, error: `no WeCom robot configured for group ${message.groupId}` };
    }
    if (!this.allowed(url)) {
      return { ok: false, retryable: false, error: 'robot webhook URL is not on WeCom' };
    }
    const payload = renderForRobot(message.content, message.mentions);
    // A robot in several groups posts to the one named by chatid (消息推送配置说明).
    const shared = this.options.robots.sharedUrls?.has(url) ?? false;
    return this.post(url, shared ? { ...payload, chatid: message.groupId } : payload);
  }

  /** The robot a group message goes through, when known at once; else the group stands for its robot. */
  private limitKey(message: OutboundMessage): string | null {
    if (!message.groupId) return null;
    const url = this.options.robots(message.groupId);
    return typeof url === 'string' ? `robot:${url}` : `group:${message.groupId}`;
  }

  private async post(url: string, payload: RobotPayload): Promise<SendResult> {
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      // Never echo the URL: its key is the robot's only credential.
      return { ok: false, retryable: true, error: `network: ${errorText(err)}` };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
      return { ok: false, retryable, error: `http ${response.status}` };
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return { ok: false, retryable: true, error: 'unreadable answer from WeCom' };
    }
    return classifyRobotResponse(body);
  }

  private allowed(url: string): boolean {
    try {
      return this.allowedOrigins.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  private keepResponseUrl(messageId: string, url: string): void {
    const now = this.now();
    if (this.responseUrls.size >= MAX_RESPONSE_URLS) {
      for (const [id, entry] of this.responseUrls) if (entry.expiresAt <= now) this.responseUrls.delete(id);
      if (this.responseUrls.size >= MAX_RESPONSE_URLS) {
        this.responseUrls.delete(this.responseUrls.keys().next().value!);
      }
    }
    this.responseUrls.set(messageId, { url, expiresAt: now + RESPONSE_URL_TTL_MS });
  }

  /** The message's response_url if still fresh; it is taken out because it works only once. */
  private takeResponseUrl(messageId: string): { url: string; expiresAt: number } | null {
    const entry = this.responseUrls.get(messageId);
    if (!entry) return null;
    this.responseUrls.delete(messageId);
    return entry.expiresAt > this.now() ? entry : null;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
