import type { Middleware } from 'koa';
import { languageFromAcceptLanguage, translator } from '../../../shared/i18n/index.js';
import type { ChannelRecords } from '../../../shared/schemas/channel.js';
import type { ChannelDirectory } from '../../runtime/channel-directory.js';
import { MemoryReplayGuard, type ReplayGuard } from './replay-guard.js';
import { robotWebhookUrl, type RobotResolver } from './wecom-adapter.js';
import { wecomWebhook, WECOM_WEBHOOK_PATH, type WeComReceiver } from './wecom-webhook.js';

/** `/webhooks/wecom/<channel id>`: the callback URL of a registered WeCom app. */
const RECORD_PATH = new RegExp(`^${WECOM_WEBHOOK_PATH}/([0-9a-f]{24})$`);

interface RobotIndex {
  records: ChannelRecords;
  urls: Map<string, string>;
  shared: Set<string>;
}

function indexRobots(records: ChannelRecords, envShared: ReadonlySet<string> | undefined): RobotIndex {
  const urls = new Map<string, string>();
  const shared = new Set(envShared);
  for (const robot of records.wecomRobots) {
    const url = robotWebhookUrl(robot.webhookKey);
    if (!url) continue;
    // Oldest record first: a group another record already claimed keeps its robot.
    for (const chatId of robot.chatIds) if (!urls.has(chatId)) urls.set(chatId, url);
    if (robot.chatIds.length > 1) shared.add(url);
  }
  return { records, urls, shared };
}

/**
 * The environment's robots (`WECOM_GROUP_ROBOTS`) first, then the registered ones. Answers at once
 * from memory, so the delivery loop can key its limits by robot; a group nobody serves yet triggers
 * one fetch of the records (rate-limited) in case its robot was registered a moment ago.
 */
export function withRecordRobots(env: RobotResolver, directory: ChannelDirectory): RobotResolver {
  let index: RobotIndex | null = null;
  const current = () => {
    if (index?.records !== directory.current) index = indexRobots(directory.current, env.sharedUrls);
    return index;
  };
  const fromRecords = (groupId: string) => {
    const url = current().urls.get(groupId);
    if (url) return url;
    return directory
      .refreshAfterMiss()
      .then((changed) => (changed ? (current().urls.get(groupId) ?? null) : null));
  };
  const resolve = (groupId: string) => {
    const found = env(groupId);
    if (found instanceof Promise) return found.then((url) => url ?? fromRecords(groupId));
    return found ?? fromRecords(groupId);
  };
  return Object.defineProperty(resolve, 'sharedUrls', { get: () => current().shared, enumerable: true });
}

export interface WeComRecordWebhookOptions {
  replayGuard?: ReplayGuard;
  now?: () => number;
}

/**
 * Callbacks of registered WeCom apps, at `/webhooks/wecom/<id>`: each is checked exactly as the
 * default app's (signature, timestamp, replay, decryption, receive id) but with that record's Token,
 * EncodingAESKey and CorpID, then handed to the same adapter. An id nobody registered gets 404.
 */
export function wecomRecordWebhook(
  receiver: WeComReceiver,
  directory: ChannelDirectory,
  options: WeComRecordWebhookOptions = {},
): Middleware {
  const now = options.now ?? Date.now;
  const replayGuard = options.replayGuard ?? new MemoryReplayGuard(now);
  const find = (id: string) => directory.current.wecomApps.find((app) => app.id === id);
  return async (ctx, next) => {
    const match = RECORD_PATH.exec(ctx.path);
    if (!match || (ctx.method !== 'GET' && ctx.method !== 'POST')) return next();
    const id = match[1]!;
    const app = find(id) ?? ((await directory.refreshAfterMiss()) ? find(id) : undefined);
    if (!app) {
      receiver.log.warn(
        { account: receiver.accountId, channel: id },
        'wecom callback for an unknown channel',
      );
      const t = translator(languageFromAcceptLanguage(ctx.get('accept-language')));
      ctx.status = 404;
      ctx.body = { error: { code: 'channel_not_found', message: t('channels.errors.unknownChannel') } };
      return;
    }
    const credentials = { token: app.token, encodingAesKey: app.aesKey };
    const forRecord: WeComReceiver = {
      accountId: receiver.accountId,
      botNames: receiver.botNames,
      log: receiver.log,
      get accepting() {
        return receiver.accepting;
      },
      receive: (message, responseUrl) => receiver.receive(message, responseUrl),
      // The app's callback names its CorpID; an intelligent robot set up with the same Token names ''.
      callbackProfiles: [
        { kind: 'app', ...credentials, receiveId: app.corpId },
        { kind: 'robot', ...credentials, receiveId: '' },
      ],
    };
    return wecomWebhook(forRecord, { path: ctx.path, replayGuard, now })(ctx, next);
  };
}
