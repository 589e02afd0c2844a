import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRepository, type OutboxSettlement } from '../../server/repositories/outbox.repository.js';
import type { OutboundMessage } from '../../shared/messages.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Claims and settlements against the real engine (FerretDB unless TEST_ENGINE says otherwise). */

let db: TestDatabase;
let sender = 0;

beforeAll(async () => {
  db = await openTestDatabase();
});

afterAll(async () => {
  await db?.close();
});

/** A sender of its own per test, so tests never see each other's entries. */
function newSender() {
  const accountId = `robot-${++sender}`;
  const message = (groupId: string): OutboundMessage => ({
    channel: 'wecom',
    accountId,
    groupId,
    content: { kind: 'text', text: `hello ${groupId}` },
    mentions: [],
    replyTo: null,
  });
  const enqueue = (outbox: OutboxRepository, keys: string[]) =>
    Promise.all(keys.map((k) => outbox.enqueue(`${accountId}:${k}`, message(k))));
  return { accountId, enqueue };
}

const never = () => null;
const sent = (entries: { id: string; claimToken: string }[]): OutboxSettlement[] =>
  entries.map((e) => ({ id: e.id, claimToken: e.claimToken, ok: true }));

describe('OutboxRepository claims', () => {
  it('hands each entry to one claim at a time, oldest first, however the claims interleave', async () => {
    const outbox = new OutboxRepository(db.models);
    const { accountId, enqueue } = newSender();
    await enqueue(
      outbox,
      Array.from({ length: 30 }, (_, i) => `g${String(i).padStart(2, '0')}`),
    );
    // A second process shares the engine but none of this one's memory.
    const other = new OutboxRepository(db.models);
    const claims = await Promise.all([
      outbox.claimMany('wecom', accountId, 60_000, 12),
      other.claimMany('wecom', accountId, 60_000, 12),
      outbox.claimMany('wecom', accountId, 60_000, 12),
    ]);
    const queue = Array.from({ length: 30 }, (_, i) => `${accountId}:g${String(i).padStart(2, '0')}`);
    const ids = claims.flat().map((e) => e.id);
    expect([...ids].sort()).toEqual(queue);
    // Each claim took the oldest entries left when it won: a run of the queue, in order.
    for (const claim of claims) {
      const start = queue.indexOf(claim[0]!.id);
      expect(claim.map((e) => e.id)).toEqual(queue.slice(start, start + claim.length));
    }
    expect(await outbox.claimMany('wecom', accountId, 60_000, 12)).toEqual([]);
  });

  it('finds an entry queued after a claim found the queue empty', async () => {
    const outbox = new OutboxRepository(db.models);
    const { accountId, enqueue } = newSender();
    await enqueue(outbox, ['a']);
    const [first] = await outbox.claimMany('wecom', accountId, 60_000, 10);
    expect(await outbox.claimMany('wecom', accountId, 60_000, 10)).toEqual([]);
    await enqueue(outbox, ['b']);
    const [second] = await outbox.claimMany('wecom', accountId, 60_000, 10);
    expect([first?.id, second?.id]).toEqual([`${accountId}:a`, `${accountId}:b`]);
  });

  it('gives a hand-back out again once it is due, without counting an attempt', async () => {
    const outbox = new OutboxRepository(db.models);
    const { accountId, enqueue } = newSender();
    await enqueue(outbox, ['a', 'b']);
    const [a, b] = await outbox.claimMany('wecom', accountId, 60_000, 10);
    const settled = await outbox.settle(
      [{ id: a!.id, claimToken: a!.claimToken, ok: false, deferred: true, retryAfterMs: 300 }, ...sent([b!])],
      never,
    );
    expect(settled).toBe(2);
    expect(await outbox.claimMany('wecom', accountId, 60_000, 10)).toEqual([]);
    expect((await outbox.nextDueAt('wecom', accountId))!.getTime()).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 350));
    const [again] = await outbox.claimMany('wecom', accountId, 60_000, 10);
    expect(again).toMatchObject({ id: a!.id, attempts: 1 });
    expect(await outbox.settle(sent([again!]), never)).toBe(1);
    const record = await db.models.delivery.findById(a!.id).lean();
    expect(record).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('settles a claim made before a restart, and ignores the report of a claim whose lease was taken over', async () => {
    const before = new OutboxRepository(db.models);
    const { accountId, enqueue } = newSender();
    await enqueue(before, ['a', 'b', 'c', 'd', 'e', 'f']);
    const old = await before.claimMany('wecom', accountId, 1_000, 3);
    const kept = await before.claimMany('wecom', accountId, 60_000, 3);
    await new Promise((r) => setTimeout(r, 1_100));

    const after = new OutboxRepository(db.models);
    const takenOver = await after.claimMany('wecom', accountId, 60_000, 10);
    expect(takenOver.map((e) => e.id)).toEqual(old.map((e) => e.id));
    expect(await after.settle(sent(kept), never)).toBe(3);
    expect(await after.settle(sent(old), never)).toBe(0);
    expect(await db.models.outbox.countDocuments({ accountId })).toBe(3);
    expect(await after.settle(sent(takenOver), never)).toBe(3);
    expect(await db.models.outbox.countDocuments({ accountId })).toBe(0);
    expect(await db.models.delivery.countDocuments({ accountId, status: 'sent' })).toBe(6);
  });

  it('never sends again an entry whose server died after recording it sent but before removing it', async () => {
    const before = new OutboxRepository(db.models);
    const { accountId, enqueue } = newSender();
    await enqueue(before, ['a', 'b']);
    const claimed = await before.claimMany('wecom', accountId, 500, 10);
    expect(claimed).toHaveLength(2);
    // The dying server got as far as the delivery record of `a`, not its removal from the queue.
    await db.models.delivery.create({
      _id: claimed[0]!.id,
      channel: 'wecom',
      accountId,
      groupId: 'a',
      content: { kind: 'text', text: 'hello a' },
      mentions: [],
      replyTo: null,
      status: 'sent',
      attempts: 1,
      sentAt: new Date(),
      lastError: null,
    });
    await new Promise((r) => setTimeout(r, 600));

    const after = new OutboxRepository(db.models);
    const retaken = await after.claimMany('wecom', accountId, 60_000, 10);
    expect(retaken.map((e) => e.id)).toEqual([claimed[1]!.id]);
    expect(await db.models.outbox.countDocuments({ accountId })).toBe(1);
    expect(await after.settle(sent(retaken), never)).toBe(1);
    expect(await db.models.delivery.countDocuments({ accountId, status: 'sent' })).toBe(2);
  });

  it('counts failures, retries them when due and records the last one for good', async () => {
    const outbox = new OutboxRepository(db.models);
    const { accountId, enqueue } = newSender();
    await enqueue(outbox, ['a']);
    const retryOnce = (attempts: number) => (attempts < 2 ? new Date(Date.now() + 200) : null);
    const [first] = await outbox.claimMany('wecom', accountId, 60_000, 10);
    await outbox.settle([{ ...sent([first!])[0]!, ok: false, error: 'timeout' }], retryOnce);
    expect(await outbox.claimMany('wecom', accountId, 60_000, 10)).toEqual([]);
    await new Promise((r) => setTimeout(r, 250));
    const [second] = await outbox.claimMany('wecom', accountId, 60_000, 10);
    expect(second?.attempts).toBe(2);
    await outbox.settle([{ ...sent([second!])[0]!, ok: false, error: 'still down' }], retryOnce);
    expect(await db.models.outbox.countDocuments({ accountId })).toBe(0);
    expect(await db.models.delivery.findById(first!.id).lean()).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'still down',
    });
  });
});
