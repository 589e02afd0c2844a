import { randomBytes } from 'node:crypto';
import { translator, type Language } from '../../shared/i18n/index.js';
import {
  noticeNumber,
  type FollowUpResult,
  type NoticeAckReport,
  type NoticeAckResult,
  type NoticeList,
  type NoticePublicView,
  type NoticeView,
} from '../../shared/schemas/notice.js';
import { AppError } from '../errors.js';
import { assertCan, forbiddenAction } from '../policy/authorize.js';
import { grantedScopes, type Actor } from '../policy/policy.js';
import { communityOf, covers, parseScope, scopeId, type ScopeId } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { CounterRepository } from '../repositories/counter.repository.js';
import type { HouseholdRecord, HouseholdRepository } from '../repositories/household.repository.js';
import type {
  DeliveryState,
  NoticeRecord,
  NoticeRepository,
  NoticeTargetGroup,
} from '../repositories/notice.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { AuditService } from './audit.service.js';

export const noticeNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'notices.what.notice' }, ['what']);
export const noticeNoGroups = () => new AppError(400, 'no_groups', 'notices.errors.noGroups');
export const noticeNoHousehold = () => new AppError(403, 'no_household', 'notices.errors.noHousehold');
export const noticeOutOfScope = () => new AppError(403, 'forbidden', 'notices.errors.outOfScope');

export interface SendNoticeCommand {
  actor: Actor;
  scope: ScopeId;
  text: string;
  translations?: Partial<Record<Language, string | undefined>>;
  /** Only these groups of the scope; every group in it when absent. */
  groupIds?: string[];
  /** Origin of the short link when no public URL is configured (the request's). */
  origin?: string;
  /** The chat message that asked for it: a retried message re-sends the same notice, never a second. */
  sourceKey?: string;
}

export interface SentNotice {
  notice: NoticeRecord;
  groups: number;
}

/** What a chat scope word names, as the command parsed it. */
export type ChatScope =
  { kind: 'community' } | { kind: 'building'; building: string } | { kind: 'group'; name: string };

export type GroupAckResult =
  { kind: 'acked' | 'duplicate'; number: number } | { kind: 'noNotice' } | { kind: 'unbound' };

/** Outbox key of a notice in one group; re-enqueueing it never sends twice. */
export const noticeKey = (noticeId: string, groupId: string) => `notice:${noticeId}:${groupId}`;
const followUpKey = (noticeId: string, groupId: string) => `notice:${noticeId}:followup:${groupId}`;

/** Notices to every group of a scope, their acknowledgement by households, and one follow-up. */
export class NoticeService {
  constructor(
    private readonly deps: {
      notices: NoticeRepository;
      outbox: Pick<OutboxRepository, 'enqueue'>;
      counters: Pick<CounterRepository, 'next'>;
      households: Pick<HouseholdRepository, 'listByCommunity' | 'listByBuilding'>;
      communities: Pick<CommunityRepository, 'findTree'>;
      audit: Pick<AuditService, 'record'>;
      /** PUBLIC_URL, or the server's own address, for links in notices sent from chat. */
      publicUrl: string;
    },
  ) {}

  async send(input: SendNoticeCommand): Promise<SentNotice> {
    assertCan(input.actor, 'notice.send', { scope: input.scope });
    const communityId = communityOf(input.scope);
    const groups = (await this.deps.notices.groupsOfCommunity(communityId)).filter(
      (g) => covers(input.scope, g.scopeId) && (!input.groupIds || input.groupIds.includes(g.id)),
    );
    if (groups.length === 0) throw noticeNoGroups();
    const earlier = input.sourceKey ? await this.deps.notices.findBySourceKey(input.sourceKey) : null;
    if (earlier) {
      await this.enqueueAll(
        earlier,
        groups.filter((g) => earlier.groupIds.includes(g.id)),
        input.origin,
        'message',
        noticeKey,
      );
      return { notice: earlier, groups: earlier.groupIds.length };
    }
    const number = await this.deps.counters.next(`notice:${communityId}`);
    const { notice } = await this.deps.notices.create({
      communityId,
      number,
      code: randomBytes(9).toString('base64url'),
      scopeId: input.scope,
      text: input.text.trim(),
      translations: Object.entries(input.translations ?? {}).flatMap(([language, text]) =>
        text ? [{ language: language as Language, text: text.trim() }] : [],
      ),
      groupIds: groups.map((g) => g.id),
      createdBy: input.actor.id ?? 'unknown',
      ...(input.sourceKey ? { sourceKey: input.sourceKey } : {}),
    });
    const targets = groups.filter((g) => notice.groupIds.includes(g.id));
    await this.audit(input.actor, 'notice.send', notice, { groups: targets.length, text: notice.text });
    await this.enqueueAll(notice, targets, input.origin, 'message', noticeKey);
    return { notice, groups: targets.length };
  }

