import type { FeaturePage } from '../feature-pages.js';
import { mountReportDashboardPage } from './report-dashboard-page.js';
import { mountReportDetailPage } from './report-detail-page.js';
import { mountReportListPage } from './report-list-page.js';
import { mountReportRoutingPage } from './report-routing-page.js';

/** The reports pages, in the order they are matched (the dashboard before a ticket number). */
export const REPORT_PAGES: FeaturePage[] = [
  { pattern: /^#\/reports$/, tab: 'reports', mount: (deps) => mountReportListPage(deps, 'mine') },
  {
    pattern: /^#\/reports\/([Rr][0-9]{1,9})$/,
    tab: 'reports',
    mount: (deps, [number]) => mountReportDetailPage(deps, number!, false),
  },
  {
    pattern: /^#\/staff\/reports$/,
    tab: 'staff',
    mount: (deps) => mountReportListPage(deps, 'staff'),
  },
  {
    pattern: /^#\/staff\/reports\/dashboard$/,
    tab: 'staff',
    mount: (deps) => mountReportDashboardPage(deps),
  },
  {
    pattern: /^#\/staff\/reports\/routing$/,
    tab: 'staff',
    mount: (deps) => mountReportRoutingPage(deps),
  },
  {
    pattern: /^#\/staff\/reports\/([Rr][0-9]{1,9})$/,
    tab: 'staff',
    mount: (deps, [number]) => mountReportDetailPage(deps, number!, true),
  },
];
