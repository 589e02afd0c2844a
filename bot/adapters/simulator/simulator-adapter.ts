import { randomUUID } from 'node:crypto';
import { LANGUAGES, resources } from '../../../shared/i18n/index.js';
import type { ChannelCapabilities, InboundMessage, OutboundMessage } from '../../../shared/messages.js';
import type { ChannelAdapter, Pacing, SendResult } from '../../runtime/adapter.js';

export interface SimulatorEvent {
  seq: number;
  groupId: string;
  /** null for the bot's own messages. */
  senderId: string | null;
  senderName: string;
  text: string;
  mentions: string[];
  at: string;
}

export interface SayInput {
  senderId: string;
  senderName: string;
  groupId: string;
  groupName: string;
  text: string;
}

/** The bot's display names in every language; `@name` in a message mentions the bot. */
export const SIMULATOR_BOT_NAMES = LANGUAGES.map((l) => resources[l].simulator.bot);

export function mentionsSimulatorBot(text: string): boolean {
  return SIMULATOR_BOT_NAMES.some((name) => text.includes(`@${name}`));
}

/** Renders outbound content as the plain text a chat bubble shows. */
export function renderForSimulator(message: OutboundMessage): string {
  const c = message.content;
  switch (c.kind) {
    case 'text':
      return c.text;
    case 'markdown':
      return `${c.title}\n${c.markdown}`;
    case 'link':
      return `${c.title}\n${c.description}\n${c.url}`;
    case 'image':
      return c.url;
  }
}

const MAX_EVENTS = 1_000;

/**
 * A pretend platform for demos: people type as seeded residents on a web page, and the bot's replies
 * appear in the same transcript. It goes through the same gateway and outbox as the real platforms.
 */
export class SimulatorAdapter implements ChannelAdapter {
  readonly channel = 'simulator' as const;
  readonly accountId = 'simulator';
  readonly pacing: Pacing = { minDelayMs: 0, maxDelayMs: 0 };
  readonly capabilities: ChannelCapabilities = {
    markdown: true,
    linkCard: true,
    image: false,
    mentions: true,
    seesAllGroupMessages: true,
    maxTextLength: 4_000,
  };

  private readonly log: SimulatorEvent[] = [];
  private seq = 0;
  private listeners = new Set<() => void>();
  private onMessage: ((m: InboundMessage) => void) | null = null;

  async start(onMessage: (message: InboundMessage) => void): Promise<void> {
    this.onMessage = onMessage;
  }

  async stop(): Promise<void> {
    this.onMessage = null;
    for (const wake of this.listeners) wake();
  }

  /** A person typed in the simulator as one of the residents. */
  say(input: SayInput): SimulatorEvent {
    const event = this.append({
      groupId: input.groupId,
      senderId: input.senderId,
      senderName: input.senderName,
      text: input.text,
      mentions: [],
    });
    this.onMessage?.({
      channel: 'simulator',
      accountId: this.accountId,
      channelMessageId: randomUUID(),
      groupId: input.groupId,
      groupName: input.groupName,
      senderId: input.senderId,
      senderName: input.senderName,
      text: input.text,
      mentionsBot: mentionsSimulatorBot(input.text),
      attachments: [],
      receivedAt: event.at,
    });
    return event;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (!message.groupId) return { ok: false, error: 'the simulator has no private chats', retryable: false };
    this.append({
      groupId: message.groupId,
      senderId: null,
      senderName: '',
      text: renderForSimulator(message),
      mentions: message.mentions,
    });
    return { ok: true };
  }

  /** Events after `after`, waiting up to `waitMs` for the first new one. */
  async events(after: number, waitMs: number): Promise<SimulatorEvent[]> {
    const newer = () => this.log.filter((e) => e.seq > after);
    if (newer().length > 0 || waitMs <= 0) return newer();
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.listeners.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      this.listeners.add(wake);
    });
    return newer();
  }

  private append(fields: Omit<SimulatorEvent, 'seq' | 'at'>): SimulatorEvent {
    const event = { ...fields, seq: ++this.seq, at: new Date().toISOString() };
    this.log.push(event);
    if (this.log.length > MAX_EVENTS) this.log.splice(0, this.log.length - MAX_EVENTS);
    for (const wake of [...this.listeners]) wake();
    return event;
  }
}
