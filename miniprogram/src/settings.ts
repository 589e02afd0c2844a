import { DEFAULT_LANGUAGE, normalizeLanguage, type Language } from '../../shared/i18n/index.js';

/** `?lang=` wins, then the phone's language, then the default (zh-CN). */
export function pickLanguage(fromUrl: string | null, fromBrowser: string | undefined): Language {
  return normalizeLanguage(fromUrl) ?? normalizeLanguage(fromBrowser) ?? DEFAULT_LANGUAGE;
}

/** What the page was opened with, read once from its address. */
export interface PageSettings {
  language: Language;
  /** `?community=`; null means "ask the demo server". */
  community: string | null;
}

export function readSettings(search: string, browserLanguage: string | undefined): PageSettings {
  const params = new URLSearchParams(search);
  return {
    language: pickLanguage(params.get('lang'), browserLanguage),
    community: params.get('community')?.trim() || null,
  };
}
