import type { Middleware } from 'koa';
import type { ChannelCapabilities, InboundMessage, OutboundMessage } from '../../../shared/messages.js';
import {
  GROUP_ROBOT_LIMIT,
  type ChannelAdapter,
  type Pacing,
  type SendResult,
} from '../../runtime/adapter.js';
import type { BotLogger } from '../../runtime/bot.js';
import { conversationKey, senderIdOf, toInboundMessage, type RobotMessage } from './dingtalk-message.js';
import { MAX_TEXT_LENGTH, renderForDingTalk, type DingTalkPayload } from './dingtalk-render.js';
import type { DingTalkRobotResolver } from './dingtalk-robots.js';
import { signRobotWebhookUrl } from './dingtalk-signature.js';
import type { DingTalkStreamClientFactory } from './dingtalk-stream.js';
import { dingTalkWebhook } from './dingtalk-webhook.js';
import { DEFAULT_DINGTALK_WEBHOOK_HOSTS, checkWebhookUrl } from './webhook-allowlist.js';

export type { DingTalkRobot, DingTalkRobotResolver } from './dingtalk-robots.js';

export interface DingTalkAdapterOptions {
  accountId?: string;
  /** `DINGTALK_APP_KEY`: with the AppSecret, opens Stream mode. */
  appKey?: string;
  /** `DINGTALK_APP_SECRET`: checks the signature of HTTP callbacks; with the AppKey, opens Stream mode. */
  appSecret?: string;
  /** Receive over Stream mode (one outbound WebSocket, no public URL) besides any HTTP callbacks. */
  stream?: boolean;
  /** Custom robots by conversationId, for group messages that answer nobody. */
  robots?: DingTalkRobotResolver;
  /** Hosts the adapter may post to (`DINGTALK_WEBHOOK_ALLOWLIST`); DingTalk's API hosts by default. */
  webhookAllowlist?: readonly string[];
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Tests hand in a fake; the official client is loaded only when Stream mode is on. */
  streamClientFactory?: DingTalkStreamClientFactory;
  log: BotLogger;
}

/** "Send too fast": more than 20 messages in a minute, after which the robot is refused for ten minutes. */
export const THROTTLED = 130101;
export const THROTTLE_BLOCK_MS = 10 * 60 * 1000;
/** A session webhook this close to its expiry is not worth trying. */
export const SESSION_MARGIN_MS = 60 * 1000;
const MAX_TRACKED = 10_000;
const DEFAULT_TIMEOUT_MS = 10_000;

interface Session {
  url: string;
  expiresAt: number;
}

interface Target {
  kind: 'session' | 'robot';
  /** Identifies the sender for throttling; never logged (it holds a token). */
  key: string;
  /** The address that must pass the allowlist. */
  url: string;
  /** The address actually posted to (the robot's URL with its signature). */
  postUrl: () => string;
}

type Failure = Extract<SendResult, { ok: false }>;

/** What a DingTalk errcode means for the outbox. */
export function resultForErrcode(errcode: number, errmsg: string): SendResult {
  const error = `dingtalk errcode ${errcode}: ${errmsg.slice(0, 200)}`;
  switch (errcode) {
    case 0:
      return { ok: true };
    case THROTTLED:
      return { ok: false, retryable: true, retryAfterMs: THROTTLE_BLOCK_MS, error };
    case -1: // system busy
      return { ok: false, retryable: true, error };
    default: // 310000 signature/keyword/IP mismatch, 300001 bad token, 460101 too long, …
      return { ok: false, retryable: false, error };
  }
}

/**
 * DingTalk through robots. Messages arrive over Stream mode or the HTTP callback; a robot sees only
 * messages that @-mention it and private chats. Answers go through the session webhook that came
 * with the conversation's latest message while it is fresh; other group messages go through the
 * group's custom robot, signed with its `SEC…` secret. Every address is checked against the
 * allowlist right before posting, so no message can steer the server to another host.
 */
