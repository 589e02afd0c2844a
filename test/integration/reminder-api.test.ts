import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../bot/runtime/gateway-client.js';
import { reminderListSchema, reminderViewSchema } from '../../shared/schemas/reminder.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';

/** The reminder endpoints and `#提醒` on the demo community: 陈书记 is the secretary, 刘楼长 a building lead. */

let server: TestServer;
let client: GatewayClient;
let communityId: string;
let groupId: string;
let call: ApiClient['call'];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  const ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen']);
  ({ call } = apiClient(server, { ids }));
  communityId = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
  groupId = (await server.container.repositories.groups.listByChannel('simulator'))[0]!.id;
});

afterAll(async () => {
  await server?.close();
});

const body = (overrides: Record<string, unknown> = {}) => ({
  communityId,
  cron: '0 9 15,30 * *',
  text: '三方碰头会',
  ...overrides,
});

describe('POST /api/reminders', () => {
  it('401 without a session', async () => {
    expect((await call('/api/reminders', { method: 'POST', body: body() })).status).toBe(401);
  });

  it('400 for an invalid cron expression, translated', async () => {
    const res = await call('/api/reminders', {
      method: 'POST',
      body: body({ cron: '0 9 32 * *' }),
      as: 'sim-chen',
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).code).toBe('invalid_cron');
    expect(errorOf(res.json).message).toContain('0 9 32 * *');
    const en = await call('/api/reminders', {
      method: 'POST',
      body: body({ cron: 'every day' }),
      as: 'sim-chen',
      language: 'en',
    });
    expect(en.status).toBe(400);
    expect(errorOf(en.json).message).toContain('cron expression');
  });

  it('400 for a malformed body, naming the field', async () => {
    const res = await call('/api/reminders', { method: 'POST', body: body({ text: '' }), as: 'sim-chen' });
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toMatchObject({ code: 'validation_failed' });
    expect(errorOf(res.json).message).toContain('text');
  });

  it('403 for a building lead, translated', async () => {
    const res = await call('/api/reminders', { method: 'POST', body: body(), as: 'sim-liu' });
    expect(res.status).toBe(403);
    expect(errorOf(res.json)).toEqual({ code: 'forbidden', message: '您没有权限设置提醒' });
  });

  it('201 for the secretary, with the next run in Asia/Shanghai', async () => {
    const res = await call('/api/reminders', {
      method: 'POST',
      body: body({ groupIds: [groupId] }),
      as: 'sim-chen',
    });
    expect(res.status).toBe(201);
    const view = reminderViewSchema.parse(res.json);
    expect(view).toMatchObject({
      cron: '0 9 15,30 * *',
      timezone: 'Asia/Shanghai',
      groupIds: [groupId],
      active: true,
    });
    expect(view.code).toMatch(/^T\d+$/);
    const next = new Date(view.nextRunAt!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 09:00 in Shanghai is 01:00 UTC, on the 15th or the 30th.
    expect(next.getUTCHours()).toBe(1);
    expect([15, 30]).toContain(next.getUTCDate());
  });
});

describe('GET /api/reminders', () => {
  it('401 without a session', async () => {
    expect((await call(`/api/reminders?communityId=${communityId}`)).status).toBe(401);
  });

  it('400 without a community', async () => {
    expect((await call('/api/reminders', { as: 'sim-chen' })).status).toBe(400);
  });

  it('403 for a resident', async () => {
    expect((await call(`/api/reminders?communityId=${communityId}`, { as: 'sim-wang' })).status).toBe(403);
  });

  it('200 lists active reminders with their next run', async () => {
    const created = reminderViewSchema.parse(
      (
        await call('/api/reminders', {
          method: 'POST',
          body: body({ cron: '30 7 * * 1-5', text: '晨检' }),
          as: 'sim-chen',
        })
      ).json,
    );
    const res = await call(`/api/reminders?communityId=${communityId}`, { as: 'sim-chen' });
    expect(res.status).toBe(200);
    const item = reminderListSchema.parse(res.json).items.find((i) => i.id === created.id);
    expect(item).toMatchObject({ text: '晨检', cron: '30 7 * * 1-5' });
    expect(new Date(item!.nextRunAt!).getUTCHours()).toBe(23);
  });
});

describe('DELETE /api/reminders/:id', () => {
  let id: string;
  beforeAll(async () => {
    id = reminderViewSchema.parse(
      (await call('/api/reminders', { method: 'POST', body: body({ text: '待取消' }), as: 'sim-chen' })).json,
    ).id;
  });

  it('401 without a session', async () => {
    expect((await call(`/api/reminders/${id}`, { method: 'DELETE' })).status).toBe(401);
  });

  it('400 for a malformed id', async () => {
    expect((await call('/api/reminders/nope', { method: 'DELETE', as: 'sim-chen' })).status).toBe(400);
  });

  it('403 for a building lead', async () => {
    expect((await call(`/api/reminders/${id}`, { method: 'DELETE', as: 'sim-liu' })).status).toBe(403);
  });

  it('200 deactivates: no longer listed, never due, a second delete is 404', async () => {
    const res = await call(`/api/reminders/${id}`, { method: 'DELETE', as: 'sim-chen' });
    expect(res.status).toBe(200);
    expect(reminderViewSchema.parse(res.json).active).toBe(false);
    const list = reminderListSchema.parse(
      (await call(`/api/reminders?communityId=${communityId}`, { as: 'sim-chen' })).json,
    );
    expect(list.items.map((i) => i.id)).not.toContain(id);
    const far = new Date(Date.now() + 400 * 86_400_000);
    expect((await server.container.repositories.reminders.listDue(far)).map((r) => r.id)).not.toContain(id);
    expect((await call(`/api/reminders/${id}`, { method: 'DELETE', as: 'sim-chen' })).status).toBe(404);
  });
});

describe('#提醒 in chat', () => {
  async function say(senderId: string, text: string): Promise<string> {
    const message = simulatorMessage(text, {
      groupId: 'sim-group-all',
      groupName: '',
      senderId,
      senderName: '',
    });
    await client.postMessage(message);
    const entries = await deliverAll(client);
    const reply = entries.find((e) => e.replyTo === message.channelMessageId);
    return replyText(reply);
  }

  it('stores the reminder for the secretary and replies with its number and next run', async () => {
    const reply = await say('sim-chen', '#提醒 每月15日,30日 09:00 三方碰头会-chat');
    const code = /T(\d+)/.exec(reply);
    expect(code).not.toBeNull();
    expect(reply).toMatch(/\d{4}-\d{2}-(15|30) 09:00/);
    const listed = reminderListSchema.parse(
      (await call(`/api/reminders?communityId=${communityId}`, { as: 'sim-chen' })).json,
    );
    expect(listed.items.find((i) => i.code === code![0])).toMatchObject({
      cron: '0 9 15,30 * *',
      text: '三方碰头会-chat',
    });
  });

  it('explains an unreadable schedule, and refuses residents', async () => {
    expect(await say('sim-chen', '#提醒 改天 09:00 开会')).toContain('#提醒 每月15日,30日 09:00');
    expect(await say('sim-wang', '#提醒 每天 09:00 开会')).toContain('#提醒');
    const listed = reminderListSchema.parse(
      (await call(`/api/reminders?communityId=${communityId}`, { as: 'sim-chen' })).json,
    );
    expect(listed.items.map((i) => i.text)).not.toContain('开会');
  });
});
