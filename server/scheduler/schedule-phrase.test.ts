import { describe, expect, it } from 'vitest';
import { scheduleToCron, skipsShortMonths } from './schedule-phrase.js';

describe('scheduleToCron', () => {
  it.each([
    ['每天', '09:00', '0 9 * * *'],
    ['每日', '7:30', '30 7 * * *'],
    ['工作日', '08:15', '15 8 * * 1-5'],
    ['每周一', '09:00', '0 9 * * 1'],
    ['每週一', '09:00', '0 9 * * 1'],
    ['每周日', '20:00', '0 20 * * 0'],
    ['每周一,三,五', '09:00', '0 9 * * 1,3,5'],
    ['每星期六', '10:00', '0 10 * * 6'],
    ['每月15日,30日', '09:00', '0 9 15,30 * *'],
    ['每月15号、30号', '09:00', '0 9 15,30 * *'],
    ['每个月1日', '18:45', '45 18 1 * *'],
    ['every day', '09:00', '0 9 * * *'],
    ['daily', '09:00', '0 9 * * *'],
    ['Every Monday', '09:00', '0 9 * * 1'],
    ['every monday and friday', '09:00', '0 9 * * 1,5'],
    ['weekdays', '09:00', '0 9 * * 1-5'],
    ['monthly 15,30', '09:00', '0 9 15,30 * *'],
    ['every month 1st', '09:00', '0 9 1 * *'],
  ])('%s %s → %s', (schedule, time, cron) => {
    expect(scheduleToCron(schedule, time)).toBe(cron);
  });

  it.each([
    ['明天', '09:00'],
    ['每月32日', '09:00'],
    ['每月0日', '09:00'],
    ['每周八', '09:00'],
    ['every blue moon', '09:00'],
    ['每天', '24:00'],
    ['每天', '09:60'],
    ['每月', '09:00'],
  ])('refuses %s %s', (schedule, time) => {
    expect(scheduleToCron(schedule, time)).toBeNull();
  });
});

describe('skipsShortMonths', () => {
  it('flags days some months lack', () => {
    expect(skipsShortMonths('0 9 15,30 * *')).toBe(true);
    expect(skipsShortMonths('0 9 15,28 * *')).toBe(false);
    expect(skipsShortMonths('0 9 * * 1')).toBe(false);
  });
});
