import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Headers DingTalk puts on a robot's HTTP callback. */
export const TIMESTAMP_HEADER = 'timestamp';
export const SIGN_HEADER = 'sign';

/** DingTalk calls a callback illegal when its timestamp is more than an hour away from ours. */
export const MAX_CALLBACK_SKEW_MS = 60 * 60 * 1000;

/**
 * base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret)): the same formula signs robot
 * callbacks (with the app's AppSecret) and custom-robot sends (with the robot's `SEC…` secret).
 */
export function dingTalkSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

export type CallbackCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

/** Checks the `timestamp` and `sign` headers of a robot callback against the app's AppSecret. */
export function verifyDingTalkCallback(
  appSecret: string,
  timestamp: string | undefined,
  sign: string | undefined,
  now = Date.now(),
  maxSkewMs = MAX_CALLBACK_SKEW_MS,
): CallbackCheck {
  if (!timestamp || !sign) return 'missing';
  if (!/^\d{10,16}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > maxSkewMs) return 'stale';
  return constantTimeEqual(dingTalkSign(timestamp, appSecret), sign) ? 'ok' : 'mismatch';
}

/**
 * Appends `&timestamp=…&sign=…` to a custom robot's webhook URL, the signature URL-encoded as the
 * robot's security settings (加签) require.
 */
export function signRobotWebhookUrl(webhookUrl: string, secret: string, now = Date.now()): string {
  const timestamp = String(now);
  const sign = encodeURIComponent(dingTalkSign(timestamp, secret));
  const separator = webhookUrl.includes('?') ? '&' : '?';
  return `${webhookUrl}${separator}timestamp=${timestamp}&sign=${sign}`;
}

// Hashing first gives equal-length buffers, so neither the content nor the length of a guess leaks.
function constantTimeEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}
