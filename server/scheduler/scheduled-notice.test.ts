import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors.js';
import { assignment } from '../policy/roles.js';
import type { NoticeScheduleRecord } from '../repositories/notice-schedule.repository.js';
import type { ResidentRecord } from '../repositories/resident.repository.js';
import { reminderRecord } from './reminder.factories.js';
import { SchedulerGroup } from './minute-job.js';
import { ScheduledNoticeSink } from './scheduled-notice.js';

const C = 'c'.repeat(24);
const secretary: ResidentRecord = {
  id: 'b'.repeat(24),
  communityId: C,
  householdId: null,
  householdScope: null,
  relation: null,
  floorArea: null,
  name: '陈书记',
  phoneMasked: null,
  roles: [assignment('secretary', C)],
  version: 0,
};
const log = pino({ level: 'silent' });

const scheduleRecord = (overrides: Partial<NoticeScheduleRecord> = {}): NoticeScheduleRecord => ({
  id: 'd'.repeat(24),
  communityId: C,
  scopeId: C,
  text: '周六消防演练',
  translations: [{ language: 'en', text: 'Fire drill' }],
  groupIds: [],
  sendAt: new Date('2026-03-15T01:00:00Z'),
  origin: 'https://example.org',
  createdBy: secretary.id,
  status: 'scheduled',
  nextRunAt: null,
  noticeId: null,
  createdAt: new Date('2026-03-01T00:00:00Z'),
  ...overrides,
});

function setup(
  record: NoticeScheduleRecord | null,
  send = vi.fn(async () => ({ notice: { id: 'n1' } }) as never),
) {
  const schedules = {
    findById: vi.fn(async () => record),
    markSent: vi.fn(async () => undefined),
    markRefused: vi.fn(async () => undefined),
  };
  const sink = new ScheduledNoticeSink({
    notices: { send },
    schedules,
    residents: { findById: async (id: string) => (id === secretary.id ? secretary : null) },
    log,
  });
  return { sink, schedules, send };
}

describe('ScheduledNoticeSink', () => {
  it('sends the stored notice from its creator under the schedule’s source key, then marks it sent', async () => {
    const { sink, schedules, send } = setup(scheduleRecord());
    await sink.fire(reminderRecord({ id: 'd'.repeat(24) }));
    expect(send).toHaveBeenCalledWith({
      actor: secretary,
      scope: C,
      text: '周六消防演练',
      translations: { en: 'Fire drill' },
      groupIds: undefined,
      origin: 'https://example.org',
      sourceKey: `schedule:${'d'.repeat(24)}`,
    });
    expect(schedules.markSent).toHaveBeenCalledWith('d'.repeat(24), 'n1');
  });

  it('does nothing for a cancelled schedule; refuses one whose creator is gone', async () => {
    const cancelled = setup(scheduleRecord({ status: 'cancelled' }));
    await cancelled.sink.fire(reminderRecord());
    expect(cancelled.send).not.toHaveBeenCalled();
    const orphan = setup(scheduleRecord({ createdBy: 'e'.repeat(24) }));
    await orphan.sink.fire(reminderRecord());
    expect(orphan.send).not.toHaveBeenCalled();
    expect(orphan.schedules.markRefused).toHaveBeenCalled();
  });

  it('marks a refusal for good but lets a transient failure through for a retry', async () => {
    const refused = setup(
      scheduleRecord(),
      vi.fn().mockRejectedValue(new AppError(403, 'forbidden', 'access.forbidden')),
    );
    await expect(refused.sink.fire(reminderRecord())).resolves.toBeUndefined();
    expect(refused.schedules.markRefused).toHaveBeenCalled();
    const broken = setup(scheduleRecord(), vi.fn().mockRejectedValue(new Error('connection reset')));
    await expect(broken.sink.fire(reminderRecord())).rejects.toThrow('connection reset');
    expect(broken.schedules.markSent).not.toHaveBeenCalled();
    expect(broken.schedules.markRefused).not.toHaveBeenCalled();
  });
});

describe('SchedulerGroup', () => {
  it('starts, ticks and stops every part, adding up what they fired', async () => {
    const part = (fired: number) => ({
      start: vi.fn(),
      stop: vi.fn(async () => undefined),
      tick: vi.fn(async () => fired),
    });
    const [a, b] = [part(1), part(2)];
    const group = new SchedulerGroup([a, b]);
    group.start();
    const now = new Date('2026-03-15T01:00:00Z');
    expect(await group.tick(now)).toBe(3);
    expect(b.tick).toHaveBeenCalledWith(now);
    await group.stop();
    expect([a.start, b.start, a.stop, b.stop].every((f) => f.mock.calls.length === 1)).toBe(true);
  });
});
