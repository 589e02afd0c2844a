import type { InboundMessage } from '../../shared/messages.js';
import type { ChannelAdapter } from './adapter.js';

export interface BotLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type MessageListener = (message: InboundMessage, adapter: ChannelAdapter) => void | Promise<void>;

/** A feature or service installed on the bot; may return a cleanup run at stop. */
export type BotPlugin = (bot: Bot) => void | (() => void | Promise<void>);

/**
 * The bot runtime: hosts channel adapters and plugins. Adapters turn platform events into
 * InboundMessages; plugins decide what to do with them and deliver what the server queued.
 */
export class Bot {
  private readonly adapterList: ChannelAdapter[] = [];
  private readonly listeners: MessageListener[] = [];
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  private readonly startHooks: (() => void | Promise<void>)[] = [];
  private started = false;

  constructor(readonly log: BotLogger) {}

  addAdapter(adapter: ChannelAdapter): this {
    if (this.adapterList.some((a) => a.channel === adapter.channel && a.accountId === adapter.accountId)) {
      throw new Error(`adapter ${adapter.channel}/${adapter.accountId} added twice`);
    }
    this.adapterList.push(adapter);
    return this;
  }

  use(...plugins: BotPlugin[]): this {
    for (const plugin of plugins) {
      const cleanup = plugin(this);
      if (cleanup) this.cleanups.push(cleanup);
    }
    return this;
  }

  onMessage(listener: MessageListener): void {
    this.listeners.push(listener);
  }

  /** Runs after every adapter has started (logged in), e.g. delivery loops. */
  onStart(hook: () => void | Promise<void>): void {
    this.startHooks.push(hook);
  }

  get adapters(): readonly ChannelAdapter[] {
    return this.adapterList;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const adapter of this.adapterList) {
      await adapter.start((message) => this.dispatch(message, adapter));
      this.log.info({ channel: adapter.channel, account: adapter.accountId }, 'adapter started');
    }
    for (const hook of this.startHooks) await hook();
  }

  /** Stops plugins first (they finish what they hold), then the adapters. */
  async stop(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    for (const adapter of this.adapterList) await adapter.stop();
    this.started = false;
  }

  private dispatch(message: InboundMessage, adapter: ChannelAdapter): void {
    for (const listener of this.listeners) {
      Promise.resolve(listener(message, adapter)).catch((err: unknown) =>
        this.log.error({ err, channel: message.channel }, 'message listener failed'),
      );
    }
  }
}
