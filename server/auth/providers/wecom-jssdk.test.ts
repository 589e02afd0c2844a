import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWecomStandIn } from '../../../test/support/platform-stand-ins/index.js';
import type { WecomStandIn } from '../../../test/support/platform-stand-ins/index.js';
import { WecomApi } from './wecom.js';
import { signableUrl, signJsapi, UnsignableUrlError, WecomJssdkSigner } from './wecom-jssdk.js';

const GETTOKEN = '/cgi-bin/gettoken';
const CORP_TICKET = '/cgi-bin/get_jsapi_ticket';
const AGENT_TICKET = '/cgi-bin/ticket/get';

describe('signJsapi', () => {
  // The example in WeCom's "JS-SDK 签名算法" appendix (developer.work.weixin.qq.com/document/path/96909).
  const ticket = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';

  it('reproduces the documented WeCom example vector', () => {
    expect(signJsapi(ticket, 'Wm3WZYTPz0wzccnW', 1414587457, 'http://mp.weixin.qq.com?params=value')).toBe(
      '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
    );
  });

  it('reproduces the WeChat JS-SDK appendix vector, which uses the same string-to-sign', () => {
    expect(signJsapi(ticket, 'Wm3WZYTPz0wzccnW', 1414587457, 'http://mp.weixin.qq.com')).toBe(
      'f4d90daf4b3bca3078ab155816175ba34c443a7b',
    );
  });
});

describe('signableUrl', () => {
  it('drops the #fragment and keeps the query exactly as the page has it', () => {
    expect(signableUrl('https://c.example/app/?a=1&b=%E4%B8%AD#/me?tab=2')).toBe(
      'https://c.example/app/?a=1&b=%E4%B8%AD',
    );
    expect(signableUrl('https://c.example/app')).toBe('https://c.example/app');
  });
});

describe('WecomJssdkSigner', () => {
  let standIn: WecomStandIn;
  let clock: { t: number };
  let nonces: number;

  function signer(allowedOrigins?: string[]) {
    const api = new WecomApi(
      { corpId: standIn.corpId, agentId: standIn.agentId, secret: standIn.secret },
      { baseUrl: standIn.url, now: () => clock.t },
    );
    return new WecomJssdkSigner(api, { now: () => clock.t, nonce: () => `nonce${++nonces}`, allowedOrigins });
  }

  beforeEach(async () => {
    standIn = await startWecomStandIn();
    clock = { t: 1_700_000_000_123 };
    nonces = 0;
  });

  afterEach(async () => {
    await standIn.close();
  });

  it('signs wx.config with the corp ticket and wx.agentConfig with the agent_config ticket', async () => {
    const s = signer();
    const page = 'https://c.example/app/notice?id=7#/ack';
    const config = await s.getConfigSignature(page);
    const agent = await s.getAgentConfigSignature(page);

    expect(config).toEqual({
      timestamp: 1_700_000_000,
      nonceStr: 'nonce1',
      signature: signJsapi(
        standIn.corpTickets.peek() ?? '',
        'nonce1',
        1_700_000_000,
        'https://c.example/app/notice?id=7',
      ),
    });
    expect(agent.signature).toBe(
      signJsapi(
        standIn.agentTickets.peek() ?? '',
        agent.nonceStr,
        agent.timestamp,
        'https://c.example/app/notice?id=7',
      ),
    );
    expect(agent.signature).not.toBe(config.signature);
    expect(standIn.requests.find((r) => r.path === AGENT_TICKET)?.query.get('type')).toBe('agent_config');
  });

  it('caches both tickets (and the access token) across signatures until shortly before 7200 s', async () => {
    const s = signer();
    for (let i = 0; i < 3; i += 1) {
      await s.getConfigSignature('https://c.example/a');
      await s.getAgentConfigSignature('https://c.example/b');
    }
    expect([standIn.calls(GETTOKEN), standIn.calls(CORP_TICKET), standIn.calls(AGENT_TICKET)]).toEqual([
      1, 1, 1,
    ]);

    clock.t += (7200 - 299) * 1000;
    const fresh = await s.getConfigSignature('https://c.example/a');
    expect(standIn.calls(CORP_TICKET)).toBe(2);
    expect(standIn.corpTickets.issued).toBe(1);
    expect(fresh.signature).toBe(
      signJsapi(standIn.corpTickets.peek() ?? '', fresh.nonceStr, fresh.timestamp, 'https://c.example/a'),
    );
  });

  it('fetches each ticket once for 10 concurrent callers (single flight)', async () => {
    standIn.latencyMs = 20;
    const s = signer();
    const page = 'https://c.example/app';
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => s.getConfigSignature(page)),
      ...Array.from({ length: 10 }, () => s.getAgentConfigSignature(page)),
    ]);
    expect(results).toHaveLength(20);
    expect(standIn.calls(GETTOKEN)).toBe(1);
    expect(standIn.calls(CORP_TICKET)).toBe(1);
    expect(standIn.calls(AGENT_TICKET)).toBe(1);
  });

  it('refreshes the access token once when fetching a ticket with an expired one', async () => {
    const s = signer();
    await s.getConfigSignature('https://c.example/a');
    standIn.tokens.expire();
    await s.getAgentConfigSignature('https://c.example/a');
    expect(standIn.calls(GETTOKEN)).toBe(2);
  });

  it('refuses to sign a non-http URL or, when origins are configured, another site', async () => {
    const s = signer(['https://c.example']);
    await expect(s.getConfigSignature('javascript:alert(1)')).rejects.toBeInstanceOf(UnsignableUrlError);
    await expect(s.getConfigSignature('not a url')).rejects.toBeInstanceOf(UnsignableUrlError);
    await expect(s.getAgentConfigSignature('https://evil.example/')).rejects.toBeInstanceOf(
      UnsignableUrlError,
    );
    expect(await s.getConfigSignature('https://c.example/app#x')).toHaveProperty('signature');
    expect(standIn.calls(CORP_TICKET)).toBe(1);
  });
});
