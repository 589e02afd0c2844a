import type { Category } from '../../shared/categories.js';
import type { Channel } from '../../shared/messages.js';
import type { Language } from '../../shared/i18n/index.js';
import type { ListOpinionsQuery, OpinionList } from '../../shared/schemas/opinion.js';
import { MAX_OPINION_LENGTH } from '../../shared/commands/parser.js';
import { notFound } from '../errors.js';
import { assertCan } from '../policy/authorize.js';
import type { Actor } from '../policy/policy.js';
import { scopeId } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { OpinionRepository } from '../repositories/opinion.repository.js';
import { categorize } from './opinion-category.js';
import { presentOpinion } from './opinion.presenter.js';

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

export class OpinionService {
  constructor(
    private readonly deps: {
      opinions: OpinionRepository;
      counters: CounterRepository;
      communities: CommunityRepository;
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
    const [items, counts] = await Promise.all([
      this.deps.opinions.listRecent({
        communityId: community.id,
        category: query.category,
        before: query.before ? new Date(query.before) : undefined,
        limit: query.limit,
      }),
      this.deps.opinions.countByCategory(community.id),
    ]);
    const last = items.at(-1);
    return {
      items: items.map(presentOpinion),
      counts,
      nextBefore: items.length === query.limit && last ? last.createdAt.toISOString() : null,
    };
  }
}
