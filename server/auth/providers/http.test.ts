import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectNoLeak,
  rejectionOf,
  startWecomStandIn,
} from '../../../test/support/platform-stand-ins/index.js';
import type { WecomStandIn } from '../../../test/support/platform-stand-ins/index.js';
import { PlatformUnavailableError, redact } from './errors.js';
import type { FetchFn } from './types.js';
import { WecomApi, WecomOAuthProvider } from './wecom.js';

const GETTOKEN = '/cgi-bin/gettoken';
const GETUSERINFO = '/cgi-bin/auth/getuserinfo';

let standIn: WecomStandIn;

function provider(options: { baseUrl?: string; fetch?: FetchFn; timeoutMs?: number } = {}) {
  const settings = { corpId: standIn.corpId, agentId: standIn.agentId, secret: standIn.secret };
  const api = new WecomApi(settings, { baseUrl: options.baseUrl ?? standIn.url, ...options });
  return new WecomOAuthProvider(settings, api);
}

beforeEach(async () => {
  standIn = await startWecomStandIn();
});

afterEach(async () => {
  await standIn.close();
});

describe('redact', () => {
  it('replaces raw and URL-encoded forms of each sensitive value', () => {
    expect(redact('a=s/e+c r&b=s%2Fe%2Bc%20r&c=s%2Fe%2Bc+r', ['s/e+c r'])).toBe('a=***&b=***&c=***');
    expect(redact('ok', ['', 'ab'])).toBe('ok');
  });
});

describe('transport failures', () => {
  it('reports an unreachable platform as PlatformUnavailableError without secrets', async () => {
    const closed = await startWecomStandIn();
    await closed.close();
    const error = await rejectionOf(provider({ baseUrl: closed.url }).exchange('somecode123'));
    expect(error).toBeInstanceOf(PlatformUnavailableError);
    expect(error).toMatchObject({
      reason: 'unavailable',
      endpoint: GETTOKEN,
      errcode: null,
      userFault: false,
    });
    expect(error.message).toMatch(/ECONNREFUSED|fetch failed/);
    expectNoLeak(error, [standIn.secret]);
  });

  it('reports HTTP 5xx and non-JSON answers as PlatformUnavailableError', async () => {
    standIn.failNext(GETTOKEN, { raw: 'upstream exploded', status: 502 });
    await expect(provider().exchange('c0de1')).rejects.toMatchObject({
      reason: 'unavailable',
      message: /HTTP 502/,
    });

    standIn.failNext(GETUSERINFO, { raw: '<html>maintenance</html>', status: 200 });
    const code = standIn.issueCode({ userid: 'u1' });
    const error = await rejectionOf(provider().exchange(code));
    expect(error).toBeInstanceOf(PlatformUnavailableError);
    expect(error.message).toMatch(/not JSON/);
    expectNoLeak(error, [standIn.secret, standIn.tokens.peek() ?? '', code]);
  });

  it('reports a success body without the documented fields as PlatformUnavailableError', async () => {
    const p = provider();
    standIn.failNext(GETTOKEN, { json: { errcode: 0, errmsg: 'ok' } });
    await expect(p.exchange('c0de2')).rejects.toMatchObject({
      reason: 'unavailable',
      message: /access_token/,
    });
  });

  it('gives up after the timeout', async () => {
    standIn.latencyMs = 500;
    const error = await rejectionOf(provider({ timeoutMs: 50 }).exchange('c0de3'));
    expect(error).toBeInstanceOf(PlatformUnavailableError);
    expect(error.message).toMatch(/TimeoutError|abort/i);
  });

  it('redacts secrets that a fetch implementation echoes in its own error (as node-fetch does)', async () => {
    const echoing: FetchFn = (input) =>
      Promise.reject(new Error(`request to ${String(input)} failed, reason: socket hang up`));
    const error = await rejectionOf(provider({ fetch: echoing }).exchange('c0de4'));
    expect(error.message).toContain('socket hang up');
    expectNoLeak(error, [standIn.secret, standIn.corpId]);
  });

  it('redacts the token and code when the fetch error happens on the authorized call', async () => {
    const p = provider({
      fetch: (input, init) =>
        String(input).includes(GETUSERINFO)
          ? Promise.reject(new TypeError(`Failed to parse URL from ${String(input)}`))
          : fetch(input, init),
    });
    const code = 'OneTimeCode12345';
    const error = await rejectionOf(p.exchange(code));
    expectNoLeak(error, [standIn.tokens.peek() ?? '', code]);
  });
});
