import type { Channel, ChannelCapabilities, InboundMessage, OutboundMessage } from '../../shared/messages.js';

export type SendResult =
  | { ok: true }
  | {
      ok: false;
      error: string;
      /** False for failures that will not go away (unknown group, bot removed). */
      retryable: boolean;
      /** The platform said when to try again (rate limits). */
      retryAfterMs?: number;
    };

/** Pause between two sends on one account; personal WeChat accounts are banned for bursts. */
export interface Pacing {
  minDelayMs: number;
  maxDelayMs: number;
}

/**
 * One bot account on one platform. Only code under bot/adapters/<platform>/ knows the platform;
 * everything else sees InboundMessage and OutboundMessage.
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  /** Stable name of the bot account, used to route outbox entries back to this adapter. */
  readonly accountId: string;
  readonly capabilities: ChannelCapabilities;
  readonly pacing: Pacing;
  start(onMessage: (message: InboundMessage) => void): Promise<void>;
  send(message: OutboundMessage): Promise<SendResult>;
  stop(): Promise<void>;
}
