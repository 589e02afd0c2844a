import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors.js';
import { assignment } from '../policy/roles.js';
import type { ResidentRecord } from '../repositories/resident.repository.js';
import { NoticeReminderSink } from './notice-sink.js';
import { reminderRecord } from './reminder.factories.js';

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
const occurrence = new Date('2026-03-15T01:00:00Z');

describe('NoticeReminderSink', () => {
  it('sends the occurrence as a notice from its creator, translated for every language', async () => {
    const send = vi.fn(async () => ({}) as never);
    const sink = new NoticeReminderSink({
      notices: { send },
      residents: { findById: async () => secretary },
      log,
    });
    await sink.fire(reminderRecord({ groupIds: ['g'.repeat(24)] }), occurrence);
    expect(send).toHaveBeenCalledWith({
      actor: secretary,
      scope: C,
      text: '⏰ 提醒：三方碰头会',
      translations: { 'zh-TW': '⏰ 提醒：三方碰头会', en: '⏰ Reminder: 三方碰头会' },
      groupIds: ['g'.repeat(24)],
      sourceKey: `reminder:${'d'.repeat(24)}:2026-03-15T01:00:00.000Z`,
    });
  });

  it('skips the occurrence when the creator is gone', async () => {
    const send = vi.fn();
    const sink = new NoticeReminderSink({
      notices: { send },
      residents: { findById: async () => null },
      log,
    });
    await sink.fire(reminderRecord(), occurrence);
    expect(send).not.toHaveBeenCalled();
  });

  it('swallows a refusal but lets a transient failure through for a retry', async () => {
    const refused = new NoticeReminderSink({
      notices: { send: vi.fn().mockRejectedValue(new AppError(403, 'forbidden', 'access.forbidden')) },
      residents: { findById: async () => secretary },
      log,
    });
    await expect(refused.fire(reminderRecord(), occurrence)).resolves.toBeUndefined();
    const broken = new NoticeReminderSink({
      notices: { send: vi.fn().mockRejectedValue(new Error('connection reset')) },
      residents: { findById: async () => secretary },
      log,
    });
    await expect(broken.fire(reminderRecord(), occurrence)).rejects.toThrow('connection reset');
  });
});
