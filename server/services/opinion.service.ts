import type { Category } from '../../shared/categories.js';
import type { Channel } from '../../shared/messages.js';
import { translator, type Language } from '../../shared/i18n/index.js';
import {
  opinionCode,
  type AdoptOpinionResult,
  type ListOpinionsQuery,
  type OpinionList,
} from '../../shared/schemas/opinion.js';
import { MAX_OPINION_LENGTH } from '../../shared/commands/parser.js';
import { notFound } from '../errors.js';
import { assertCan } from '../policy/authorize.js';
import { can, grantedScopes, type Actor } from '../policy/policy.js';
import { scopeId, type ScopeId } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { NoticeRepository, NoticeTargetGroup } from '../repositories/notice.repository.js';
import type { OpinionRecord, OpinionRepository } from '../repositories/opinion.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { AuditService } from './audit.service.js';
import { categorize } from './opinion-category.js';
import { presentOpinion } from './opinion.presenter.js';
import type { PointsAwarder } from './points-award.js';

export interface SubmitOpinionInput {
  communityId: string | null;
  text: string;
  category?: Category;
  language: Language;
  channel: Channel;
  groupId: string | null;
  groupName: string;
  senderId: string;
  senderName: string;
  residentId: string | null;
  /** Identifies the source message; a second submit with the same key returns the first result. */
  sourceKey: string;
  /** True when this message may have been processed before (a retry after a crash). */
  mayBeRetry: boolean;
}

export type SubmitOpinionResult =
  | { kind: 'created' | 'duplicate'; number: number; category: Category }
  | { kind: 'empty' }
  | { kind: 'tooLong'; max: number };

/** Staff adopting an opinion: who they are (the name goes to the audit log) and their optional note. */
export interface AdoptOpinionCommand {
  actor: Actor & { name?: string };
  id: string;
  note: string | null;
}

/** Ledger key of the `opinionAdopted` credit: one per opinion, whoever adopts it and however often. */
export const adoptedPointsKey = (opinionId: string) => `opinionAdopted:${opinionId}`;
/** Outbox key of the group's "your opinion was adopted" message: sent once per opinion. */
export const adoptedMessageKey = (opinionId: string) => `opinion:${opinionId}:adopted`;

export class OpinionService {
  constructor(
    private readonly deps: {
      opinions: OpinionRepository;
      counters: Pick<CounterRepository, 'next'>;
      communities: Pick<CommunityRepository, 'findByCode'>;
      /** The community's groups: where an opinion came from, its scope, and how to reach it. */
      groups: Pick<NoticeRepository, 'groupsOfCommunity'>;
      outbox: Pick<OutboxRepository, 'enqueue'>;
      audit: Pick<AuditService, 'record'>;
      /** Credits the author the `opinionAdopted` rule. */
      points: PointsAwarder;
    },
  ) {}

  /** Anyone in a group may raise an opinion; bound groups file it under their community. */
  async submit(input: SubmitOpinionInput): Promise<SubmitOpinionResult> {
    const text = input.text.trim();
    if (text.length === 0) return { kind: 'empty' };
    if (Array.from(text).length > MAX_OPINION_LENGTH) return { kind: 'tooLong', max: MAX_OPINION_LENGTH };

    if (input.mayBeRetry) {
      const existing = await this.deps.opinions.findBySourceKey(input.sourceKey);
      if (existing) return { kind: 'duplicate', number: existing.number, category: existing.category };
    }
    const { category, source } = input.category
      ? { category: input.category, source: 'explicit' as const }
      : categorize(text);
    const number = await this.deps.counters.next(`opinion:${input.communityId ?? 'unbound'}`);
    const outcome = await this.deps.opinions.create({
      communityId: input.communityId,
      number,
      text,
      category,
      categorySource: source,
      channel: input.channel,
      groupId: input.groupId,
      groupName: input.groupName,
      senderId: input.senderId,
      senderName: input.senderName,
      residentId: input.residentId,
      language: input.language,
      sourceKey: input.sourceKey,
    });
    if (outcome === 'duplicate') {
      const existing = await this.deps.opinions.findBySourceKey(input.sourceKey);
      if (existing) return { kind: 'duplicate', number: existing.number, category: existing.category };
    }
    return { kind: 'created', number, category };
  }