  /** Staff list: the notices of the scopes they may send to, with delivery progress per group. */
  async list(actor: Actor): Promise<NoticeList> {
    const scopes = grantedScopes(actor, 'notice.send');
    if (scopes.length === 0) throw forbiddenAction('notice.send');
    const communities = [...new Set(scopes.map(communityOf))];
    const notices = (await Promise.all(communities.map((c) => this.deps.notices.listByCommunity(c))))
      .flat()
      .filter((n) => scopes.some((s) => covers(s, n.scopeId)));
    const items: NoticeView[] = [];
    for (const notice of notices) items.push(await this.present(notice));
    return { items };
  }

  /** Per group, which households of the notice's scope have acknowledged it. */
  async ackReport(actor: Actor, id: string): Promise<NoticeAckReport> {
    const notice = await this.deps.notices.findById(id);
    if (!notice) throw noticeNotFound();
    assertCan(actor, 'notice.send', { scope: notice.scopeId });
    const { groups } = await this.readState(notice);
    let read = 0;
    let unread = 0;
    const report = groups.map(({ group, households }) => {
      const groupRead = households.filter((h) => h.read).length;
      read += groupRead;
      unread += households.length - groupRead;
      return {
        id: group.id,
        name: group.name,
        read: groupRead,
        unread: households.length - groupRead,
        households,
      };
    });
    return { notice: noticeNumber(notice.number), groups: report, read, unread };
  }

  /** One reminder to the groups that still have unread households; a second call sends nothing. */
  async followUp(actor: Actor, id: string, origin?: string): Promise<FollowUpResult> {
    const notice = await this.deps.notices.findById(id);
    if (!notice) throw noticeNotFound();
    assertCan(actor, 'notice.send', { scope: notice.scopeId });
    if (notice.followUpAt) return { groups: 0, duplicate: true };
    const { groups } = await this.readState(notice);
    const targets = groups.filter((g) => g.households.some((h) => !h.read)).map((g) => g.group);
    // Keys are per notice and group, so a crash between enqueueing and claiming cannot send twice.
    await this.enqueueAll(notice, targets, origin, 'followUp', followUpKey);
    const first = await this.deps.notices.claimFollowUp(notice.id);
    if (first) await this.audit(actor, 'notice.followUp', notice, { groups: targets.length });
    return { groups: first ? targets.length : 0, duplicate: !first };
  }

  /** The ack page: the notice in the reader's community, and whether their household has read it. */
  async byCode(actor: Actor, code: string): Promise<NoticePublicView> {
    const notice = await this.deps.notices.findByCode(code);
    if (!notice || notice.communityId !== actor.communityId) throw noticeNotFound();
    const householdId = householdOf(actor);
    const acks = householdId ? await this.deps.notices.listAcks(notice.id) : [];
    return {
      number: noticeNumber(notice.number),
      text: notice.text,
      createdAt: notice.createdAt.toISOString(),
      acknowledged: acks.some((a) => a.householdId === householdId),
    };
  }

  /** One tap on the short link: acknowledges for the signed-in resident's household, once. */
  async ackByCode(actor: Actor, code: string): Promise<NoticeAckResult> {
    const notice = await this.deps.notices.findByCode(code);
    if (!notice || notice.communityId !== actor.communityId) throw noticeNotFound();
    const householdId = householdOf(actor);
    if (!householdId || !actor.id || !actor.householdScope) throw noticeNoHousehold();
    if (!covers(notice.scopeId, actor.householdScope)) throw noticeOutOfScope();
    const outcome = await this.deps.notices.addAck({
      noticeId: notice.id,
      householdId,
      residentId: actor.id,
      via: 'app',
    });
    return { acknowledged: true, duplicate: outcome === 'duplicate' };
  }

  /** `#收到` or a bare `1` in a group: acknowledges the group's latest notice for the sender's household. */
  async ackInGroup(actor: Actor | null, groupId: string): Promise<GroupAckResult> {
    const notice = await this.deps.notices.latestForGroup(groupId);
    if (!notice) return { kind: 'noNotice' };
    const householdId = actor ? householdOf(actor) : null;
    if (!actor?.id || !householdId) return { kind: 'unbound' };
    const outcome = await this.deps.notices.addAck({
      noticeId: notice.id,
      householdId,
      residentId: actor.id,
      via: groupId,
    });
    return { kind: outcome === 'inserted' ? 'acked' : 'duplicate', number: notice.number };
  }

