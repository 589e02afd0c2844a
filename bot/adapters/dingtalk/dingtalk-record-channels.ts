import type { Middleware } from 'koa';
import { languageFromAcceptLanguage, translator } from '../../../shared/i18n/index.js';
import type { ChannelRecords } from '../../../shared/schemas/channel.js';
import type { BotLogger } from '../../runtime/bot.js';
import type { ChannelDirectory } from '../../runtime/channel-directory.js';
import type { DingTalkRobot, DingTalkRobotResolver } from './dingtalk-robots.js';
import type { RobotMessage } from './dingtalk-message.js';
import { dingTalkWebhook, DINGTALK_WEBHOOK_PATH } from './dingtalk-webhook.js';

/** Where a custom robot posts (自定义机器人发送群消息). */
export const DINGTALK_ROBOT_SEND_URL = 'https://oapi.dingtalk.com/robot/send';

/** A custom robot's `access_token` → its webhook URL; a whole webhook URL is kept as it is. */
export function dingTalkRobotWebhookUrl(accessTokenOrUrl: string): string {
  const value = accessTokenOrUrl.trim();
  if (/^[\w-]{8,256}$/.test(value)) return `${DINGTALK_ROBOT_SEND_URL}?access_token=${value}`;
  return value;
}

/** `/webhooks/dingtalk/<channel id>`: the callback URL of a registered DingTalk robot app. */
const RECORD_PATH = new RegExp(`^${DINGTALK_WEBHOOK_PATH}/([0-9a-f]{24})$`);

/**
 * The environment's robots (`DINGTALK_ROBOTS`) first, then the registered ones (oldest record first);
 * a group nobody serves yet triggers one fetch of the records (rate-limited) before giving up.
 */
export function withRecordRobots(
  env: DingTalkRobotResolver | undefined,
  directory: ChannelDirectory,
): DingTalkRobotResolver {
  let index: { records: ChannelRecords; robots: Map<string, DingTalkRobot> } | null = null;
  const lookup = (conversationId: string) => {
    if (index?.records !== directory.current) {
      const robots = new Map<string, DingTalkRobot>();
      for (const r of directory.current.dingtalkRobots) {
        if (!robots.has(r.conversationId)) {
          robots.set(r.conversationId, {
            webhookUrl: dingTalkRobotWebhookUrl(r.accessToken),
            secret: r.secret,
          });
        }
      }
      index = { records: directory.current, robots };
    }
    return index.robots.get(conversationId);
  };
  return async (conversationId) =>
    (await env?.(conversationId)) ??
    lookup(conversationId) ??
    ((await directory.refreshAfterMiss()) ? lookup(conversationId) : undefined);
}

export interface DingTalkRecordWebhookOptions {
  /** Takes a verified message; false while the adapter is not running. */
  receive: (message: RobotMessage) => boolean;
  now?: () => number;
  log: BotLogger;
}

/**
 * Callbacks of registered DingTalk robot apps, at `/webhooks/dingtalk/<id>`: the `timestamp` and
 * `sign` headers are checked exactly as for the default app, with that record's AppSecret.
 * An id nobody registered gets 404.
 */
export function dingTalkRecordWebhook(
  directory: ChannelDirectory,
  options: DingTalkRecordWebhookOptions,
): Middleware {
  const find = (id: string) => directory.current.dingtalkApps.find((app) => app.id === id);
  return async (ctx, next) => {
    const match = RECORD_PATH.exec(ctx.path);
    if (!match || ctx.method !== 'POST') return next();
    const id = match[1]!;
    const app = find(id) ?? ((await directory.refreshAfterMiss()) ? find(id) : undefined);
    if (!app) {
      options.log.warn({ channel: id }, 'dingtalk callback for an unknown channel');
      const t = translator(languageFromAcceptLanguage(ctx.get('accept-language')));
      ctx.status = 404;
      ctx.body = { error: { code: 'channel_not_found', message: t('channels.errors.unknownChannel') } };
      return;
    }
    return dingTalkWebhook({
      appSecret: app.appSecret,
      receive: options.receive,
      path: ctx.path,
      now: options.now,
      log: options.log,
    })(ctx, next);
  };
}
