import { CATEGORIES, type Category } from '../../shared/categories.js';
import { LANGUAGES, resources } from '../../shared/i18n/index.js';

/** Keyword → category, from every locale, longest keyword first so specific words win. */
const KEYWORDS: { word: string; category: Category }[] = LANGUAGES.flatMap((language) =>
  CATEGORIES.flatMap((category) =>
    resources[language].categoryKeywords[category].map((word) => ({ word: word.toLowerCase(), category })),
  ),
).sort((a, b) => b.word.length - a.word.length);

const ENGLISH_WORD = /^[a-z]+$/;

/**
 * Suggests one of the nine scenarios for an opinion from keywords in any language: the category with
 * the most distinct keyword hits wins, ties go to the longer (more specific) keyword; an unmatched
 * text falls back to neighbourhood, the catch-all scenario.
 */
export function categorize(text: string): { category: Category; source: 'keyword' | 'default' } {
  const lower = text.toLowerCase();
  const words = new Set(lower.split(/[^a-z]+/).filter(Boolean));
  const hits = new Map<Category, number>();
  let best: Category | null = null;
  for (const { word, category } of KEYWORDS) {
    const hit = ENGLISH_WORD.test(word) ? words.has(word) || words.has(`${word}s`) : lower.includes(word);
    if (!hit) continue;
    const n = (hits.get(category) ?? 0) + 1;
    hits.set(category, n);
    if (best === null || n > hits.get(best)!) best = category;
  }
  return best ? { category: best, source: 'keyword' } : { category: 'neighbourhood', source: 'default' };
}
