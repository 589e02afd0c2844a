/** DingTalk's API hosts: session webhooks and custom robots live here. */
export const DEFAULT_DINGTALK_WEBHOOK_HOSTS: readonly string[] = ['oapi.dingtalk.com', 'api.dingtalk.com'];

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Hosts from `DINGTALK_WEBHOOK_ALLOWLIST` (comma-separated, exact names, optionally `host:port`);
 * DingTalk's API hosts when unset or empty.
 */
export function parseWebhookAllowlist(value: string | undefined): string[] {
  const hosts = (value ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return hosts.length > 0 ? hosts : [...DEFAULT_DINGTALK_WEBHOOK_HOSTS];
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Whether the server may POST to this address. A session webhook arrives inside the message, so
 * without this check anyone who can get a message in could make the server post anywhere.
 * HTTPS only, except to an explicitly allowed loopback host (local stand-ins in tests).
 */
export function checkWebhookUrl(raw: string, allowlist: readonly string[]): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL' };
  const host = url.hostname.toLowerCase();
  const hostWithPort = url.host.toLowerCase();
  if (!allowlist.some((entry) => entry === host || entry === hostWithPort))
    return { ok: false, reason: `host ${host} is not on the webhook allowlist` };
  if (url.protocol === 'https:') return { ok: true, url };
  if (url.protocol === 'http:' && LOOPBACK.has(host)) return { ok: true, url };
  return { ok: false, reason: `${url.protocol} is not allowed for ${host}` };
}