  /** A chat scope word: the whole community, a building (found in the community tree) or a group by name. */
  async resolveScope(
    communityId: string,
    target: ChatScope,
  ): Promise<{ scope: ScopeId; groupIds?: string[] } | null> {
    if (target.kind === 'community') return { scope: scopeId.community(communityId) };
    if (target.kind === 'building') {
      const tree = await this.deps.communities.findTree(communityId);
      const compound = tree?.compounds.find((c) => c.buildings.some((b) => b.code === target.building));
      return compound ? { scope: scopeId.building(communityId, compound.code, target.building) } : null;
    }
    const group = (await this.deps.notices.groupsOfCommunity(communityId)).find(
      (g) => g.name === target.name,
    );
    return group ? { scope: group.scopeId, groupIds: [group.id] } : null;
  }

  private async enqueueAll(
    notice: NoticeRecord,
    groups: NoticeTargetGroup[],
    origin: string | undefined,
    template: 'message' | 'followUp',
    keyOf: (noticeId: string, groupId: string) => string,
  ): Promise<void> {
    const link = `${(origin ?? this.deps.publicUrl).replace(/\/$/, '')}/app/#/n/${notice.code}`;
    for (const group of groups) {
      const text = notice.translations.find((t) => t.language === group.language)?.text ?? notice.text;
      const t = translator(group.language);
      await this.deps.outbox.enqueue(
        keyOf(notice.id, group.id),
        {
          channel: group.channel,
          accountId: group.accountId,
          groupId: group.platformGroupId,
          content: {
            kind: 'text',
            text: t(`notices.${template}`, { number: noticeNumber(notice.number), text, link }),
          },
          mentions: [],
          replyTo: null,
        },
        { mayBeRetry: true },
      );
    }
  }

  private audit(actor: Actor, action: string, notice: NoticeRecord, after: unknown): Promise<void> {
    return this.deps.audit.record({
      actor: { id: actor.id },
      action,
      target: { kind: 'notice', id: notice.id, label: noticeNumber(notice.number), scope: notice.scopeId },
      after,
    });
  }

  private async present(notice: NoticeRecord): Promise<NoticeView> {
    const groups = (await this.deps.notices.groupsOfCommunity(notice.communityId)).filter((g) =>
      notice.groupIds.includes(g.id),
    );
    const states = await this.deps.notices.deliveryStates(
      notice.groupIds.map((g) => noticeKey(notice.id, g)),
    );
    const progress = { queued: 0, sent: 0, failed: 0 };
    const views = groups.map((g) => {
      const state: DeliveryState | 'unknown' = states.get(noticeKey(notice.id, g.id)) ?? 'unknown';
      if (state !== 'unknown') progress[state] += 1;
      return { id: g.id, name: g.name, channel: g.channel, state };
    });
    return {
      id: notice.id,
      number: noticeNumber(notice.number),
      code: notice.code,
      scope: notice.scopeId,
      text: notice.text,
      createdAt: notice.createdAt.toISOString(),
      followedUp: notice.followUpAt !== null,
      groups: views,
      progress,
    };
  }

  private async readState(notice: NoticeRecord) {
    const [allGroups, households, acks] = await Promise.all([
      this.deps.notices.groupsOfCommunity(notice.communityId),
      this.householdsIn(notice.scopeId),
      this.deps.notices.listAcks(notice.id),
    ]);
    const acked = new Set(acks.map((a) => a.householdId));
    const groups = allGroups
      .filter((g) => notice.groupIds.includes(g.id))
      .map((group) => ({
        group,
        households: households
          .filter((h) => covers(group.scopeId, h.scope))
          .map((h) => ({ id: h.id, address: h.address, read: acked.has(h.id) })),
      }));
    return { groups };
  }

  private householdsIn(scope: ScopeId): Promise<HouseholdRecord[]> {
    const parsed = parseScope(scope);
    if (parsed.kind === 'building' && parsed.compound && parsed.building)
      return this.deps.households.listByBuilding(parsed.communityId, parsed.compound, parsed.building);
    return this.deps.households.listByCommunity(parsed.communityId, parsed.compound ?? undefined);
  }
}

/** The household id is the last part of the actor's household scope. */
function householdOf(actor: Actor): string | null {
  return actor.householdScope ? (parseScope(actor.householdScope).householdId ?? null) : null;
}
