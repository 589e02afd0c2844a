import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_CALLBACK_SKEW_MS,
  dingTalkSign,
  signRobotWebhookUrl,
  verifyDingTalkCallback,
} from './dingtalk-signature.js';

/** The documented algorithm, written out again here so the test does not trust the code under test. */
function referenceSign(timestamp: string, secret: string): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(Buffer.from(timestamp + '\n' + secret, 'utf8'));
  return mac.digest().toString('base64');
}

describe('dingTalkSign', () => {
  it('matches the Python sample of the robot security settings (加签) for a fixed input', () => {
    // Computed once with the docs' Python snippet: hmac.new(secret, f"{ts}\n{secret}", sha256), base64.
    expect(dingTalkSign('1577262236757', 'this is secret')).toBe(
      'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=',
    );
    expect(
      dingTalkSign('1700000000000', 'SEC1f2e3d4c5b6a79880123456789abcdef0123456789abcdef0123456789abcd'),
    ).toBe('ZM7DPwif41jUNUsfvJVuc5ru653DZguItW1MMfH5ugU=');
  });

  it('agrees with an independent node:crypto computation, including non-ASCII secrets', () => {
    for (const [timestamp, secret] of [
      ['1712345678901', 'app-secret-xyz'],
      ['1000000000000', '密钥 with spaces'],
    ] as const) {
      expect(dingTalkSign(timestamp, secret)).toBe(referenceSign(timestamp, secret));
    }
  });
});

describe('verifyDingTalkCallback', () => {
  const secret = 'AppSecret-for-tests';
  const now = 1_750_000_000_000;

  it('accepts a correct sign within the hour', () => {
    const ts = String(now - 30 * 60 * 1000);
    expect(verifyDingTalkCallback(secret, ts, referenceSign(ts, secret), now)).toBe('ok');
    const ahead = String(now + MAX_CALLBACK_SKEW_MS);
    expect(verifyDingTalkCallback(secret, ahead, referenceSign(ahead, secret), now)).toBe('ok');
  });

  it('rejects a missing timestamp or sign', () => {
    expect(verifyDingTalkCallback(secret, undefined, 'x', now)).toBe('missing');
    expect(verifyDingTalkCallback(secret, String(now), undefined, now)).toBe('missing');
    expect(verifyDingTalkCallback(secret, '', '', now)).toBe('missing');
  });

  it('rejects a timestamp more than one hour away, even when correctly signed', () => {
    for (const ts of [String(now - MAX_CALLBACK_SKEW_MS - 1), String(now + MAX_CALLBACK_SKEW_MS + 1)]) {
      expect(verifyDingTalkCallback(secret, ts, referenceSign(ts, secret), now)).toBe('stale');
    }
  });

  it('rejects a timestamp that is not milliseconds since the epoch', () => {
    for (const ts of ['abc', '1750000000000.5', '-1750000000000', '17500']) {
      expect(verifyDingTalkCallback(secret, ts, referenceSign(ts, secret), now)).toBe('stale');
    }
  });

  it('rejects a forged sign: another secret, another timestamp, or truncated', () => {
    const ts = String(now);
    const good = referenceSign(ts, secret);
    expect(verifyDingTalkCallback(secret, ts, referenceSign(ts, 'other'), now)).toBe('mismatch');
    expect(verifyDingTalkCallback(secret, ts, referenceSign(String(now - 1), secret), now)).toBe('mismatch');
    expect(verifyDingTalkCallback(secret, ts, good.slice(0, -2), now)).toBe('mismatch');
    expect(verifyDingTalkCallback(secret, ts, `${good}=`, now)).toBe('mismatch');
  });
});

describe('signRobotWebhookUrl', () => {
  const webhook = 'https://oapi.dingtalk.com/robot/send?access_token=abc123';

  it('appends timestamp and the URL-encoded sign, as in the docs example', () => {
    const url = signRobotWebhookUrl(webhook, 'this is secret', 1577262236757);
    expect(url).toBe(
      `${webhook}&timestamp=1577262236757&sign=hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D`,
    );
  });

  it('yields a sign that the receiving side recomputes from the query', () => {
    const secret = 'SEC0a1b2c3d4e5f';
    const parsed = new URL(signRobotWebhookUrl(webhook, secret, 1_760_000_000_123));
    expect(parsed.searchParams.get('access_token')).toBe('abc123');
    const ts = parsed.searchParams.get('timestamp') ?? '';
    expect(ts).toBe('1760000000123');
    expect(parsed.searchParams.get('sign')).toBe(referenceSign(ts, secret));
  });

  it('starts the query when the URL has none', () => {
    expect(signRobotWebhookUrl('https://oapi.dingtalk.com/robot/send', 's', 1)).toMatch(
      /^https:\/\/oapi\.dingtalk\.com\/robot\/send\?timestamp=1&sign=/,
    );
  });
});
