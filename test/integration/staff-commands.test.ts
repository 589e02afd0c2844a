import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';

/** Staff chat commands from the seeded demo cast: the policy decides, with roles read from the engine. */

let server: TestServer;
let client: GatewayClient;

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
});

afterAll(async () => {
  await server?.close();
});

async function say(senderId: string, text: string, groupId = 'sim-group-b3'): Promise<string> {
  const message = simulatorMessage(text, { groupId, groupName: '', senderId, senderName: senderId });
  await client.postMessage(message);
  const entries = await deliverAll(client);
  const replies = entries.filter((e) => e.replyTo === message.channelMessageId);
  expect(replies).toHaveLength(1);
  return replyText(replies[0]);
}

describe('staff commands in a group chat', () => {
  it('a resident, and a sender nobody knows, are told they may not use them', async () => {
    expect(await say('sim-wang', '#通知 全体 明天上午停水')).toBe('您没有权限使用 #通知');
    expect(await say('stranger', '#同意 3')).toBe('您没有权限使用 #同意');
  });

  it('the building lead may decide bindings but not send polls; the secretary may do both', async () => {
    expect(await say('sim-liu', '#同意 3')).not.toContain('没有权限');
    expect(await say('sim-liu', '#发起投票 更换物业')).toBe('您没有权限使用 #发起投票');
    expect(await say('sim-chen', '#发起投票 更换物业')).not.toContain('没有权限');
  });

  it('refusals speak the group language', async () => {
    expect(await say('sim-emma', '#notice all water off', 'sim-group-intl')).toBe(
      'You are not allowed to use #notice',
    );
  });
});
