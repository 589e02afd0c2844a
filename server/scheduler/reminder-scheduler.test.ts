import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { ReminderRecord } from '../repositories/reminder.repository.js';
import { reminderRecord } from './reminder.factories.js';
import { ReminderScheduler } from './reminder-scheduler.js';
import { OutboxReminderSink, reminderKey } from './reminder-sink.js';

/** An in-memory stand-in with the repository's claim semantics: compare the value read, then set. */
function memoryReminders(initial: ReminderRecord[]) {
  const rows = new Map(initial.map((r) => [r.id, { ...r }]));
  return {
    rows,
    listDue: vi.fn(async (now: Date) =>
      [...rows.values()].filter((r) => r.active && r.nextRunAt && r.nextRunAt <= now).map((r) => ({ ...r })),
    ),
    claim: vi.fn(async (id: string, seen: Date, next: Date | null, now: Date) => {
      const row = rows.get(id);
      if (!row?.active || row.nextRunAt?.getTime() !== seen.getTime()) return false;
      Object.assign(row, { nextRunAt: next, lastRunAt: now });
      return true;
    }),
    pruneRuns: vi.fn(async () => 0),
    release: vi.fn(async (id: string, claimed: Date | null, seen: Date) => {
      const row = rows.get(id);
      if (row?.nextRunAt?.getTime() !== claimed?.getTime()) return false;
      row!.nextRunAt = seen;
      return true;
    }),
  };
}

const log = pino({ level: 'silent' });

describe('ReminderScheduler.tick', () => {
  it('fires a due reminder once and moves it to the next occurrence', async () => {
    const reminders = memoryReminders([reminderRecord()]);
    const fire = vi.fn(async () => {});
    const scheduler = new ReminderScheduler({ reminders, sink: { fire }, log });
    const now = new Date('2026-03-15T01:00:30Z');
    expect(await scheduler.tick(now)).toBe(1);
    expect(fire).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'd'.repeat(24) }),
      new Date('2026-03-15T01:00:00Z'),
    );
    expect(reminders.rows.get('d'.repeat(24))).toMatchObject({
      nextRunAt: new Date('2026-03-30T01:00:00Z'),
      lastRunAt: now,
    });
    expect(await scheduler.tick(now)).toBe(0);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('catches up once after downtime, not once per missed occurrence', async () => {
    // Due 15 January; the server comes back on 20 March, four occurrences later.
    const reminders = memoryReminders([reminderRecord({ nextRunAt: new Date('2026-01-15T01:00:00Z') })]);
    const fire = vi.fn(async () => {});
    const scheduler = new ReminderScheduler({ reminders, sink: { fire }, log });
    expect(await scheduler.tick(new Date('2026-03-20T00:00:00Z'))).toBe(1);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(reminders.rows.get('d'.repeat(24))!.nextRunAt).toEqual(new Date('2026-03-30T01:00:00Z'));
    expect(await scheduler.tick(new Date('2026-03-20T00:01:00Z'))).toBe(0);
  });

  it('leaves reminders not yet due and inactive ones alone', async () => {
    const reminders = memoryReminders([
      reminderRecord({ id: 'a'.repeat(24), nextRunAt: new Date('2026-04-01T00:00:00Z') }),
      reminderRecord({ id: 'e'.repeat(24), active: false }),
    ]);
    const fire = vi.fn(async () => {});
    const scheduler = new ReminderScheduler({ reminders, sink: { fire }, log });
    expect(await scheduler.tick(new Date('2026-03-20T00:00:00Z'))).toBe(0);
    expect(fire).not.toHaveBeenCalled();
  });

  it('hands the occurrence back when the sink fails, so the next tick retries it', async () => {
    const reminders = memoryReminders([reminderRecord()]);
    const fire = vi.fn().mockRejectedValueOnce(new Error('outbox down')).mockResolvedValue(undefined);
    const scheduler = new ReminderScheduler({ reminders, sink: { fire }, log });
    const now = new Date('2026-03-15T01:00:30Z');
    expect(await scheduler.tick(now)).toBe(0);
    expect(reminders.rows.get('d'.repeat(24))!.nextRunAt).toEqual(new Date('2026-03-15T01:00:00Z'));
    expect(await scheduler.tick(now)).toBe(1);
    expect(fire).toHaveBeenLastCalledWith(expect.anything(), new Date('2026-03-15T01:00:00Z'));
  });

  it('lets only one of two racing schedulers fire an occurrence', async () => {
    const reminders = memoryReminders([reminderRecord()]);
    const fire = vi.fn(async () => {});
    const a = new ReminderScheduler({ reminders, sink: { fire }, log });
    const b = new ReminderScheduler({ reminders, sink: { fire }, log });
    const now = new Date('2026-03-15T01:00:30Z');
    const counts = await Promise.all([a.tick(now), b.tick(now)]);
    expect(counts[0] + counts[1]).toBe(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });
});

describe('OutboxReminderSink', () => {
  it('enqueues one message per group under an occurrence key, in the group language', async () => {
    const enqueue = vi.fn(async () => 'inserted' as const);
    const targets = vi.fn(async () => [
      {
        id: 'g1',
        channel: 'wecom' as const,
        accountId: 'app',
        platformGroupId: 'wr1',
        language: 'zh-CN' as const,
      },
      {
        id: 'g2',
        channel: 'wechat' as const,
        accountId: 'wx',
        platformGroupId: 'room',
        language: 'en' as const,
      },
    ]);
    const sink = new OutboxReminderSink({ reminders: { targets }, outbox: { enqueue } });
    const reminder = reminderRecord();
    const occurrence = new Date('2026-03-15T01:00:00Z');
    await sink.fire(reminder, occurrence);
    expect(enqueue).toHaveBeenCalledTimes(2);
    expect(enqueue).toHaveBeenNthCalledWith(
      1,
      `reminder:${reminder.id}:2026-03-15T01:00:00.000Z:g1`,
      expect.objectContaining({ groupId: 'wr1', content: { kind: 'text', text: '⏰ 提醒：三方碰头会' } }),
      { mayBeRetry: true },
    );
    expect(enqueue).toHaveBeenNthCalledWith(
      2,
      reminderKey(reminder.id, occurrence, 'g2'),
      expect.objectContaining({
        channel: 'wechat',
        content: { kind: 'text', text: '⏰ Reminder: 三方碰头会' },
      }),
      { mayBeRetry: true },
    );
  });
});
