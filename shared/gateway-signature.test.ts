import { describe, expect, it } from 'vitest';
import { MAX_SKEW_MS, signGatewayRequest, verifyGatewayRequest } from './gateway-signature.js';

const SECRET = 'a-shared-secret-of-some-length';

describe('gateway signature', () => {
  const now = 1_800_000_000_000;
  const ts = String(now);
  const body = '{"message":{"text":"#帮助"}}';
  const signature = signGatewayRequest(SECRET, ts, body);

  it('accepts the signature it made', () => {
    expect(verifyGatewayRequest(SECRET, ts, signature, body, now)).toBe('ok');
  });

  it('is HMAC-SHA256 hex over "timestamp.body"', () => {
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(signGatewayRequest(SECRET, ts, `${body} `)).not.toBe(signature);
  });

  it('reports missing headers', () => {
    expect(verifyGatewayRequest(SECRET, undefined, signature, body, now)).toBe('missing');
    expect(verifyGatewayRequest(SECRET, ts, '', body, now)).toBe('missing');
  });

  it('refuses timestamps outside the window, either side', () => {
    const old = String(now - MAX_SKEW_MS - 1);
    const future = String(now + MAX_SKEW_MS + 1);
    expect(verifyGatewayRequest(SECRET, old, signGatewayRequest(SECRET, old, body), body, now)).toBe('stale');
    expect(verifyGatewayRequest(SECRET, future, signGatewayRequest(SECRET, future, body), body, now)).toBe(
      'stale',
    );
    expect(verifyGatewayRequest(SECRET, 'yesterday', signature, body, now)).toBe('stale');
  });

  it('refuses another secret, another body, or a malformed signature', () => {
    expect(verifyGatewayRequest('other-secret', ts, signature, body, now)).toBe('mismatch');
    expect(verifyGatewayRequest(SECRET, ts, signature, '{}', now)).toBe('mismatch');
    expect(verifyGatewayRequest(SECRET, ts, 'zz', body, now)).toBe('mismatch');
  });
});
