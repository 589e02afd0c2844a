import type { FeaturePage } from '../feature-pages.js';
import { mountCreatePollPage } from './create-page.js';
import { mountPollListPage } from './list-page.js';
import { mountPollPage } from './poll-page.js';
import { mountResultsPage } from './results-page.js';
import { mountStaffPollsPage } from './staff-page.js';

/** The poll pages; `#/polls/<number>` is the link every poll message in the groups carries. */
export const POLL_PAGES: FeaturePage[] = [
  { pattern: /^#\/polls$/, tab: 'opinions', mount: (deps) => mountPollListPage(deps) },
  { pattern: /^#\/polls\/(\d{1,9})$/, tab: 'opinions', mount: (deps, [n]) => mountPollPage(deps, Number(n)) },
  {
    pattern: /^#\/polls\/(\d{1,9})\/results$/,
    tab: 'opinions',
    mount: (deps, [n]) => mountResultsPage(deps, Number(n)),
  },
  { pattern: /^#\/staff\/polls$/, tab: 'staff', mount: (deps) => mountStaffPollsPage(deps) },
  { pattern: /^#\/staff\/polls\/new$/, tab: 'staff', mount: (deps) => mountCreatePollPage(deps) },
];
