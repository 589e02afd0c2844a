import { describe, expect, it } from 'vitest';
import { formatLocalTime, isSupportedCron, isTimezone, nextOccurrence } from './cron.js';

const SH = 'Asia/Shanghai';
/** An instant given as Shanghai wall-clock time. */
const sh = (local: string) => new Date(`${local}+08:00`);

describe('nextOccurrence in Asia/Shanghai', () => {
  it('is later the same day when the time has not come yet', () => {
    expect(nextOccurrence('0 9 * * *', SH, sh('2026-03-10T08:59:00'))).toEqual(sh('2026-03-10T09:00:00'));
  });

  it('is strictly after the given instant', () => {
    expect(nextOccurrence('0 9 * * *', SH, sh('2026-03-10T09:00:00'))).toEqual(sh('2026-03-11T09:00:00'));
  });

  it('uses local days, not UTC days (09:00 Shanghai is 01:00 UTC)', () => {
    // 2026-03-10T23:30Z is already 07:30 on the 11th in Shanghai.
    expect(nextOccurrence('0 9 * * *', SH, new Date('2026-03-10T23:30:00Z'))).toEqual(
      new Date('2026-03-11T01:00:00Z'),
    );
  });

  it('skips the 30th in February', () => {
    expect(nextOccurrence('0 9 15,30 * *', SH, sh('2026-02-16T00:00:00'))).toEqual(sh('2026-03-15T09:00:00'));
    expect(nextOccurrence('0 9 15,30 * *', SH, sh('2026-03-15T09:00:00'))).toEqual(sh('2026-03-30T09:00:00'));
  });

  it('runs workdays Monday to Friday', () => {
    // 2026-03-13 is a Friday.
    expect(nextOccurrence('0 9 * * 1-5', SH, sh('2026-03-13T10:00:00'))).toEqual(sh('2026-03-16T09:00:00'));
  });

  it('runs weekly on the named day, Sunday as 0 or 7', () => {
    expect(nextOccurrence('0 20 * * 0', SH, sh('2026-03-10T00:00:00'))).toEqual(sh('2026-03-15T20:00:00'));
    expect(nextOccurrence('0 20 * * 7', SH, sh('2026-03-10T00:00:00'))).toEqual(sh('2026-03-15T20:00:00'));
  });

  it('finds a rare date years ahead (1 January on a Monday)', () => {
    expect(nextOccurrence('0 9 1 1 1', SH, sh('2026-01-01T00:00:00'))).toEqual(sh('2029-01-01T09:00:00'));
  });

  it('follows the zone it is given', () => {
    expect(nextOccurrence('0 9 * * *', 'Europe/London', new Date('2026-07-01T00:00:00Z'))).toEqual(
      new Date('2026-07-01T08:00:00Z'),
    );
  });
});

describe('validation', () => {
  it('accepts five plain fields only', () => {
    expect(isSupportedCron('0 9 15,30 * *')).toBe(true);
    expect(isSupportedCron('*/5 * * * *')).toBe(true);
    expect(isSupportedCron('0 0 9 * * *')).toBe(false);
    expect(isSupportedCron('0 9 L * *')).toBe(false);
    expect(isSupportedCron('61 9 * * *')).toBe(false);
    expect(isSupportedCron('0 9 31 2 *')).toBe(false);
    expect(isSupportedCron('every day')).toBe(false);
  });

  it('knows IANA zones', () => {
    expect(isTimezone('Asia/Shanghai')).toBe(true);
    expect(isTimezone('Mars/Olympus')).toBe(false);
  });

  it('formats local time', () => {
    expect(formatLocalTime(new Date('2026-12-15T01:00:00Z'), SH)).toBe('2026-12-15 09:00');
  });
});