  /**
   * The community's opinion wall, for its residents. `viewer` null is an anonymous visitor, which only
   * the demo's routes let through.
   */
  async list(query: ListOpinionsQuery, viewer: Actor | null): Promise<OpinionList> {
    const community = await this.deps.communities.findByCode(query.community);
    if (!community) throw notFound('community');
    if (viewer) assertCan(viewer, 'opinion.read', { scope: scopeId.community(community.id) });
    // Only staff who may adopt somewhere cost the groups' read that tells each opinion's scope.
    const adopter = viewer && grantedScopes(viewer, 'opinion.adopt').length > 0 ? viewer : null;
    const [items, counts, groups] = await Promise.all([
      this.deps.opinions.listRecent({
        communityId: community.id,
        category: query.category,
        before: query.before ? new Date(query.before) : undefined,
        limit: query.limit,
      }),
      this.deps.opinions.countByCategory(community.id),
      adopter ? this.deps.groups.groupsOfCommunity(community.id) : [],
    ]);
    const last = items.at(-1);
    const mayAdopt = (o: OpinionRecord) =>
      adopter !== null && can(adopter, 'opinion.adopt', { scope: scopeOf(o, community.id, groups) });
    return {
      items: items.map((o) => presentOpinion(o, mayAdopt(o))),
      counts,
      nextBefore: items.length === query.limit && last ? last.createdAt.toISOString() : null,
    };
  }

  /**
   * Marks an opinion adopted (意见采纳) once: a repeat changes nothing and says so. Either way the author
   * is credited and the group told, each under its own idempotency key, so a credit or message lost to
   * a failure the first time is made up by the repeat and never doubled.
   */
  async adopt(command: AdoptOpinionCommand): Promise<AdoptOpinionResult> {
    const found = await this.deps.opinions.findById(command.id);
    if (!found?.communityId) throw notFound('opinion');
    const communityId = found.communityId;
    const groups = await this.deps.groups.groupsOfCommunity(communityId);
    const scope = scopeOf(found, communityId, groups);
    assertCan(command.actor, 'opinion.adopt', { scope });

    const adopted = await this.deps.opinions.markAdopted(found.id, {
      at: new Date(),
      note: command.note,
      byId: command.actor.id,
      byName: command.actor.name ?? '',
    });
    const opinion = adopted ?? (await this.deps.opinions.findById(found.id));
    if (!opinion?.adopted) throw notFound('opinion');
    if (adopted) {
      await this.deps.audit.record({
        actor: { id: command.actor.id, name: command.actor.name },
        action: 'opinion.adopt',
        target: { kind: 'opinion', id: opinion.id, label: opinionCode(opinion.number), scope },
        before: { status: found.status },
        after: { status: opinion.status, note: opinion.adopted.note },
      });
    }
    const group = groups.find((g) => g.id === opinion.groupId);
    // Both are attempted even if one fails; a failure is then reported, and the repeat makes it up.
    const results = await Promise.allSettled([
      group ? this.tellGroup(opinion, group) : Promise.resolve(),
      this.credit(opinion, communityId),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return {
      outcome: adopted ? 'adopted' : 'unchanged',
      opinion: presentOpinion(opinion, false),
    };
  }

  private async credit(opinion: OpinionRecord, communityId: string): Promise<void> {
    // Only a bound resident has a points account; a guest's opinion is adopted without a credit.
    if (!opinion.residentId) return;
    await this.deps.points.award({
      communityId,
      residentId: opinion.residentId,
      rule: 'opinionAdopted',
      idempotencyKey: adoptedPointsKey(opinion.id),
      memo: `${opinionCode(opinion.number)} ${Array.from(opinion.text).slice(0, 40).join('')}`,
    });
  }

  /** One short message in the group's language to the group the opinion came from, naming its number. */
  private async tellGroup(opinion: OpinionRecord, group: NoticeTargetGroup): Promise<void> {
    const t = translator(group.language);
    const number = opinionCode(opinion.number);
    const note = opinion.adopted?.note;
    await this.deps.outbox.enqueue(
      adoptedMessageKey(opinion.id),
      {
        channel: group.channel,
        accountId: group.accountId,
        groupId: group.platformGroupId,
        content: {
          kind: 'text',
          text: note
            ? t('opinionReview.chat.adoptedWithNote', { number, note })
            : t('opinionReview.chat.adopted', { number }),
        },
        // The author hears it by name, as a reporter hears about their report.
        mentions: [opinion.senderId],
        replyTo: null,
      },
      { mayBeRetry: true },
    );
  }
}

/**
 * Where an opinion sits: the place of the group it was raised in (a building group's building), else
 * the whole community. A building lead may adopt only what their building's groups raised.
 */
function scopeOf(opinion: OpinionRecord, communityId: string, groups: readonly NoticeTargetGroup[]): ScopeId {
  return groups.find((g) => g.id === opinion.groupId)?.scopeId ?? scopeId.community(communityId);
}
