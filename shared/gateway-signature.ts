import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers that carry the bot-to-gateway authentication. */
export const TIMESTAMP_HEADER = 'x-gateway-timestamp';
export const SIGNATURE_HEADER = 'x-gateway-signature';

/** Requests older or newer than this are refused, which bounds how long a captured request can be replayed. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

/** hex(HMAC-SHA256(secret, timestamp + "." + body)), timestamp in milliseconds since the epoch. */
export function signGatewayRequest(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

export function verifyGatewayRequest(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  now = Date.now(),
): SignatureCheck {
  if (!timestamp || !signature) return 'missing';
  if (!/^\d{10,16}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > MAX_SKEW_MS) return 'stale';
  const expected = Buffer.from(signGatewayRequest(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length) return 'mismatch';
  return timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}
