import { describe, expect, it } from 'vitest';
import { art278Verdict, toHundredths } from './poll-art278.js';

// Worked example: 9 households, areas (m²) 80, 90, 100, 110, 120, 60, 70, 85.5, 84.5 = 800.00 m².
const TOTAL_AREA = 80_000;

describe('art278Verdict', () => {
  it('quorum needs two thirds of area AND of owners, exactly two thirds counts', () => {
    // 6 of 9 owners (exactly 2/3) holding 533.34 m², just over 2/3 of 800 m² (533.33…).
    const r = art278Verdict({
      matter: 'ordinary',
      totalArea: TOTAL_AREA,
      totalOwners: 9,
      participatingArea: 53_334,
      participatingOwners: 6,
      forArea: 30_000,
      forOwners: 4,
    });
    expect(r.quorumReached).toBe(true);
    expect(r.passed).toBe(true);
    expect(r.participationOwners).toEqual({ num: 6, den: 9, percent: 66.67 });
  });

  it('one hundredth of a m² short of two thirds of area misses the quorum', () => {
    // 2/3 of 800.00 m² is 533.333…; 533.33 m² is short.
    const r = art278Verdict({
      matter: 'ordinary',
      totalArea: TOTAL_AREA,
      totalOwners: 9,
      participatingArea: 53_333,
      participatingOwners: 9,
      forArea: 53_333,
      forOwners: 9,
    });
    expect(r.quorumReached).toBe(false);
    expect(r.passed).toBe(false);
  });

  it('5 of 9 owners miss the headcount quorum even with all the area', () => {
    const r = art278Verdict({
      matter: 'ordinary',
      totalArea: 1000,
      totalOwners: 9,
      participatingArea: 1000,
      participatingOwners: 5,
      forArea: 1000,
      forOwners: 5,
    });
    expect(r.quorumReached).toBe(false);
  });

  it('ordinary matters need MORE than half: exactly half of the participating area fails', () => {
    const base = {
      matter: 'ordinary' as const,
      totalArea: 60_000,
      totalOwners: 6,
      participatingArea: 60_000,
      participatingOwners: 6,
    };
    expect(art278Verdict({ ...base, forArea: 30_000, forOwners: 4 }).passed).toBe(false);
    expect(art278Verdict({ ...base, forArea: 30_001, forOwners: 4 }).passed).toBe(true);
    // More than half of the area but exactly half of the heads: fails on headcount.
    expect(art278Verdict({ ...base, forArea: 40_000, forOwners: 3 }).passed).toBe(false);
  });

  it('major matters need at least three quarters of participating area and owners', () => {
    const base = {
      matter: 'major' as const,
      totalArea: 80_000,
      totalOwners: 8,
      participatingArea: 80_000,
      participatingOwners: 8,
    };
    expect(art278Verdict({ ...base, forArea: 60_000, forOwners: 6 }).passed).toBe(true);
    expect(art278Verdict({ ...base, forArea: 59_999, forOwners: 6 }).passed).toBe(false);
    expect(art278Verdict({ ...base, forArea: 60_000, forOwners: 5 }).passed).toBe(false);
    expect(art278Verdict({ ...base, forArea: 60_000, forOwners: 6 }).approvalArea.percent).toBe(75);
  });

  it('the thresholds are of PARTICIPATING area, not of the total', () => {
    // 7 of 9 owners, 600 of 800 m² take part; 310 m² and 4 owners in favour: > half of those taking part.
    const r = art278Verdict({
      matter: 'ordinary',
      totalArea: TOTAL_AREA,
      totalOwners: 9,
      participatingArea: 60_000,
      participatingOwners: 7,
      forArea: 31_000,
      forOwners: 4,
    });
    expect(r.quorumReached).toBe(true);
    expect(r.passed).toBe(true);
    expect(r.approvalArea).toEqual({ num: 31_000, den: 60_000, percent: 51.67 });
  });

  it('an empty roll never reaches a quorum', () => {
    const zero = { totalArea: 0, totalOwners: 0, participatingArea: 0, participatingOwners: 0 };
    expect(art278Verdict({ matter: 'ordinary', ...zero, forArea: 0, forOwners: 0 }).quorumReached).toBe(
      false,
    );
  });
});

describe('toHundredths', () => {
  it('turns m² with two decimals into exact integers', () => {
    expect(toHundredths(88.1)).toBe(8810);
    expect(toHundredths(85.55)).toBe(8555);
    expect(toHundredths(0.29)).toBe(29);
    expect(toHundredths(null)).toBe(0);
  });
});
