import type { ReportView } from '../../../shared/schemas/report.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderListFooter, renderLoadFailed, renderLoading } from '../render.js';
import { renderEmptyReports, renderReportCard } from './report-parts.js';
import {
  PARTIES,
  REPORT_STATES,
  SERVICE_TYPES,
  exportUrl,
  filterParams,
  parseFilters,
  REPORT_PAGE_SIZE,
  reportsApi,
  type ReportFilters,
} from './reports-api.js';

export const MY_REPORTS_HASH = '#/reports';
export const STAFF_REPORTS_HASH = '#/staff/reports';
export const DASHBOARD_HASH = '#/staff/reports/dashboard';
export const ROUTING_HASH = '#/staff/reports/routing';
/** Requests one "load more" may make when filters match only a few old tickets. */
const MAX_ROUNDS = 5;

/** The hash of a ticket's page: residents and staff see the same ticket, staff with its actions. */
export const reportHash = (number: string, staff: boolean) =>
  `${staff ? STAFF_REPORTS_HASH : MY_REPORTS_HASH}/${encodeURIComponent(number)}`;

/**
 * 我的报事 (`mine`) or 报事管理 (`staff`): newest first, more on demand. Staff filter by state, party,
 * service type and overdue; the filters live in the hash's query, so a reload or a shared link keeps them.
 */
export function mountReportListPage(deps: PageDeps, mode: 'mine' | 'staff'): void {
  const { root, ctx, signal } = deps;
  const { t } = ctx;
  const api = reportsApi(deps.api);
  const staff = mode === 'staff';
  let filters: ReportFilters = staff ? parseFilters(location.hash.split('?')[1] ?? '') : {};
  let next: string | null = null;
  let loadingMore = false;
  let moreFailed = false;
  let generation = 0;

  const content = el('div', { class: 'content' });
  const list = el('ul', { class: 'reports' });
  let footer: HTMLElement = el('div');
  const exportLink = el(
    'a',
    { class: 'button secondary report-export', href: exportUrl(filters), download: '' },
    t('reports.page.export'),
  );

  const toolbar = staff ? renderToolbar() : null;
  root.replaceChildren(
    renderPageHeader(t(staff ? 'reports.page.staffTitle' : 'reports.page.myTitle')),
    el('main', {}, toolbar, content),
  );

  function renderToolbar(): HTMLElement {
    const select = <T extends string>(
      name: keyof ReportFilters,
      values: readonly T[],
      label: (value: T) => string,
    ) => {
      const input = el(
        'select',
        { id: `report-filter-${name}`, name, class: 'report-filter' },
        el('option', { value: '' }, t('reports.page.filters.all')),
        ...values.map((v) => el('option', { value: v }, label(v))),
      );
      input.value = (filters[name] as string | undefined) ?? '';
      input.addEventListener('change', () => update({ ...filters, [name]: input.value || undefined }));
      return el(
        'label',
        { class: 'report-filter-field', for: input.id },
        el('span', { class: 'report-filter-label' }, t(`reports.page.filters.${name}`)),
        input,
      );
    };
    const overdue = el('input', { type: 'checkbox', id: 'report-filter-overdue', name: 'overdue' });
    overdue.checked = filters.overdue === true;
    overdue.addEventListener('change', () => update({ ...filters, overdue: overdue.checked || undefined }));
    return el(
      'section',
      { class: 'report-toolbar', 'aria-label': t('reports.page.filters.label') },
      el(
        'div',
        { class: 'report-filters' },
        select('state', REPORT_STATES, (s) => t(`reports.states.${s}`)),
        select('party', PARTIES, (p) => t(`reports.parties.${p}`)),
        select('serviceType', SERVICE_TYPES, (s) => t(`reports.serviceTypes.${s}`)),
        el(
          'label',
          { class: 'report-filter-check', for: overdue.id },
          overdue,
          el('span', {}, t('reports.page.filters.overdue')),
        ),
      ),
      el(
        'div',
        { class: 'report-links' },
        exportLink,
        el(
          'a',
          { class: 'button secondary report-dashboard-link', href: DASHBOARD_HASH },
          t('reports.page.dashboard'),
        ),
        el(
          'a',
          { class: 'button secondary report-routing-link', href: ROUTING_HASH },
          t('reports.page.routingLink'),
        ),
      ),
    );
  }

  function update(nextFilters: ReportFilters) {
    filters = nextFilters;
    exportLink.href = exportUrl(filters);
    const query = filterParams(filters).toString();
    // Replacing the hash without an event keeps the page (and its focus) while the address follows.
    history.replaceState(
      null,
      '',
      `${location.pathname}${location.search}${STAFF_REPORTS_HASH}${query ? `?${query}` : ''}`,
    );
    void loadFirst();
  }

  function refreshFooter() {
    const fresh = renderListFooter(
      ctx,
      { hasMore: next !== null, loading: loadingMore, failed: moreFailed },
      () => void loadMore(),
    );
    footer.replaceWith(fresh);
    footer = fresh;
  }

  const card = (r: ReportView) => renderReportCard(ctx, r, reportHash(r.number, staff));

  /**
   * One screenful from `before` on. The server stops after a fixed amount of reading and may answer a
   * short (even empty) page with a cursor when filters match little, so this asks again a few times.
   */
  async function fill(before: string | null): Promise<{ items: ReportView[]; nextCursor: string | null }> {
    const items: ReportView[] = [];
    let cursor = before;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const page = await api.list({ ...filters, mine: !staff, before: cursor }, signal);
      items.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null || items.length >= REPORT_PAGE_SIZE) break;
    }
    return { items, nextCursor: cursor };
  }

  async function loadFirst(): Promise<void> {
    const mine = ++generation;
    moreFailed = false;
    loadingMore = false;
    content.replaceChildren(renderLoading(ctx));
    try {
      const page = await fill(null);
      if (signal.aborted || mine !== generation) return;
      next = page.nextCursor;
      if (page.items.length === 0) {
        content.replaceChildren(
          staff
            ? renderEmptyReports(t('reports.page.staffEmpty'), '')
            : renderEmptyReports(t('reports.page.empty'), t('reports.page.emptyHint')),
        );
        return;
      }
      list.replaceChildren(...page.items.map(card));
      footer = el('div');
      content.replaceChildren(list, footer);
      refreshFooter();
    } catch (err) {
      if (signal.aborted || mine !== generation || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void loadFirst(), t('reports.page.loadError')),
      );
    }
  }

  async function loadMore(): Promise<void> {
    if (loadingMore || next === null) return;
    const mine = generation;
    loadingMore = true;
    moreFailed = false;
    refreshFooter();
    try {
      const page = await fill(next);
      if (signal.aborted || mine !== generation) return;
      const shown = new Set(Array.from(list.children, (li) => (li as HTMLElement).dataset.number));
      list.append(...page.items.filter((r) => !shown.has(r.number)).map(card));
      next = page.nextCursor;
    } catch {
      if (mine !== generation) return;
      moreFailed = true;
    }
    loadingMore = false;
    refreshFooter();
  }

  void loadFirst();
}
