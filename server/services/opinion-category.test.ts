import { describe, expect, it } from 'vitest';
import { categorize } from './opinion-category.js';

describe('categorize', () => {
  it.each([
    ['小区东门的路灯坏了好几天了，晚上出门很不方便', 'buildings'],
    ['垃圾房那边味道很大，夏天更严重', 'lowCarbon'],
    ['社區活動中心週末可以開放久一點嗎', 'services'],
    ['Could the recycling point stay open after 8pm?', 'lowCarbon'],
    ['the neighbours dog next door barks all night', 'neighbourhood'],
    ['南门口停车太乱，车位不够', 'transport'],
  ])('%s → %s', (text, category) => {
    expect(categorize(text)).toEqual({ category, source: 'keyword' });
  });

  it('falls back to neighbourhood when nothing matches', () => {
    expect(categorize('谢谢大家')).toEqual({ category: 'neighbourhood', source: 'default' });
  });

  it('matches English words whole, not inside other words', () => {
    // "carpet" contains "car" but is not about transport.
    expect(categorize('new carpet please').category).not.toBe('transport');
  });
});
