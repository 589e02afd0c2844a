import { parseCommand } from '../../shared/commands/parser.js';
import { DEFAULT_LANGUAGE, translator, type Language } from '../../shared/i18n/index.js';
import type { InboundMessage, MembershipEvent } from '../../shared/messages.js';
import type { Logger } from '../logger.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { GroupRecord, GroupRepository } from '../repositories/group.repository.js';
import {
  inboundKey,
  type InboundMessageRepository,
  type StoredInbound,
} from '../repositories/inbound-message.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { ResidentRepository } from '../repositories/resident.repository.js';
import type { CommandHandlers } from './commands/index.js';

export type AcceptOutcome = 'processed' | 'accepted' | 'duplicate' | 'ignored';

export interface MessageProcessorDeps {
  inbound: InboundMessageRepository;
  groups: GroupRepository;
  residents: ResidentRepository;
  communities: CommunityRepository;
  outbox: OutboxRepository;
  handlers: CommandHandlers;
  log: Logger;
  /** How long a process owns a message it accepted before another may retry it. */
  leaseMs?: number;
  maxAttempts?: number;
}

/**
 * The bot gateway's core: stores each platform message once (its key is the platform's message id),
 * runs the command it carries, and queues the replies in the outbox. A message whose processing did
 * not finish (crash, engine hiccup) keeps its lease and is picked up again by `recover()`; every step
 * after acceptance is idempotent, so a retry never doubles anything.
 */
export class MessageProcessor {
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private onlyCommunity: { at: number; id: Promise<string | null> } | null = null;
  private closed = false;

  constructor(private readonly deps: MessageProcessorDeps) {
    this.leaseMs = deps.leaseMs ?? 60_000;
    this.maxAttempts = deps.maxAttempts ?? 5;
  }

  /** Resolves once the message is stored and, unless processing failed, answered. */
  async accept(message: InboundMessage): Promise<AcceptOutcome> {
    if (
      parseCommand(message.text, { mentionsBot: message.mentionsBot }) === null &&
      !this.deps.handlers.wantsAttachments?.(message)
    )
      return 'ignored';
    return this.track(async () => {
      const stored = await this.deps.inbound.accept(message, this.leaseMs);
      if (stored === 'duplicate') return 'duplicate';
      const key = inboundKey(message);
      try {
        await this.process({ key, message, attempts: 1 });
        return 'processed';
      } catch (err) {
        // Stored but unanswered: the lease runs out and recover() retries it.
        this.deps.log.error({ err, key }, 'processing failed; will retry');
        return 'accepted';
      }
    });
  }

  /**
   * A join or leave reported by a platform: the group is registered on first sight, then its member
   * list changes once per event, however often the event is delivered.
   */
  async applyMembership(event: MembershipEvent): Promise<'applied' | 'unchanged'> {
    return this.track(async () => {
      const communityId = await this.singleCommunityId();
      const group = await this.deps.groups.findOrRegister({
        channel: event.channel,
        platformGroupId: event.groupId,
        accountId: event.accountId,
        name: event.groupName ?? '',
        communityId,
        language: DEFAULT_LANGUAGE,
      });
      return this.deps.groups.applyMembership(group.id, {
        kind: event.kind,
        members: event.members,
        at: new Date(event.at),
      });
    });
  }

  /** Retries messages whose owner died or failed; returns how many it handled. */
  async recover(limit = 100): Promise<number> {
    let handled = 0;
    await this.deps.inbound.parkExhausted(this.maxAttempts);
    while (handled < limit && !this.closed) {
      const stored = await this.deps.inbound.claimExpired(this.leaseMs, this.maxAttempts);
      if (!stored) break;
      handled++;
      await this.track(() =>
        this.process(stored).catch((err: unknown) =>
          this.deps.log.error({ err, key: stored.key, attempts: stored.attempts }, 'retry failed'),
        ),
      );
    }
    return handled;
  }

  /** Stops taking new work and waits for what was accepted to be answered and written. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.deps.inbound.flushDone();
  }

  get acceptingWork(): boolean {
    return !this.closed;
  }

  async flush(): Promise<void> {
    await this.deps.inbound.flushDone();
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private async process({ key, message, attempts }: StoredInbound): Promise<void> {
    const command = parseCommand(message.text, { mentionsBot: message.mentionsBot });
    // A message without a command is kept only when it carries something a feature uses (a photo).
    if (!command && !this.deps.handlers.wantsAttachments?.(message)) {
      this.deps.inbound.markDone(key);
      return;
    }
    const group = message.groupId ? await this.groupOf(message, command?.language ?? null) : null;
    const resident = await this.deps.residents.findByIdentity(message.channel, message.senderId);
    const language: Language = group?.language ?? command?.language ?? DEFAULT_LANGUAGE;
    const context = {
      key,
      message,
      group,
      resident,
      language,
      t: translator(language),
      mayBeRetry: attempts > 1,
    };
    const replies = command
      ? await this.deps.handlers.handle(command, context)
      : ((await this.deps.handlers.attachment?.(context)) ?? []);
    await Promise.all(
      replies.map((content, index) =>
        this.deps.outbox.enqueue(
          `reply:${key}:${index}`,
          {
            channel: message.channel,
            accountId: message.accountId,
            groupId: message.groupId,
            content,
            mentions: message.groupId ? [message.senderId] : [],
            replyTo: message.channelMessageId,
          },
          { mayBeRetry: attempts > 1 },
        ),
      ),
    );
    this.deps.inbound.markDone(key);
  }

  private groupOf(message: InboundMessage, commandLanguage: Language | null): Promise<GroupRecord> {
    return this.singleCommunityId().then((communityId) =>
      this.deps.groups.findOrRegister({
        channel: message.channel,
        platformGroupId: message.groupId!,
        accountId: message.accountId,
        name: message.groupName ?? '',
        // A deployment with one community files every new group under it; otherwise staff bind groups.
        communityId,
        language: commandLanguage ?? DEFAULT_LANGUAGE,
      }),
    );
  }

  private singleCommunityId(): Promise<string | null> {
    if (this.onlyCommunity && Date.now() - this.onlyCommunity.at < 60_000) return this.onlyCommunity.id;
    const id = this.deps.communities.list(2).then((list) => (list.length === 1 ? list[0]!.id : null));
    this.onlyCommunity = { at: Date.now(), id };
    return id;
  }
}
