import type { Context, Middleware } from 'koa';
import { languageFromAcceptLanguage, translator } from '../../../shared/i18n/index.js';
import type { BotLogger } from '../../runtime/bot.js';
import { describeIssues, robotMessageSchema, type RobotMessage } from './dingtalk-message.js';
import {
  MAX_CALLBACK_SKEW_MS,
  SIGN_HEADER,
  TIMESTAMP_HEADER,
  verifyDingTalkCallback,
} from './dingtalk-signature.js';
import { BodyTooLargeError, readRawBody } from '../../runtime/webhook-body.js';

export const DINGTALK_WEBHOOK_PATH = '/webhooks/dingtalk';
const MAX_BODY_BYTES = 256 * 1024;

export interface DingTalkWebhookOptions {
  /** The robot app's AppSecret (`DINGTALK_APP_SECRET`), which signs every callback. */
  appSecret: string;
  /** Takes a verified message; false while nobody listens yet (answered 503 so DingTalk tries again). */
  receive: (message: RobotMessage) => boolean;
  path?: string;
  maxSkewMs?: number;
  now?: () => number;
  log?: BotLogger;
}

/**
 * The robot's HTTP callback (`POST /webhooks/dingtalk`). Only the `timestamp` and `sign` headers are
 * signed, so they are checked before the body is even read; a message is handed on only when both
 * pass and the body is a valid robot message. DingTalk gets `{}` back at once: replies go out later
 * through the outbox, never in this response.
 */
export function dingTalkWebhook(options: DingTalkWebhookOptions): Middleware {
  const path = options.path ?? DINGTALK_WEBHOOK_PATH;
  const now = options.now ?? Date.now;
  return async (ctx, next) => {
    if (ctx.path !== path || ctx.method !== 'POST') return next();

    const check = verifyDingTalkCallback(
      options.appSecret,
      ctx.get(TIMESTAMP_HEADER) || undefined,
      ctx.get(SIGN_HEADER) || undefined,
      now(),
      options.maxSkewMs ?? MAX_CALLBACK_SKEW_MS,
    );
    if (check !== 'ok') {
      options.log?.warn({ check, ip: ctx.ip }, 'dingtalk callback refused');
      if (check === 'missing') return fail(ctx, 401, 'signature_missing', 'errors.unauthorized');
      if (check === 'stale') return fail(ctx, 401, 'timestamp_stale', 'errors.staleTimestamp');
      return fail(ctx, 401, 'signature_invalid', 'errors.badSignature');
    }

    let raw: string;
    try {
      raw = await readRawBody(ctx, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return fail(ctx, 413, 'payload_too_large', 'errors.payloadTooLarge');
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw) as unknown;
    } catch {
      return fail(ctx, 400, 'bad_json', 'errors.badJson');
    }
    const parsed = robotMessageSchema.safeParse(json);
    if (!parsed.success) {
      return fail(ctx, 400, 'validation_failed', 'errors.validation', {
        details: describeIssues(parsed.error),
      });
    }

    if (!options.receive(parsed.data)) return fail(ctx, 503, 'not_ready', 'errors.shuttingDown');
    ctx.status = 200;
    ctx.body = {};
  };
}

function fail(
  ctx: Context,
  status: number,
  code: string,
  key: string,
  params: Record<string, string> = {},
): void {
  const t = translator(languageFromAcceptLanguage(ctx.get('accept-language')));
  ctx.status = status;
  ctx.body = { error: { code, message: t(key, params) } };
}
