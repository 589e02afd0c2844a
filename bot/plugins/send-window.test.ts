import { describe, expect, it } from 'vitest';
import { SendWindow } from './send-window.js';

describe('SendWindow', () => {
  it('allows max sends per window per key, then says how long to wait', () => {
    const w = new SendWindow({ max: 3, windowMs: 60_000 });
    for (const t of [0, 10, 20]) {
      expect(w.waitFor('robot-a', t)).toBe(0);
      w.record('robot-a', t);
    }
    expect(w.waitFor('robot-a', 30)).toBe(59_970);
    // Another sender is not affected.
    expect(w.waitFor('robot-b', 30)).toBe(0);
  });

  it('frees a slot exactly when the oldest send leaves the window', () => {
    const w = new SendWindow({ max: 2, windowMs: 1_000 });
    w.record('k', 0);
    w.record('k', 400);
    expect(w.waitFor('k', 999)).toBe(1);
    expect(w.waitFor('k', 1_000)).toBe(0);
    w.record('k', 1_000);
    expect(w.waitFor('k', 1_001)).toBe(399);
  });

  it('counts slots taken for later, so queued sends line up one window apart', () => {
    const w = new SendWindow({ max: 2, windowMs: 1_000 });
    w.record('k', 0);
    w.record('k', 100);
    // The next two may go when the first two leave the window; taking them pushes the one after.
    expect(w.waitFor('k', 200)).toBe(800);
    w.record('k', 1_000, 200);
    expect(w.waitFor('k', 200)).toBe(900);
    w.record('k', 1_100, 200);
    expect(w.waitFor('k', 200)).toBe(1_800);
    // A slot given up (the worker stopped before sending) frees its place again.
    w.cancel('k', 1_100);
    expect(w.waitFor('k', 200)).toBe(900);
  });

  it('counts a send from when it finished, since the platform may have seen it that late', () => {
    const w = new SendWindow({ max: 1, windowMs: 1_000 });
    w.record('k', 0);
    w.settle('k', 0, 300);
    expect(w.waitFor('k', 1_000)).toBe(300);
    expect(w.waitFor('k', 1_300)).toBe(0);
  });
});
