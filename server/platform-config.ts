import { z } from 'zod';
import { dingTalkRobotsFromJson } from '../bot/adapters/dingtalk/dingtalk-robots.js';
import { checkWebhookUrl, parseWebhookAllowlist } from '../bot/adapters/dingtalk/webhook-allowlist.js';
import { robotResolverFromJson } from '../bot/adapters/wecom/wecom-adapter.js';
import { assertEncodingAesKey } from '../bot/adapters/wecom/wecom-crypto.js';
import type { DingTalkChannelConfig, WeComChannelConfig } from '../bot/start.js';
import { checkProviderEnv, type ProviderEnv } from './auth/providers/config.js';
import type { ProviderBaseUrls } from './auth/providers/create-providers.js';

/** Deployments often pass unset variables as empty strings; those mean "not configured". */
const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const text = () => z.preprocess(blankToUndefined, z.string().trim().min(1).optional());

/**
 * Environment of the WeCom and DingTalk channels, spread into the server's config object beside the
 * sign-in providers' `providerEnvShape`; `checkPlatformEnv` checks how the settings fit together.
 */
export const channelEnvShape = {
  /** The WeCom app's callback Token and EncodingAESKey (接收消息服务器配置). */
  WECOM_TOKEN: text(),
  WECOM_AES_KEY: text(),
  /** The intelligent robot's callback Token and EncodingAESKey, when not the app's. */
  WECOM_ROBOT_TOKEN: text(),
  WECOM_ROBOT_AES_KEY: text(),
  /** JSON object: group chatid → that group's robot webhook key or URL. */
  WECOM_GROUP_ROBOTS: text(),
  /** Comma-separated names residents type after `@` for the robot. */
  WECOM_BOT_NAMES: z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((names) =>
        (names ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      ),
  ),
  /** Receive DingTalk robot messages over Stream mode (an outbound WebSocket) besides the HTTP callback. */
  DINGTALK_STREAM: z.preprocess(
    blankToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default('false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  ),
  /** Comma-separated hosts DingTalk replies may be posted to; DingTalk's API hosts by default. */
  DINGTALK_WEBHOOK_ALLOWLIST: text(),
  /** JSON array of `{conversationId, webhookUrl, secret}`: each group's custom robot. */
  DINGTALK_ROBOTS: text(),
};

type ChannelEnv = {
  WECOM_CORP_ID?: string | undefined;
  WECOM_TOKEN?: string | undefined;
  WECOM_AES_KEY?: string | undefined;
  WECOM_ROBOT_TOKEN?: string | undefined;
  WECOM_ROBOT_AES_KEY?: string | undefined;
  WECOM_GROUP_ROBOTS?: string | undefined;
  WECOM_BOT_NAMES: string[];
  DINGTALK_APP_KEY?: string | undefined;
  DINGTALK_APP_SECRET?: string | undefined;
  DINGTALK_STREAM: boolean;
  DINGTALK_WEBHOOK_ALLOWLIST?: string | undefined;
  DINGTALK_ROBOTS?: string | undefined;
};

type PlatformEnv = ProviderEnv & ChannelEnv & { WECHATY_PUPPET?: string | undefined };

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/** The sign-in providers' rules, then the channels': a half-configured platform fails start-up. */
export function checkPlatformEnv(env: PlatformEnv, ctx: z.RefinementCtx): void {
  checkProviderEnv(env, ctx);
  const issue = (key: keyof PlatformEnv, message: string) =>
    ctx.addIssue({ code: 'custom', path: [key], message });

  const wecomApp = env.WECOM_TOKEN !== undefined || env.WECOM_AES_KEY !== undefined;
  if (wecomApp) {
    for (const key of ['WECOM_CORP_ID', 'WECOM_TOKEN', 'WECOM_AES_KEY'] as const) {
      if (env[key] === undefined) issue(key, 'required for the WeCom channel (WECOM_TOKEN, WECOM_AES_KEY)');
    }
  }
  const robotCallback = env.WECOM_ROBOT_TOKEN !== undefined || env.WECOM_ROBOT_AES_KEY !== undefined;
  if (robotCallback) {
    for (const key of ['WECOM_ROBOT_TOKEN', 'WECOM_ROBOT_AES_KEY'] as const) {
      if (env[key] === undefined)
        issue(key, 'the robot callback needs both WECOM_ROBOT_TOKEN and WECOM_ROBOT_AES_KEY');
    }
    if (!wecomApp)
      issue(
        'WECOM_TOKEN',
        'the WeCom robot callback runs beside the app callback; set WECOM_TOKEN and WECOM_AES_KEY',
      );
  }
  for (const key of ['WECOM_AES_KEY', 'WECOM_ROBOT_AES_KEY'] as const) {
    const value = env[key];
    if (value === undefined) continue;
    try {
      assertEncodingAesKey(value);
    } catch {
      issue(key, 'must be the 43-character EncodingAESKey shown in the WeCom admin console');
    }
  }
  if (env.WECOM_GROUP_ROBOTS !== undefined) {
    if (!wecomApp)
      issue('WECOM_GROUP_ROBOTS', 'only used with the WeCom channel (WECOM_TOKEN, WECOM_AES_KEY)');
    try {
      robotResolverFromJson(env.WECOM_GROUP_ROBOTS);
    } catch (err) {
      issue(
        'WECOM_GROUP_ROBOTS',
        `must be a JSON object from group chatid to robot webhook key or URL (${reason(err)})`,
      );
    }
  }
  if (env.WECOM_BOT_NAMES.length > 0 && !wecomApp) {
    issue('WECOM_BOT_NAMES', 'only used with the WeCom channel (WECOM_TOKEN, WECOM_AES_KEY)');
  }

  const dingtalk = env.DINGTALK_APP_KEY !== undefined && env.DINGTALK_APP_SECRET !== undefined;
  const dingtalkOnly = 'only used with the DingTalk channel (DINGTALK_APP_KEY, DINGTALK_APP_SECRET)';
  if (env.DINGTALK_STREAM && !dingtalk) issue('DINGTALK_STREAM', `Stream mode is ${dingtalkOnly}`);
  if (env.DINGTALK_WEBHOOK_ALLOWLIST !== undefined && !dingtalk)
    issue('DINGTALK_WEBHOOK_ALLOWLIST', dingtalkOnly);
  if (env.DINGTALK_ROBOTS !== undefined) {
    if (!dingtalk) issue('DINGTALK_ROBOTS', dingtalkOnly);
    let records: { conversationId: string; webhookUrl: string }[] = [];
    try {
      dingTalkRobotsFromJson(env.DINGTALK_ROBOTS);
      records = JSON.parse(env.DINGTALK_ROBOTS) as typeof records;
    } catch (err) {
      issue(
        'DINGTALK_ROBOTS',
        `must be a JSON array of {conversationId, webhookUrl, secret} (${reason(err)})`,
      );
    }
    // A robot the adapter will refuse to post to is a configuration mistake, better found at start.
    const allowlist = parseWebhookAllowlist(env.DINGTALK_WEBHOOK_ALLOWLIST);
    for (const robot of records) {
      const check = checkWebhookUrl(robot.webhookUrl, allowlist);
      if (!check.ok) issue('DINGTALK_ROBOTS', `robot of ${robot.conversationId}: ${check.reason}`);
    }
  }
}

/** Which real platforms are set up; demo mode switches itself on only when this is empty. */
export function configuredPlatforms(env: PlatformEnv): string[] {
  const platforms: string[] = [];
  if (env.WECHATY_PUPPET !== undefined) platforms.push('wechaty');
  if (env.WECOM_TOKEN !== undefined || env.WECOM_SECRET !== undefined) platforms.push('wecom');
  if (env.DINGTALK_APP_KEY !== undefined || env.DINGTALK_APP_SECRET !== undefined) platforms.push('dingtalk');
  if (env.WECHAT_APP_ID !== undefined || env.WECHAT_APP_SECRET !== undefined) platforms.push('wechat');
  return platforms;
}

/** Where the server calls the platforms: their real hosts unless a test passes its stand-ins. */
export interface PlatformBaseUrls extends ProviderBaseUrls {
  /** Origin group robot webhooks may point to (WeCom's API by default). */
  wecomRobot?: string;
}

/** The WeCom and DingTalk channels the embedded bot runs, as far as they are configured. */
export function channelSettings(
  env: PlatformEnv,
  baseUrls: PlatformBaseUrls = {},
): { wecom?: WeComChannelConfig; dingtalk?: DingTalkChannelConfig } {
  const channels: { wecom?: WeComChannelConfig; dingtalk?: DingTalkChannelConfig } = {};
  const { WECOM_CORP_ID: corpId, WECOM_TOKEN: token, WECOM_AES_KEY: encodingAesKey } = env;
  if (corpId && token && encodingAesKey) {
    const { WECOM_ROBOT_TOKEN: robotToken, WECOM_ROBOT_AES_KEY: robotKey } = env;
    channels.wecom = {
      corpId,
      token,
      encodingAesKey,
      ...(robotToken && robotKey ? { robotCallback: { token: robotToken, encodingAesKey: robotKey } } : {}),
      groupRobots: env.WECOM_GROUP_ROBOTS,
      botNames: env.WECOM_BOT_NAMES,
      ...(baseUrls.wecomRobot ? { allowedOrigins: [baseUrls.wecomRobot] } : {}),
    };
  }
  const { DINGTALK_APP_KEY: appKey, DINGTALK_APP_SECRET: appSecret } = env;
  if (appKey && appSecret) {
    channels.dingtalk = {
      appKey,
      appSecret,
      stream: env.DINGTALK_STREAM,
      webhookAllowlist: parseWebhookAllowlist(env.DINGTALK_WEBHOOK_ALLOWLIST),
      robots: env.DINGTALK_ROBOTS,
    };
  }
  return channels;
}
