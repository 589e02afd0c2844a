import { createHash } from 'node:crypto';
import { dingTalkRobotWebhookUrl } from '../../bot/adapters/dingtalk/dingtalk-record-channels.js';
import { checkWebhookUrl } from '../../bot/adapters/dingtalk/webhook-allowlist.js';
import { robotWebhookUrl } from '../../bot/adapters/wecom/wecom-adapter.js';
import {
  channelCallbackPath,
  type ChannelKind,
  type ChannelList,
  type ChannelRecords,
  type ChannelView,
  type CreateChannelInput,
} from '../../shared/schemas/channel.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { assertCan } from '../policy/authorize.js';
import type { Actor } from '../policy/policy.js';
import { scopeId } from '../policy/scope.js';
import type { ChannelRecord, ChannelRepository } from '../repositories/channel.repository.js';
import type { AuditService } from './audit.service.js';
import type { SecretBox } from './secret-box.js';

export const channelNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'channels.what.channel' }, ['what']);
export const channelGroupTaken = (group: string) =>
  new AppError(409, 'channel_group_taken', 'channels.errors.groupTaken', { group });
export const channelPlatformOff = (platform: 'wecom' | 'dingtalk') =>
  new AppError(409, 'channel_platform_off', `channels.errors.${platform}Off`);
export const channelWebhookRefused = (reason: string) =>
  new AppError(400, 'channel_webhook_refused', 'channels.errors.webhookRefused', { reason });

/** The sealed part of each kind. */
type Sealed =
  | { kind: 'wecomApp'; token: string; aesKey: string; secret: string | null }
  | { kind: 'wecomRobot'; webhookKey: string }
  | { kind: 'dingtalkApp'; appSecret: string }
  | { kind: 'dingtalkRobot'; accessToken: string; secret: string };

const associatedData = (id: string) => `channel:${id}`;

/** The API's view: identifiers and the callback path, never a credential. */
export function presentChannel(r: ChannelRecord): ChannelView {
  const base = { id: r.id, name: r.name, createdAt: r.createdAt.toISOString() };
  switch (r.kind) {
    case 'wecomApp':
      return {
        ...base,
        kind: r.kind,
        corpId: r.corpId ?? '',
        agentId: r.agentId,
        callbackPath: channelCallbackPath(r.kind, r.id),
      };
    case 'wecomRobot':
      return { ...base, kind: r.kind, chatIds: r.groupIds };
    case 'dingtalkApp':
      return {
        ...base,
        kind: r.kind,
        appKey: r.appKey ?? '',
        callbackPath: channelCallbackPath(r.kind, r.id),
      };
    case 'dingtalkRobot':
      return { ...base, kind: r.kind, conversationId: r.groupIds[0] ?? '' };
  }
}

/** Wakes gateway long-polls when this process changed the set; other processes' bots see it at their next poll. */
class ChangeSignal {
  version = 0;
  private readonly waiters = new Set<() => void>();

  notify(): void {
    this.version++;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}

export interface ChannelServiceDeps {
  channels: ChannelRepository;
  audit: Pick<AuditService, 'record'>;
  box: SecretBox;
  /** Platforms whose adapter runs here (their default app is configured); records extend only those. */
  platforms: { wecom: boolean; dingtalk: boolean };
  /** Groups the environment's robots already serve (`WECOM_GROUP_ROBOTS`, `DINGTALK_ROBOTS`). */
  envGroups: { wecomRobot: ReadonlySet<string>; dingtalkRobot: ReadonlySet<string> };
  /** Hosts DingTalk robots may be posted to (`DINGTALK_WEBHOOK_ALLOWLIST`). */
  dingtalkAllowlist: readonly string[];
  log: Logger;
}

/**
 * Channels admins register on top of the environment's: created and deleted through the API (admins
 * of the community), read in full, credentials included, only by bots over the gateway.
 */
export class ChannelService {
  private readonly changes = new ChangeSignal();

  constructor(private readonly deps: ChannelServiceDeps) {}

  async list(actor: Actor): Promise<ChannelList> {
    this.assertMay(actor);
    return { items: (await this.deps.channels.listByCommunity(actor.communityId)).map(presentChannel) };
  }

  async create(actor: Actor, input: CreateChannelInput): Promise<ChannelView> {
    this.assertMay(actor);
    const platform = input.kind.startsWith('wecom') ? 'wecom' : 'dingtalk';
    if (!this.deps.platforms[platform]) throw channelPlatformOff(platform);
    const groupIds = groupIdsOf(input);
    await this.assertGroupsFree(input.kind, groupIds);
    if (input.kind === 'dingtalkRobot') {
      const check = checkWebhookUrl(dingTalkRobotWebhookUrl(input.accessToken), this.deps.dingtalkAllowlist);
      if (!check.ok) throw channelWebhookRefused(check.reason);
    }
    if (input.kind === 'wecomRobot' && !robotWebhookUrl(input.webhookKey)) {
      throw channelWebhookRefused('not a WeCom robot webhook');
    }

    const id = this.deps.channels.newId();
    const record = await this.deps.channels.insert({
      id,
      communityId: actor.communityId,
      kind: input.kind,
      name: input.name,
      corpId: input.kind === 'wecomApp' ? input.corpId : null,
      agentId: input.kind === 'wecomApp' ? (input.agentId ?? null) : null,
      appKey: input.kind === 'dingtalkApp' ? input.appKey : null,
      groupIds,
      sealed: this.deps.box.seal(sealedOf(input), associatedData(id)),
      createdBy: actor.id,
    });
    this.changes.notify();
    const view = presentChannel(record);
    await this.deps.audit.record({
      actor,
      action: 'channel.create',
      target: { kind: 'channel', id, label: record.name, scope: scopeId.community(actor.communityId) },
      after: view,
    });
    return view;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    this.assertMay(actor);
    const record = await this.deps.channels.deleteInCommunity(id, actor.communityId);
    if (!record) throw channelNotFound();
    this.changes.notify();
    await this.deps.audit.record({
      actor,
      action: 'channel.delete',
      target: { kind: 'channel', id, label: record.name, scope: scopeId.community(actor.communityId) },
      before: presentChannel(record),
    });
  }

