import type {
  Channel,
  ChannelCapabilities,
  InboundMessage,
  MembershipEvent,
  OutboundMessage,
} from '../../shared/messages.js';

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
 * A platform's published limit per sender, e.g. a WeCom or DingTalk group robot: at most `max` sends
 * in any `windowMs`. `key` names the sender a message goes through (null: not limited).
 */
export interface SendLimit {
  max: number;
  windowMs: number;
  key(message: OutboundMessage): string | null;
}

/** WeCom and DingTalk group robots: 20 messages a minute each, one robot per group. */
export const GROUP_ROBOT_LIMIT: SendLimit = {
  max: 20,
  windowMs: 60_000,
  key: (message) => (message.groupId ? `group:${message.groupId}` : null),
};

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
  /** Limits per sender within the account; the delivery loop never sends past them. */
  readonly sendLimit?: SendLimit;
  start(onMessage: (message: InboundMessage) => void): Promise<void>;
  /** Platforms that tell the bot who joins and leaves its groups call `listener` for each change. */
  onMembership?(listener: (event: MembershipEvent) => void): void;
  send(message: OutboundMessage): Promise<SendResult>;
  stop(): Promise<void>;
}
