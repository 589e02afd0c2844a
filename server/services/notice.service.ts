import ExcelJS from 'exceljs';
import { randomBytes } from 'node:crypto';
import { renderForDingTalk } from '../../bot/adapters/dingtalk/dingtalk-render.js';
import { renderForWechat } from '../../bot/adapters/wechaty/render.js';
import { renderForRobot } from '../../bot/adapters/wecom/wecom-render.js';
import { LANGUAGES, translator, type Language } from '../../shared/i18n/index.js';
import type { Channel, OutboundContent } from '../../shared/messages.js';
import {
  MAX_SCHEDULE_DAYS,
  NOTICE_PLATFORMS,
  noticeNumber,
  type NoticeDetail,
  type NoticePlatform,
  type NoticePreview,
  type NoticeTargets,
  type ScheduledNoticeList,
  type ScheduledNoticeView,
  type FollowUpResult,
  type NoticeAckReport,
  type NoticeAckResult,
  type NoticeList,
  type NoticePublicView,
  type NoticeView,
} from '../../shared/schemas/notice.js';
import { AppError, badRequest } from '../errors.js';
import { DEFAULT_TIMEZONE, formatLocalTime } from '../scheduler/cron.js';
import { assertCan, forbiddenAction } from '../policy/authorize.js';
import { can, grantedScopes, type Actor } from '../policy/policy.js';
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
import type {
  NoticeScheduleRecord,
  NoticeScheduleRepository,
} from '../repositories/notice-schedule.repository.js';
import type { OutboxRepository } from '../repositories/outbox.repository.js';
import type { AuditService } from './audit.service.js';
import type { XlsxFile } from './roster.service.js';
import type { PointsAwarder } from './points-award.js';

export const noticeNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'notices.what.notice' }, ['what']);
export const noticeNoGroups = () => new AppError(400, 'no_groups', 'notices.errors.noGroups');
export const noticeNoHousehold = () => new AppError(403, 'no_household', 'notices.errors.noHousehold');
export const noticeOutOfScope = () => new AppError(403, 'forbidden', 'notices.errors.outOfScope');
export const noticeReadForbidden = () => forbiddenAction('notice.read');
export const scheduleNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'staffNotices.what.schedule' }, ['what']);
export const scheduleNotCancellable = () =>
  new AppError(409, 'not_cancellable', 'staffNotices.errors.notCancellable');

export interface ScheduleNoticeCommand extends Omit<SendNoticeCommand, 'sourceKey'> {
  sendAt: Date;
  now?: Date;
}

/** Where a channel's groups see the notice: the simulator shows what WeChat would. */
const platformOf = (channel: Channel): NoticePlatform =>
  channel === 'wecom' || channel === 'dingtalk' ? channel : 'wechat';

