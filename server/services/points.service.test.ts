import { describe, expect, it } from 'vitest';
import { buildingOf, capPeriods, maskName, monthStart } from './points.service.js';

describe('capPeriods', () => {
  it('counts days, ISO weeks and years in China time', () => {
    // 2026-12-31 20:00 UTC is already 2027-01-01 04:00 in Shanghai, in ISO week 2026-W53.
    expect(capPeriods(new Date('2026-12-31T20:00:00Z'))).toEqual({
      day: '2027-01-01',
      week: '2026-W53',
      year: '2027',
    });
    expect(capPeriods(new Date('2026-11-25T10:00:00Z'))).toEqual({
      day: '2026-11-25',
      week: '2026-W48',
      year: '2026',
    });
  });
});

describe('monthStart', () => {
  it('is midnight of the first in Shanghai', () => {
    expect(monthStart(new Date('2026-11-30T17:00:00Z')).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(monthStart(new Date('2026-11-15T00:00:00Z')).toISOString()).toBe('2026-10-31T16:00:00.000Z');
  });
});

describe('buildingOf and maskName', () => {
  it('takes the building from a household scope and hides given names', () => {
    expect(buildingOf('c/g/3/h1')).toBe('c/g/3');
    expect(buildingOf('c')).toBeNull();
    expect(maskName('王秀英')).toBe('王**');
  });
});
