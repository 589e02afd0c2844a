import { parseCommand } from '../../shared/commands/parser.js';
import type { InboundMessage } from '../../shared/messages.js';
import type { BotPlugin } from '../runtime/bot.js';
import { GatewayError, type GatewayClient } from '../runtime/gateway-client.js';

/**
 * Matcher: is this message for the bot at all? Group chatter never leaves the bot process, which
 * matters on WeChat where the bot reads every message of its groups.
 */
export function isForTheBot(message: InboundMessage): boolean {
  return parseCommand(message.text, { mentionsBot: message.mentionsBot }) !== null;
}

/** How long after a report (or an @bot message) the sender's photos are forwarded: the server's window. */
export const PHOTO_WINDOW_MS = 2 * 60_000;

/**
 * Photos are chatter too, except right after the same sender filed a report in the same group: only
 * those leave the bot process, for the server to attach to the report.
 */
export class PhotoWindow {
  private readonly open = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  private key = (m: InboundMessage) => `${m.groupId ?? '-'}:${m.senderId}`;

  /** Notes a message that may start a report; true when `message` is a photo to forward. */
  admits(message: InboundMessage): boolean {
    const command = parseCommand(message.text, { mentionsBot: message.mentionsBot });
    if (command?.intent === 'report' || command?.intent === 'opinion') {
      this.open.set(this.key(message), this.now() + PHOTO_WINDOW_MS);
      if (this.open.size > 10_000) this.prune();
    }
    if (command || !message.attachments.some((a) => a.kind === 'image')) return false;
    return (this.open.get(this.key(message)) ?? 0) > this.now();
  }

  private prune(): void {
    for (const [key, until] of this.open) if (until <= this.now()) this.open.delete(key);
  }
}

/** 4xx means the request itself is wrong (bad signature, invalid message): retrying cannot help. */
export const isPermanent = (err: unknown) =>
  err instanceof GatewayError && err.status >= 400 && err.status < 500;

export interface GatewayForwarderOptions {
  client: GatewayClient;
  /** Delays between attempts when the server is unreachable or restarting. */
  retryDelaysMs?: number[];
}

const DEFAULT_RETRY_DELAYS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/** Sends messages meant for the bot to the server's gateway, retrying while the server is away. */
export function GatewayForwarder(options: GatewayForwarderOptions): BotPlugin {
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS;
  const pending = new Set<Promise<void>>();
  const photos = new PhotoWindow();
  return function gatewayForwarder(bot) {
    bot.onMessage((message) => {
      if (!photos.admits(message) && !isForTheBot(message)) return;
      const forwarding = (async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            await options.client.postMessage(message);
            return;
          } catch (err) {
            const delay = delays[attempt];
            if (isPermanent(err) || delay === undefined) {
              bot.log.error({ err, channel: message.channel, attempt }, 'message not forwarded');
              return;
            }
            await new Promise((r) => setTimeout(r, delay));
          }
        }
      })();
      pending.add(forwarding);
      void forwarding.finally(() => pending.delete(forwarding));
    });
    return async () => {
      await Promise.allSettled([...pending]);
    };
  };
}