export class DingTalkAdapter implements ChannelAdapter {
  readonly channel = 'dingtalk' as const;
  readonly accountId: string;
  // Limits are per group robot, not per account: the delivery loop keeps each group under them.
  readonly pacing: Pacing = { minDelayMs: 0, maxDelayMs: 0 };
  readonly sendLimit = GROUP_ROBOT_LIMIT;
  readonly capabilities: ChannelCapabilities = {
    markdown: true,
    linkCard: true,
    image: false,
    mentions: true,
    seesAllGroupMessages: false,
    maxTextLength: MAX_TEXT_LENGTH,
  };

  private readonly options: DingTalkAdapterOptions;
  private readonly log: BotLogger;
  private readonly allowlist: readonly string[];
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private onMessage: ((message: InboundMessage) => void) | null = null;
  private stopStream: (() => void) | null = null;
  /** Latest session webhook per conversation, and the conversation of each message (for replyTo). */
  private readonly sessions = new Map<string, Session>();
  private readonly conversationOf = new Map<string, string>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(options: DingTalkAdapterOptions) {
    this.options = options;
    this.accountId = options.accountId ?? 'dingtalk';
    this.log = options.log;
    this.allowlist = options.webhookAllowlist ?? DEFAULT_DINGTALK_WEBHOOK_HOSTS;
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? globalThis.fetch;
    if (options.stream && (!options.appKey || !options.appSecret)) {
      throw new Error('DingTalk Stream mode needs DINGTALK_APP_KEY and DINGTALK_APP_SECRET');
    }
  }

  async start(onMessage: (message: InboundMessage) => void): Promise<void> {
    if (this.onMessage) throw new Error(`dingtalk adapter ${this.accountId} already started`);
    this.onMessage = onMessage;
    if (!this.options.stream) return;
    const stream = await import('./dingtalk-stream.js');
    const factory = this.options.streamClientFactory ?? stream.createDingTalkStreamClient;
    const client = factory({ appKey: this.options.appKey ?? '', appSecret: this.options.appSecret ?? '' });
    try {
      this.stopStream = await stream.startDingTalkStream(client, (m) => this.receive(m), this.log);
    } catch (err) {
      this.onMessage = null;
      throw err;
    }
    this.log.info({ account: this.accountId }, 'dingtalk stream mode connecting');
  }

  async stop(): Promise<void> {
    this.onMessage = null;
    const stop = this.stopStream;
    this.stopStream = null;
    stop?.();
  }

  /** `POST /webhooks/dingtalk`, mounted on the server like the simulator's pages. */
  webhook(): Middleware {
    const appSecret = this.options.appSecret;
    if (!appSecret) throw new Error('the DingTalk HTTP callback needs DINGTALK_APP_SECRET');
    return dingTalkWebhook({ appSecret, receive: (m) => this.receive(m), now: this.now, log: this.log });
  }

