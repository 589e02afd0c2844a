import { describe, expect, it } from 'vitest';
import { LANGUAGES, languageFromAcceptLanguage, normalizeLanguage, resources, translator } from './index.js';

/** Every leaf path of a resource tree, for comparing locales. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    leafPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

describe('i18n resources', () => {
  it('every locale has exactly the keys of zh-CN, none empty', () => {
    const reference = leafPaths(resources['zh-CN']).sort();
    for (const language of LANGUAGES) {
      expect(leafPaths(resources[language]).sort()).toEqual(reference);
    }
  });

  it('translates with interpolation per language', () => {
    expect(translator('zh-CN')('bot.opinionTooLong', { max: 1000 })).toBe('意见太长了，请控制在 1000 字以内');
    expect(translator('en')('bot.opinionTooLong', { max: 1000 })).toBe(
      'That is too long; please keep it under 1000 characters',
    );
    expect(translator('zh-TW')('categories.transport')).toBe('交通');
  });
});

describe('language negotiation', () => {
  it.each([
    [undefined, 'zh-CN'],
    ['', 'zh-CN'],
    ['en-US,en;q=0.9', 'en'],
    ['zh-TW', 'zh-TW'],
    ['zh-HK,zh;q=0.8', 'zh-TW'],
    ['zh-Hant-TW', 'zh-TW'],
    ['zh', 'zh-CN'],
    ['fr-FR,fr;q=0.9', 'zh-CN'],
    ['fr-FR,en;q=0.5,zh-TW;q=0.8', 'zh-TW'],
    ['en;q=0, zh-TW', 'zh-TW'],
  ])('Accept-Language %j → %s', (header, expected) => {
    expect(languageFromAcceptLanguage(header)).toBe(expected);
  });

  it('normalises tags and rejects unknown ones', () => {
    expect(normalizeLanguage('ZH-cn')).toBe('zh-CN');
    expect(normalizeLanguage('de')).toBeNull();
    expect(normalizeLanguage(null)).toBeNull();
  });
});
