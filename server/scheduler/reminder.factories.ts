import type { ReminderRecord } from '../repositories/reminder.repository.js';

/** A reminder as the repository returns it; tests override what they care about. */
export const reminderRecord = (overrides: Partial<ReminderRecord> = {}): ReminderRecord => ({
  id: 'd'.repeat(24),
  communityId: 'c'.repeat(24),
  number: 1,
  text: '三方碰头会',
  groupIds: [],
  cron: '0 9 15,30 * *',
  timezone: 'Asia/Shanghai',
  nextRunAt: new Date('2026-03-15T01:00:00Z'),
  lastRunAt: null,
  active: true,
  createdBy: 'b'.repeat(24),
  createdAt: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});