  /** Takes a verified robot message from either receiver; false while the adapter is not running. */
  receive(message: RobotMessage): boolean {
    const onMessage = this.onMessage;
    if (!onMessage) return false;
    this.remember(message);
    const inbound = toInboundMessage(message, this.accountId, this.now());
    if (inbound) onMessage(inbound);
    return true;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      return await this.deliver(message);
    } catch (err) {
      // Robot lookups or the network failed; the outbox tries again later.
      return { ok: false, retryable: true, error: describeError(err) };
    }
  }

  private async deliver(message: OutboundMessage): Promise<SendResult> {
    const refused: string[] = [];
    const session = this.freshSession(message, refused);
    const groupId = message.groupId;
    const isPrivate = groupId === null;
    // In a private chat there is nobody else to @-mention.
    const payload = renderForDingTalk(message.content, isPrivate ? [] : message.mentions);

    if (session && (message.replyTo !== null || isPrivate)) return this.post(session, payload, message);
    if (!isPrivate) {
      const robot = await this.options.robots?.(groupId);
      if (robot) {
        const { webhookUrl, secret } = robot;
        return this.post(
          {
            kind: 'robot',
            key: webhookUrl,
            url: webhookUrl,
            postUrl: () => (secret ? signRobotWebhookUrl(webhookUrl, secret, this.now()) : webhookUrl),
          },
          payload,
          message,
        );
      }
      if (session) return this.post(session, payload, message);
    }
    const why = isPrivate
      ? 'no fresh session webhook for this private chat'
      : 'no custom robot for this DingTalk group and no fresh session webhook';
    return { ok: false, retryable: false, error: refused[0] ? `${why} (${refused[0]})` : why };
  }

  private async post(
    target: Target,
    payload: DingTalkPayload,
    message: OutboundMessage,
  ): Promise<SendResult> {
    const blocked = this.blockedUntil.get(target.key) ?? 0;
    if (blocked > this.now()) {
      return {
        ok: false,
        retryable: true,
        retryAfterMs: blocked - this.now(),
        error: `dingtalk ${target.kind} throttled (130101)`,
      };
    }
    // The allowlist is checked here, right before posting, whatever route led to this address.
    const postUrl = target.postUrl();
    for (const url of [target.url, postUrl]) {
      const check = checkWebhookUrl(url, this.allowlist);
      if (!check.ok) {
        const error = `${target.kind} webhook refused: ${check.reason}`;
        return this.failed(target, { ok: false, retryable: false, error });
      }
    }

    let response: Response;
    try {
      response = await this.fetch(postUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        // An allowed host must not be able to send the request on to another one.
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (err) {
      const error = `dingtalk ${target.kind} unreachable: ${describeError(err)}`;
      return this.failed(target, { ok: false, retryable: true, error });
    }
    const status = response.status;
    if (status >= 500 || status === 429 || status === 408) {
      await response.body?.cancel();
      return this.failed(target, { ok: false, retryable: true, error: `dingtalk answered HTTP ${status}` });
    }
    const body = (await response.json().catch(() => null)) as { errcode?: unknown; errmsg?: unknown } | null;
    if (!response.ok || !body || typeof body.errcode !== 'number') {
      // The message may or may not have gone out; trying again could post it twice.
      const error = `dingtalk answered HTTP ${status} without an errcode`;
      return this.failed(target, { ok: false, retryable: false, error });
    }
    const result = resultForErrcode(body.errcode, typeof body.errmsg === 'string' ? body.errmsg : '');
    if (result.ok) return result;
    if (body.errcode === THROTTLED) {
      this.blockedUntil.set(target.key, this.now() + THROTTLE_BLOCK_MS);
    } else if (target.kind === 'session') {
      // DingTalk refused this session webhook and will keep doing so; a group can still be reached by its robot.
      for (const [key, session] of this.sessions) if (session.url === target.url) this.sessions.delete(key);
      if (message.groupId !== null) result.retryable = true;
    }
    return this.failed(target, result);
  }

  private failed(target: Target, result: Failure): Failure {
    this.log.warn({ account: this.accountId, via: target.kind, error: result.error }, 'dingtalk send failed');
    return result;
  }

  private freshSession(message: OutboundMessage, refused: string[]): Target | undefined {
    const key =
      (message.replyTo !== null ? this.conversationOf.get(message.replyTo) : undefined) ??
      (message.groupId !== null
        ? conversationKey(message.groupId, '')
        : message.mentions[0]
          ? conversationKey(null, message.mentions[0])
          : undefined);
    const session = key ? this.sessions.get(key) : undefined;
    if (!session || session.expiresAt - SESSION_MARGIN_MS <= this.now()) return undefined;
    const check = checkWebhookUrl(session.url, this.allowlist);
    if (!check.ok) {
      refused.push(`session webhook refused: ${check.reason}`);
      this.log.warn({ account: this.accountId, reason: check.reason }, 'dingtalk session webhook refused');
      return undefined;
    }
    return { kind: 'session', key: session.url, url: session.url, postUrl: () => session.url };
  }

  private remember(message: RobotMessage): void {
    const groupId = message.conversationType === '2' ? message.conversationId : null;
    const key = conversationKey(groupId, senderIdOf(message));
    remember(this.conversationOf, message.msgId, key);
    const { sessionWebhook: url, sessionWebhookExpiredTime: expiresAt } = message;
    // Without its expiry a session webhook cannot be trusted to still work.
    if (!url || expiresAt === undefined || expiresAt <= this.now()) return;
    const known = this.sessions.get(key);
    if (known && known.expiresAt > expiresAt) return;
    remember(this.sessions, key, { url, expiresAt });
  }
}

/** Keeps the newest entries of a map that grows with traffic. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown } | undefined;
  return typeof cause?.code === 'string' ? `${err.message} (${cause.code})` : err.message;
}
