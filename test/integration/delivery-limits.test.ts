import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, SendResult } from '../../bot/runtime/adapter.js';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import type { InboundMessage, OutboundMessage } from '../../shared/messages.js';
import { eventually, startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/** A platform whose robots take at most 2 messages per 1.5 s per group, like WeCom's 20 a minute. */
class LimitedAdapter implements ChannelAdapter {
  readonly channel = 'simulator' as const;
  readonly accountId = 'limited-robot';
  readonly pacing = { minDelayMs: 0, maxDelayMs: 0 };
  readonly sendLimit = { max: 2, windowMs: 1_500, key: (m: OutboundMessage) => m.groupId };
  readonly capabilities = {
    markdown: false,
    linkCard: false,
    image: false,
    mentions: true,
    seesAllGroupMessages: false,
    maxTextLength: 2_000,
  };
  readonly sent: { at: number; groupId: string | null }[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(message: OutboundMessage): Promise<SendResult> {
    this.sent.push({ at: Date.now(), groupId: message.groupId });
    return { ok: true };
  }
}

let server: TestServer;
const adapter = new LimitedAdapter();

beforeAll(async () => {
  server = await startTestServer({ demo: true, embedBot: true, adapters: [adapter] });
});

afterAll(async () => {
  await server?.close();
});

const message = (groupId: string): InboundMessage => ({
  channel: 'simulator',
  accountId: 'limited-robot',
  channelMessageId: randomUUID(),
  groupId,
  groupName: groupId,
  senderId: 'sim-wang',
  senderName: '王秀英',
  text: '#帮助',
  mentionsBot: true,
  attachments: [],
  receivedAt: new Date().toISOString(),
});

describe('delivery under a per-sender limit', () => {
  it('never sends past the limit, delivers everything, and counts no attempt for waiting', async () => {
    const client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
    for (let i = 0; i < 5; i++) await client.postMessage(message('busy-group'));
    await client.postMessage(message('quiet-group'));

    await eventually(() => adapter.sent.length === 6, 15_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; sent: ${JSON.stringify(adapter.sent)}`);
    });
    const busy = adapter.sent.filter((s) => s.groupId === 'busy-group').map((s) => s.at);
    // Any three consecutive sends to the busy group span at least the window.
    for (let i = 2; i < busy.length; i++) expect(busy[i]! - busy[i - 2]!).toBeGreaterThanOrEqual(1_500 - 20);
    // The quiet group was not held up behind the busy one.
    const quiet = adapter.sent.find((s) => s.groupId === 'quiet-group')!;
    expect(quiet.at).toBeLessThan(busy[2]!);

    const records = await eventually(async () => {
      const rows = await server.container.models.delivery.find({ accountId: 'limited-robot' }).lean();
      return rows.length === 6 ? rows : undefined;
    });
    expect(records.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });
});
