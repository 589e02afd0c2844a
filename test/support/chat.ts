import { randomUUID } from 'node:crypto';
import type { ClaimedEntry, GatewayClient } from '../../bot/runtime/gateway-client.js';
import type { InboundMessage } from '../../shared/messages.js';

/** A message as the simulator adapter normalises it: 王秀英 in the seeded 3栋邻里群, unless overridden. */
export function simulatorMessage(text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: 'simulator',
    accountId: 'simulator',
    channelMessageId: randomUUID(),
    groupId: 'sim-group-b3',
    groupName: '3栋邻里群',
    senderId: 'sim-wang',
    senderName: '王秀英',
    text,
    mentionsBot: false,
    attachments: [],
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** Claims every queued entry the way the bot's delivery loop does, and reports each one sent. */
export async function deliverAll(client: GatewayClient, accountId = 'simulator'): Promise<ClaimedEntry[]> {
  const entries = await client.claim('simulator', accountId, { max: 50, waitMs: 0 });
  if (entries.length)
    await client.report(entries.map((e) => ({ id: e.id, claimToken: e.claimToken, ok: true })));
  return entries;
}

/** The text of a text reply; empty for anything else or nothing. */
export const replyText = (entry: ClaimedEntry | undefined): string =>
  entry?.content.kind === 'text' ? entry.content.text : '';
