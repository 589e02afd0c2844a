import type { FeaturePage } from '../feature-pages.js';
import { mountComposePage } from './compose-page.js';
import { mountNoticeDetailPage } from './detail-page.js';
import { mountNoticeListPage } from './list-page.js';

/** The staff notice pages, highlighted under the 工作台 tab. */
export const NOTICE_PAGES: FeaturePage[] = [
  { pattern: /^#\/staff\/notices\/new$/, tab: 'staff', mount: (deps) => mountComposePage(deps) },
  {
    pattern: /^#\/staff\/notices\/([0-9a-f]{24})$/,
    tab: 'staff',
    mount: (deps, [id]) => mountNoticeDetailPage(deps, id!),
  },
  { pattern: /^#\/staff\/notices$/, tab: 'staff', mount: (deps) => mountNoticeListPage(deps) },
];
