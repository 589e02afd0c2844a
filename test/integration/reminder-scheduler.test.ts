import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEngine } from '../../server/db/test-engine.js';
import { startTestServer, eventually, type TestServer } from '../support/test-server.js';

/**
 * Reminders on the real engine with two server processes on one database (as two replicas would run):
 * each occurrence is fired by exactly one of them, and a restart after downtime catches up once.
 */

let a: TestServer;
let b: TestServer;
let engine: TestEngine;
let communityId: string;
let secretaryId: string;
let groupCount: number;

beforeAll(async () => {
  a = await startTestServer({ demo: true });
  engine = a.testEngine;
  b = await startTestServer({ engine, dbName: a.dbName });
  communityId = (await a.container.repositories.communities.findByCode('lingshan'))!.id;
  secretaryId = (await a.container.repositories.residents.findByIdentity('simulator', 'sim-chen'))!.id;
  groupCount = (await a.container.repositories.reminders.targets({ communityId, groupIds: [] })).length;
});

afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** Outbox messages carrying `token`: how many groups were posted to, across both processes. */
const postsOf = (server: TestServer, token: string) =>
  server.container.models.outbox.countDocuments({ 'content.text': { $regex: token } });

async function createDue(server: TestServer, token: string, nextRunAt: Date, cron = '0 9 * * *') {
  return server.container.repositories.reminders.create({
    communityId,
    number: Math.floor(Math.random() * 1e9),
    text: `碰头会 ${token}`,
    groupIds: [],
    cron,
    timezone: 'Asia/Shanghai',
    nextRunAt,
    createdBy: secretaryId,
  });
}

describe('claiming an occurrence', () => {
  it('two racing claims on the engine: exactly one wins, every time', async () => {
    // A conditional update alone lets both win on FerretDB 1.x (read-modify-write); the claim must not.
    for (let i = 0; i < 10; i++) {
      const due = new Date(Date.now() + 3_600_000 + i * 60_000);
      const reminder = await createDue(a, randomUUID(), due);
      const next = new Date(due.getTime() + 86_400_000);
      const results = await Promise.all([
        a.container.repositories.reminders.claim(reminder.id, due, next, new Date()),
        b.container.repositories.reminders.claim(reminder.id, due, next, new Date()),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await a.container.repositories.reminders.findById(reminder.id))!.nextRunAt).toEqual(next);
    }
  });

  it('a released claim can be claimed again; a claim whose process died is taken over once', async () => {
    const repo = a.container.repositories.reminders;
    const due = new Date(Date.now() + 7_200_000);
    const next = new Date(due.getTime() + 86_400_000);
    const released = await createDue(a, randomUUID(), due);
    expect(await repo.claim(released.id, due, next, due)).toBe(true);
    expect(await repo.release(released.id, next, due)).toBe(true);
    expect((await repo.findById(released.id))!.nextRunAt).toEqual(due);
    expect(await repo.claim(released.id, due, next, due)).toBe(true);

    // The claim row exists but the reminder never moved on: its claimer died in between.
    const orphan = await createDue(a, randomUUID(), due);
    expect(await repo.claim(orphan.id, due, next, due)).toBe(true);
    await a.container.models.outbox.db
      .collection('reminders')
      .updateOne({ _id: new Types.ObjectId(orphan.id) }, { $set: { nextRunAt: due } });
    const soon = new Date(due.getTime() + 60_000);
    expect(await repo.claim(orphan.id, due, next, soon)).toBe(false);
    const later = new Date(due.getTime() + 600_000);
    const takeovers = await Promise.all([
      repo.claim(orphan.id, due, next, later),
      b.container.repositories.reminders.claim(orphan.id, due, next, later),
    ]);
    expect(takeovers.filter(Boolean)).toHaveLength(1);
    expect((await repo.findById(orphan.id))!.nextRunAt).toEqual(next);
  });

  it('two server processes ticking at the same moment fire a due reminder once', async () => {
    const token = randomUUID();
    // Due in an hour, ticked with a clock an hour ahead, so the servers' own minute ticks leave it alone.
    const due = new Date(Date.now() + 3_600_000);
    const reminder = await createDue(a, token, due);
    const now = new Date(due.getTime() + 30_000);
    const fired = await Promise.all([a.container.scheduler.tick(now), b.container.scheduler.tick(now)]);
    expect(fired[0] + fired[1]).toBe(1);
    expect(await postsOf(a, token)).toBe(groupCount);
    const stored = await a.container.repositories.reminders.findById(reminder.id);
    expect(stored!.lastRunAt).toEqual(now);
    expect(stored!.nextRunAt!.getTime()).toBeGreaterThan(now.getTime());
    // Ticking again at the same moment fires nothing more.
    expect(await a.container.scheduler.tick(now)).toBe(0);
    expect(await b.container.scheduler.tick(now)).toBe(0);
    expect(await postsOf(a, token)).toBe(groupCount);
  });
});

describe('after downtime', () => {
  it('a reminder missed for three days fires once on restart and moves to its next future run', async () => {
    const dbName = `reminders_${randomUUID().slice(0, 8)}`;
    let server = await startTestServer({ engine, dbName, demo: true });
    const community = (await server.container.repositories.communities.findByCode('lingshan'))!.id;
    const creator = (await server.container.repositories.residents.findByIdentity('simulator', 'sim-chen'))!
      .id;
    const groups = (
      await server.container.repositories.reminders.targets({ communityId: community, groupIds: [] })
    ).length;
    await server.close();

    // While the server is down, a daily reminder falls three occurrences behind.
    const token = randomUUID();
    const stale = new Date(Date.now() - 3 * 86_400_000 + 60_000);
    server = await startTestServer({ engine, dbName });
    const repo = server.container.repositories.reminders;
    await server.container.scheduler.stop();
    const reminder = await repo.create({
      communityId: community,
      number: 1,
      text: `catch-up ${token}`,
      groupIds: [],
      cron: '* * * * *'.replace(
        '* *',
        `${new Date().getUTCMinutes()} ${(new Date().getUTCHours() + 8) % 24}`,
      ),
      timezone: 'Asia/Shanghai',
      nextRunAt: stale,
      createdBy: creator,
    });
    await server.close();

    server = await startTestServer({ engine, dbName });
    try {
      const stored = await eventually(async () => {
        const r = await server.container.repositories.reminders.findById(reminder.id);
        return r?.lastRunAt ? r : null;
      });
      expect(stored.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
      expect(stored.nextRunAt!.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
      // The fire stores its run before its messages are all queued: wait for the last of them.
      await eventually(async () => (await postsOf(server, token)) === groups);
      expect(await server.container.scheduler.tick()).toBe(0);
      expect(await postsOf(server, token)).toBe(groups);
    } finally {
      await server.close();
    }
  });
});