  /** Every community's channels with their credentials, for the bots (gateway only). */
  async records(): Promise<ChannelRecords> {
    const all = await this.deps.channels.listAll();
    const out: ChannelRecords = {
      revision: createHash('sha256')
        .update(all.map((r) => `${r.id}:${r.updatedAt.getTime()}`).join('\n'))
        .digest('base64url')
        .slice(0, 32),
      wecomApps: [],
      wecomRobots: [],
      dingtalkApps: [],
      dingtalkRobots: [],
    };
    for (const r of all) {
      let sealed: Sealed;
      try {
        sealed = this.deps.box.open(r.sealed, associatedData(r.id)) as Sealed;
      } catch (err) {
        // Sealed under another DATA_KEY or altered: that channel stays off; the others work.
        this.deps.log.error({ err, channel: r.id, kind: r.kind }, 'channel credentials do not open');
        continue;
      }
      if (sealed.kind === 'wecomApp') {
        out.wecomApps.push({ id: r.id, corpId: r.corpId ?? '', token: sealed.token, aesKey: sealed.aesKey });
      } else if (sealed.kind === 'wecomRobot') {
        out.wecomRobots.push({ id: r.id, webhookKey: sealed.webhookKey, chatIds: r.groupIds });
      } else if (sealed.kind === 'dingtalkApp') {
        out.dingtalkApps.push({ id: r.id, appSecret: sealed.appSecret });
      } else {
        const conversationId = r.groupIds[0] ?? '';
        out.dingtalkRobots.push({
          id: r.id,
          accessToken: sealed.accessToken,
          secret: sealed.secret,
          conversationId,
        });
      }
    }
    return out;
  }

  /** The records at once when the caller's `revision` is stale, else after a change or `waitMs`. */
  async recordsAfter(revision: string | null, waitMs: number, signal: AbortSignal): Promise<ChannelRecords> {
    const version = this.changes.version;
    const current = await this.records();
    if (revision === null || current.revision !== revision || waitMs === 0 || signal.aborted) return current;
    if (this.changes.version === version) await this.changes.wait(waitMs, signal);
    return this.changes.version === version ? current : this.records();
  }

  private assertMay(actor: Actor): void {
    assertCan(actor, 'channel.manage', { scope: scopeId.community(actor.communityId) });
  }

  /** One robot per group: a group already served by the environment or a record is refused. */
  private async assertGroupsFree(kind: ChannelKind, groupIds: readonly string[]): Promise<void> {
    if (kind !== 'wecomRobot' && kind !== 'dingtalkRobot') return;
    const env = this.deps.envGroups[kind];
    const fromEnv = groupIds.find((g) => env.has(g));
    if (fromEnv !== undefined) throw channelGroupTaken(fromEnv);
    const taken = await this.deps.channels.findServing(kind, groupIds);
    const group = groupIds.find((g) => taken.some((t) => t.groupIds.includes(g)));
    if (group !== undefined) throw channelGroupTaken(group);
  }
}

function groupIdsOf(input: CreateChannelInput): string[] {
  if (input.kind === 'wecomRobot') return input.chatIds;
  if (input.kind === 'dingtalkRobot') return [input.conversationId];
  return [];
}

function sealedOf(input: CreateChannelInput): Sealed {
  switch (input.kind) {
    case 'wecomApp':
      return { kind: input.kind, token: input.token, aesKey: input.aesKey, secret: input.secret ?? null };
    case 'wecomRobot':
      return { kind: input.kind, webhookKey: input.webhookKey };
    case 'dingtalkApp':
      return { kind: input.kind, appSecret: input.appSecret };
    case 'dingtalkRobot':
      return { kind: input.kind, accessToken: input.accessToken, secret: input.secret };
  }
}

/** Groups the environment's robots serve, from the already validated `WECOM_GROUP_ROBOTS` and `DINGTALK_ROBOTS`. */
export function envRobotGroups(settings: { WECOM_GROUP_ROBOTS?: string; DINGTALK_ROBOTS?: string }): {
  wecomRobot: Set<string>;
  dingtalkRobot: Set<string>;
} {
  const parse = (json: string | undefined): unknown => {
    try {
      return json?.trim() ? (JSON.parse(json) as unknown) : null;
    } catch {
      return null;
    }
  };
  const wecom = parse(settings.WECOM_GROUP_ROBOTS);
  const dingtalk = parse(settings.DINGTALK_ROBOTS);
  return {
    wecomRobot: new Set(
      wecom && typeof wecom === 'object' && !Array.isArray(wecom) ? Object.keys(wecom) : [],
    ),
    dingtalkRobot: new Set(
      Array.isArray(dingtalk)
        ? dingtalk.flatMap((r: unknown) =>
            r && typeof r === 'object' && 'conversationId' in r && typeof r.conversationId === 'string'
              ? [r.conversationId]
              : [],
          )
        : [],
    ),
  };
}
