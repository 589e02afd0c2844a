import type { PageDeps } from './page.js';
import type { Tab } from './tab-bar.js';
import { EVENT_PAGES } from './events/pages.js';
import { NOTICE_PAGES } from './notices/index.js';
import { POLL_PAGES } from './polls/index.js';
import { POINTS_PAGES } from './points/points-pages.js';
import { REPORT_PAGES } from './reports/pages.js';

/**
 * A page a feature adds at its own hash, with parameters (`#/reports/R1024`, `#/events/7/checkin`).
 * Each feature keeps its pages in its own folder (`miniprogram/src/<feature>/`) and lists them here.
 */
export interface FeaturePage {
  /** Matched against the hash without its query string, e.g. `/^#\/reports\/(R\d+)$/`. */
  pattern: RegExp;
  /** The bottom tab to highlight while this page shows; none when omitted. */
  tab?: Tab;
  /** `params` are the pattern's capture groups, decoded. */
  mount(deps: PageDeps, params: string[]): void | Promise<void>;
}

/** Every feature's pages; the first whose pattern matches the hash is shown. */
export const FEATURE_PAGES: FeaturePage[] = [
  ...POLL_PAGES,
  ...REPORT_PAGES,
  ...NOTICE_PAGES,
  ...EVENT_PAGES,
  ...POINTS_PAGES,
];

export interface MatchedPage {
  page: FeaturePage;
  params: string[];
}

/** The feature page a hash names, or null for the fixed pages (opinions, me, sign-in …). */
export function matchFeaturePage(
  hash: string,
  pages: readonly FeaturePage[] = FEATURE_PAGES,
): MatchedPage | null {
  const path = hash.split('?')[0]!.replace(/\/+$/, '');
  for (const page of pages) {
    const match = page.pattern.exec(path);
    if (match) return { page, params: match.slice(1).map((p) => decodeURIComponent(p ?? '')) };
  }
  return null;
}
