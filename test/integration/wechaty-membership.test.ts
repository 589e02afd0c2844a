import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import type { MembershipEvent } from '../../shared/messages.js';
import { startMockWechat } from '../support/mock-wechat.js';
import { eventually, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/** Mock WeChat → real Wechaty → WechatyAdapter (room-join/room-leave) → gateway → the group's members. */

let engine: TestEngine;
const servers: TestServer[] = [];

beforeAll(async () => {
  engine = await startTestEngine();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await engine?.stop();
});

async function start() {
  const wechat = await startMockWechat({ engine, dbPrefix: 'nbtest_wxm' });
  servers.push(wechat.server);
  const { models } = wechat.server.container;
  const membersOf = async (roomId: string) => {
    const group = await models.group.findOne({ channel: 'wechat', platformGroupId: roomId }).lean();
    if (!group) return undefined;
    return wechat.server.container.repositories.groups.listMembers(String(group._id));
  };
  return { ...wechat, membersOf };
}

describe('WeChat group membership', () => {
  it('follows joins and leaves reported by Wechaty', async () => {
    const { mocker, room, membersOf } = await start();
    const wang = mocker.createContact({ name: '王秀英' });
    const li = mocker.createContact({ name: '李建国' });
    const zhang = mocker.createContact({ name: '张伟' });
    const { chat } = room('3栋邻里群', [wang]);

    chat.add(li, zhang).by(wang);
    const joined = await eventually(async () => {
      const members = await membersOf(chat.id);
      return members && members.length === 2 ? members : undefined;
    });
    expect(joined.map((m) => m.name).sort()).toEqual(['张伟', '李建国'].sort());
    expect(joined.map((m) => m.platformId).sort()).toEqual([li.id, zhang.id].sort());

    chat.remove(li).by(wang);
    const after = await eventually(async () => {
      const members = await membersOf(chat.id);
      return members && members.length === 1 ? members : undefined;
    });
    expect(after.map((m) => m.platformId)).toEqual([zhang.id]);
  });

  it('applies an event once however often it arrives, and never lets a late one undo a newer', async () => {
    const { server, membersOf } = await start();
    const client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
    const event = (kind: 'join' | 'leave', at: string, id = 'wxid_chen'): MembershipEvent => ({
      channel: 'wechat',
      accountId: 'wx-helper',
      eventId: `${kind}:room-1@chatroom:${Date.parse(at)}:${id}`,
      groupId: 'room-1@chatroom',
      groupName: '灵山小区居民群',
      kind,
      members: [{ id, name: '陈书记' }],
      at,
    });
    const join = event('join', '2026-05-01T09:00:00.000Z');
    expect((await client.postMembership(join)).status).toBe('applied');
    expect((await client.postMembership(join)).status).toBe('unchanged');
    expect((await membersOf('room-1@chatroom'))!.map((m) => m.platformId)).toEqual(['wxid_chen']);

    expect((await client.postMembership(event('leave', '2026-05-01T10:00:00.000Z'))).status).toBe('applied');
    // The join redelivered after the leave changes nothing.
    expect((await client.postMembership(join)).status).toBe('unchanged');
    expect(await membersOf('room-1@chatroom')).toEqual([]);

    // Concurrent joins of different people are all kept (no lost update).
    const ids = Array.from({ length: 6 }, (_, i) => `wxid_${i}`);
    await Promise.all(ids.map((id) => client.postMembership(event('join', '2026-05-02T09:00:00.000Z', id))));
    expect((await membersOf('room-1@chatroom'))!.map((m) => m.platformId).sort()).toEqual(ids);
  });

  it('refuses an unsigned or malformed event', async () => {
    const { server } = await start();
    const forged = new GatewayClient(server.url, 'not-the-gateway-secret-0123456789');
    const event: MembershipEvent = {
      channel: 'wechat',
      accountId: 'wx-helper',
      eventId: 'join:x',
      groupId: 'room-2@chatroom',
      groupName: null,
      kind: 'join',
      members: [{ id: 'wxid_x', name: 'x' }],
      at: new Date().toISOString(),
    };
    await expect(forged.postMembership(event)).rejects.toMatchObject({ status: 401 });
    const client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
    await expect(client.postMembership({ ...event, members: [] })).rejects.toMatchObject({ status: 400 });
    expect(await server.container.models.group.countDocuments({ platformGroupId: 'room-2@chatroom' })).toBe(
      0,
    );
  });
});