/** The number shown in previews, before the notice has one. */
const PREVIEW_CODE = 'xxxxxxxxxxxx';

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
      /** Notices to send later; absent where scheduling is not wired (unit tests of sending). */
      schedules?: Pick<NoticeScheduleRepository, 'create' | 'findById' | 'listByCommunity' | 'cancel'>;
      /** Credits the `noticeAck` rule; absent where the ledger is not wired. */
      points?: PointsAwarder;
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
    const { notice, created } = await this.deps.notices.create({
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
    // A notice created just now has never been delivered: no need to look up each group's record first.
    await this.enqueueAll(notice, targets, input.origin, 'message', noticeKey, !created);
    return { notice, groups: targets.length };
  }

  /** Staff list: the notices of the scopes they may send to, with delivery progress per group. */
  async list(actor: Actor): Promise<NoticeList> {
    const scopes = grantedScopes(actor, 'notice.read');
    if (scopes.length === 0) throw noticeReadForbidden();
    const communities = [...new Set(scopes.map(communityOf))];
    const notices = (await Promise.all(communities.map((c) => this.deps.notices.listByCommunity(c))))
      .flat()
      .filter((n) => scopes.some((s) => covers(s, n.scopeId)));
    const groups = new Map<string, Promise<NoticeTargetGroup[]>>();
    const groupsOf = (communityId: string) => {
      if (!groups.has(communityId)) groups.set(communityId, this.deps.notices.groupsOfCommunity(communityId));
      return groups.get(communityId)!;
    };
    // One lookup of every group's delivery state, so a page polling the list costs two queries, not 2n.
    const states = await this.deps.notices.deliveryStates(
      notices.flatMap((n) => n.groupIds.map((g) => noticeKey(n.id, g))),
    );
    const items: NoticeView[] = [];
    for (const notice of notices)
      items.push(await this.present(notice, await groupsOf(notice.communityId), states));
    return { items };
  }

  /** One notice with its delivery per group and the acknowledgement report with times and names. */
  async detail(actor: Actor, id: string): Promise<NoticeDetail> {
    const notice = await this.deps.notices.findById(id);
    if (!notice) throw noticeNotFound();
    if (!can(actor, 'notice.read', { scope: notice.scopeId })) throw noticeReadForbidden();
    const [view, { groups }, acks] = await Promise.all([
      this.present(notice),
      this.readState(notice),
      this.deps.notices.listAcks(notice.id),
    ]);
    const names = await this.deps.notices.residentNames(acks.map((a) => a.residentId));
    const ackOf = new Map(acks.map((a) => [a.householdId, a]));
    const report = groups.map(({ group, households }) => {
      const rows = households.map((h) => {
        const ack = ackOf.get(h.id);
        return {
          id: h.id,
          address: h.address,
          read: h.read,
          at: ack ? ack.createdAt.toISOString() : null,
          by: ack ? (names.get(ack.residentId) ?? null) : null,
        };
      });
      const groupRead = rows.filter((h) => h.read).length;
      return {
        id: group.id,
        name: group.name,
        read: groupRead,
        unread: rows.length - groupRead,
        households: rows,
      };
    });
    // Totals count each household once, though a community group and a building group both list it.
    const households = new Map(report.flatMap((g) => g.households.map((h) => [h.id, h.read] as const)));
    const read = [...households.values()].filter(Boolean).length;
    const unread = households.size - read;
    return { notice: view, report: { groups: report, read, unread } };
  }

  /** The report as .xlsx: one sheet for the notice, a row per group and household. */
  async exportAcks(actor: Actor, id: string, language: Language): Promise<XlsxFile> {
    const { notice, report } = await this.detail(actor, id);
    const t = translator(language);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet(t('staffNotices.export.sheet', { number: notice.number }));
    sheet.columns = [
      { header: t('staffNotices.export.group'), key: 'group', width: 24 },
      { header: t('staffNotices.export.address'), key: 'address', width: 14 },
      { header: t('staffNotices.export.acknowledged'), key: 'read', width: 10 },
      { header: t('staffNotices.export.at'), key: 'at', width: 18 },
      { header: t('staffNotices.export.by'), key: 'by', width: 14 },
    ];
    sheet.getRow(1).font = { bold: true };
    for (const group of report.groups)
      for (const h of group.households)
        sheet.addRow({
          group: group.name,
          address: h.address,
          read: t(h.read ? 'staffNotices.export.yes' : 'staffNotices.export.no'),
          at: h.at ? formatLocalTime(new Date(h.at), DEFAULT_TIMEZONE) : null,
          by: h.by,
        });
    return {
      body: Buffer.from(await workbook.xlsx.writeBuffer()),
      filename: `${t('staffNotices.export.filename', { number: notice.number })}.xlsx`,
      asciiFilename: `notice-${notice.number}-acks.xlsx`,
    };
  }

  /** What the compose page may pick: the places and groups inside the scopes the actor may send to. */
  async targets(actor: Actor): Promise<NoticeTargets> {
    const scopes = grantedScopes(actor, 'notice.send');
    if (scopes.length === 0) throw forbiddenAction('notice.send');
    const result: NoticeTargets = { scopes: [], groups: [] };
    for (const communityId of [...new Set(scopes.map(communityOf))]) {
      const [tree, groups] = await Promise.all([
        this.deps.communities.findTree(communityId),
        this.deps.notices.groupsOfCommunity(communityId),
      ]);
      const inScope = (id: ScopeId) => scopes.some((s) => covers(s, id));
      if (tree && inScope(scopeId.community(communityId)))
        result.scopes.push({ id: scopeId.community(communityId), kind: 'community', name: tree.name });
      for (const compound of tree?.compounds ?? []) {
        const compoundId = scopeId.compound(communityId, compound.code);
        if (inScope(compoundId))
          result.scopes.push({ id: compoundId, kind: 'compound', name: compound.name });
        for (const building of compound.buildings) {
          const buildingId = scopeId.building(communityId, compound.code, building.code);
          if (inScope(buildingId))
            result.scopes.push({ id: buildingId, kind: 'building', name: building.name });
        }
      }
      for (const g of groups)
        if (inScope(g.scopeId))
          result.groups.push({
            id: g.id,
            name: g.name,
            channel: g.channel,
            language: g.language,
            scope: g.scopeId,
          });
    }
    return result;
  }

  /**
   * How the notice will look on each platform, through the same renderers the bot posts with; one item
   * per platform and language among the target groups (every platform is shown, so staff see all three).
   */
  async preview(input: Omit<SendNoticeCommand, 'sourceKey'>): Promise<NoticePreview> {
    assertCan(input.actor, 'notice.send', { scope: input.scope });
    const groups = await this.targetGroups(input.scope, input.groupIds);
    const languages = LANGUAGES.filter((l) => groups.some((g) => g.language === l));
    const link = `${(input.origin ?? this.deps.publicUrl).replace(/\/$/, '')}/app/#/n/${PREVIEW_CODE}`;
    const items: NoticePreview['items'] = [];
    for (const language of languages.length ? languages : (['zh-CN'] as const)) {
      const t = translator(language);
      const own = input.translations?.[language]?.trim();
      const content: OutboundContent = {
        kind: 'text',
        text: t('notices.message', {
          number: t('staffNotices.preview.number'),
          text: own || input.text.trim(),
          link,
        }),
      };
      for (const platform of NOTICE_PLATFORMS) {
        const count = groups.filter(
          (g) => g.language === language && platformOf(g.channel) === platform,
        ).length;
        items.push({ platform, language, groups: count, ...renderOn(platform, content) });
      }
    }
    return {
      groups: groups.map((g) => ({ id: g.id, name: g.name, channel: g.channel, language: g.language })),
      items,
    };
  }

  /** Stores the notice to be sent once at `sendAt` by the scheduler, from this actor. */
  async schedule(input: ScheduleNoticeCommand): Promise<ScheduledNoticeView> {
    assertCan(input.actor, 'notice.send', { scope: input.scope });
    const schedules = this.requireSchedules();
    const now = input.now ?? new Date();
    if (input.sendAt.getTime() <= now.getTime())
      throw badRequest('send_at_past', 'staffNotices.errors.sendAtPast');
    if (input.sendAt.getTime() > now.getTime() + MAX_SCHEDULE_DAYS * 86_400_000)
      throw badRequest('send_at_too_far', 'staffNotices.errors.sendAtTooFar', { days: MAX_SCHEDULE_DAYS });
    const groups = await this.targetGroups(input.scope, input.groupIds);
    if (groups.length === 0) throw noticeNoGroups();
    const record = await schedules.create({
      communityId: communityOf(input.scope),
      scopeId: input.scope,
      text: input.text.trim(),
      translations: Object.entries(input.translations ?? {}).flatMap(([language, text]) =>
        text ? [{ language: language as Language, text: text.trim() }] : [],
      ),
      groupIds: input.groupIds ?? [],
      sendAt: input.sendAt,
      origin: input.origin ?? null,
      createdBy: input.actor.id ?? 'unknown',
    });
    await this.deps.audit.record({
      actor: { id: input.actor.id },
      action: 'notice.schedule',
      target: {
        kind: 'noticeSchedule',
        id: record.id,
        label: record.text.slice(0, 40),
        scope: record.scopeId,
      },
      after: { sendAt: record.sendAt.toISOString(), groups: groups.length },
    });
    return presentSchedule(record, groups.length);
  }

  /** Scheduled notices of the scopes the actor may read, latest first. */
  async listSchedules(actor: Actor): Promise<ScheduledNoticeList> {
    const scopes = grantedScopes(actor, 'notice.read');
    if (scopes.length === 0) throw noticeReadForbidden();
    const schedules = this.requireSchedules();
    const items: ScheduledNoticeView[] = [];
    for (const communityId of [...new Set(scopes.map(communityOf))]) {
      const groups = await this.deps.notices.groupsOfCommunity(communityId);
      for (const s of await schedules.listByCommunity(communityId)) {
        if (!scopes.some((scope) => covers(scope, s.scopeId))) continue;
        const count = groups.filter(
          (g) => covers(s.scopeId, g.scopeId) && (s.groupIds.length === 0 || s.groupIds.includes(g.id)),
        ).length;
        items.push(presentSchedule(s, count));
      }
    }
    return { items };
  }

  /** Cancels a schedule still waiting; 409 once it has been claimed, sent or cancelled. */
  async cancelSchedule(actor: Actor, id: string): Promise<void> {
    const schedules = this.requireSchedules();
    const record = await schedules.findById(id);
    if (!record) throw scheduleNotFound();
    assertCan(actor, 'notice.send', { scope: record.scopeId });
    if (!(await schedules.cancel(id))) throw scheduleNotCancellable();
    await this.deps.audit.record({
      actor: { id: actor.id },
      action: 'notice.cancelSchedule',
      target: {
        kind: 'noticeSchedule',
        id: record.id,
        label: record.text.slice(0, 40),
        scope: record.scopeId,
      },
      after: { sendAt: record.sendAt.toISOString() },
    });
  }

  private requireSchedules() {
    if (!this.deps.schedules) throw new AppError(503, 'no_schedules', 'staffNotices.errors.noSchedules');
    return this.deps.schedules;
  }

  /** The groups of a scope a notice goes to: all of them, or only the named ones among them. */
  private async targetGroups(scope: ScopeId, groupIds?: string[]): Promise<NoticeTargetGroup[]> {
    return (await this.deps.notices.groupsOfCommunity(communityOf(scope))).filter(
      (g) => covers(scope, g.scopeId) && (!groupIds || groupIds.includes(g.id)),
    );
  }

  /** Per group, which households of the notice's scope have acknowledged it. */
  async ackReport(actor: Actor, id: string): Promise<NoticeAckReport> {
    const notice = await this.deps.notices.findById(id);
    if (!notice) throw noticeNotFound();
    if (!can(actor, 'notice.read', { scope: notice.scopeId })) throw noticeReadForbidden();
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
    await this.award(notice, householdId, actor.id);
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
    await this.award(notice, householdId, actor.id);
    return { kind: outcome === 'inserted' ? 'acked' : 'duplicate', number: notice.number };
  }

  /**
   * Credits the household's first acknowledgement to whoever made it. Called on repeats too: the key
   * makes a second credit a no-op, and a credit that failed after the ack was stored is made up.
   */
  private async award(notice: NoticeRecord, householdId: string, residentId: string): Promise<void> {
    await this.deps.points?.award({
      communityId: notice.communityId,
      residentId,
      rule: 'noticeAck',
      idempotencyKey: `noticeAck:${notice.id}:${householdId}`,
      memo: `${noticeNumber(notice.number)} ${notice.text.slice(0, 50)}`,
    });
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
    mayBeRetry = true,
  ): Promise<void> {
    const link = `${(origin ?? this.deps.publicUrl).replace(/\/$/, '')}/app/#/n/${notice.code}`;
    // All at once: the outbox batches concurrent inserts, so 1,000 groups cost a few round trips.
    const enqueueOne = async (group: NoticeTargetGroup) => {
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
        { mayBeRetry },
      );
    };
    await Promise.all(groups.map(enqueueOne));
  }

  private audit(actor: Actor, action: string, notice: NoticeRecord, after: unknown): Promise<void> {
    return this.deps.audit.record({
      actor: { id: actor.id },
      action,
      target: { kind: 'notice', id: notice.id, label: noticeNumber(notice.number), scope: notice.scopeId },
      after,
    });
  }

  private async present(
    notice: NoticeRecord,
    communityGroups?: NoticeTargetGroup[],
    knownStates?: Map<string, DeliveryState>,
  ): Promise<NoticeView> {
    const groups = (
      communityGroups ?? (await this.deps.notices.groupsOfCommunity(notice.communityId))
    ).filter((g) => notice.groupIds.includes(g.id));
    const states =
      knownStates ??
      (await this.deps.notices.deliveryStates(notice.groupIds.map((g) => noticeKey(notice.id, g))));
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

/** One platform's rendering, as its adapter will post the content. */
function renderOn(
  platform: NoticePlatform,
  content: OutboundContent,
): { format: 'text' | 'markdown'; body: string; truncated: boolean } {
  const whole = content.kind === 'text' ? content.text : '';
  if (platform === 'wecom') {
    const payload = renderForRobot(content, []);
    const body = payload.msgtype === 'text' ? payload.text.content : payload.markdown.content;
    return { format: payload.msgtype, body, truncated: payload.msgtype === 'text' && body !== whole };
  }
  if (platform === 'dingtalk') {
    const payload = renderForDingTalk(content, []);
    if (payload.msgtype === 'text')
      return { format: 'text', body: payload.text.content, truncated: payload.text.content !== whole };
    if (payload.msgtype === 'markdown')
      return { format: 'markdown', body: payload.markdown.text, truncated: false };
    return { format: 'text', body: payload.link.text, truncated: false };
  }
  return { format: 'text', body: renderForWechat(content), truncated: false };
}

function presentSchedule(s: NoticeScheduleRecord, groups: number): ScheduledNoticeView {
  return {
    id: s.id,
    scope: s.scopeId,
    text: s.text,
    sendAt: s.sendAt.toISOString(),
    status: s.status,
    groups,
    noticeId: s.noticeId,
    createdAt: s.createdAt.toISOString(),
  };
}

/** The household id is the last part of the actor's household scope. */
function householdOf(actor: Actor): string | null {
  return actor.householdScope ? (parseScope(actor.householdScope).householdId ?? null) : null;
}
