import type { ReportStats } from '../../../shared/schemas/report.js';
import { el, svgEl } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { STAFF_REPORTS_HASH } from './report-list-page.js';
import { reportsApi } from './reports-api.js';

export interface Bar {
  key: string;
  label: string;
  value: number;
}

/**
 * A horizontal bar chart drawn as SVG: one row per bar with its label on the left and its count at the
 * end of the bar, so long Chinese labels and phone widths both fit. No chart library: it is ten rectangles.
 */
export function barChart(bars: Bar[], title: string, className: string): SVGSVGElement {
  const width = 340;
  const labelWidth = 96;
  const row = 34;
  const barHeight = 22;
  const valueRoom = 44;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(row, bars.length * row);
  const chart = svgEl('svg', {
    class: `report-chart ${className}`,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': title,
  });
  chart.append(svgEl('title', {}, title));
  bars.forEach((bar, i) => {
    const y = i * row;
    const length = Math.round(((width - labelWidth - valueRoom) * bar.value) / max);
    const group = svgEl('g', { class: 'report-bar', 'data-key': bar.key, 'data-value': bar.value });
    group.append(
      svgEl(
        'text',
        {
          x: labelWidth - 8,
          y: y + row / 2,
          'text-anchor': 'end',
          'dominant-baseline': 'middle',
          class: 'report-bar-label',
        },
        bar.label,
      ),
      svgEl('rect', {
        x: labelWidth,
        y: y + (row - barHeight) / 2,
        width: Math.max(bar.value > 0 ? 3 : 0, length),
        height: barHeight,
        rx: 4,
        class: 'report-bar-rect',
      }),
      svgEl(
        'text',
        {
          x: labelWidth + length + 6,
          y: y + row / 2,
          'dominant-baseline': 'middle',
          class: 'report-bar-value',
        },
        String(bar.value),
      ),
    );
    chart.append(group);
  });
  return chart;
}

/** `2026-W47` → `W47` (and the year when it is not this one), short enough for a phone's label column. */
export function weekLabel(week: string, thisYear: number): string {
  const match = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!match) return week;
  return Number(match[1]) === thisYear ? `W${match[2]}` : `${match[1]} W${match[2]}`;
}

/** 报事统计: reports by the nine scenarios and by week, the quarterly analysis on demand. */
export function mountReportDashboardPage(deps: PageDeps): void {
  const { root, ctx, signal } = deps;
  const { t } = ctx;
  const api = reportsApi(deps.api);
  const content = el('div', { class: 'content' });
  root.replaceChildren(
    renderPageHeader(t('reports.page.dashboardTitle')),
    el(
      'main',
      {},
      el('a', { class: 'report-back', href: STAFF_REPORTS_HASH }, t('reports.page.backToStaff')),
      content,
    ),
  );

  function section(title: string, total: number, chart: SVGSVGElement | null, className: string) {
    return el(
      'section',
      { class: `card report-chart-card ${className}` },
      el('h2', { class: 'card-title' }, title),
      el('p', { class: 'hint report-chart-total' }, t('reports.page.total', { count: total })),
      chart ?? el('p', { class: 'hint' }, t('reports.page.chartEmpty')),
    );
  }

  function show(stats: ReportStats) {
    const total = stats.byCategory.reduce((sum, c) => sum + c.count, 0);
    const categories = [...stats.byCategory]
      .sort((a, b) => b.count - a.count)
      .map((c) => ({ key: c.category, label: t(`categories.${c.category}`), value: c.count }));
    const year = ctx.now().getFullYear();
    const weeks = stats.byWeek.map((w) => ({ key: w.week, label: weekLabel(w.week, year), value: w.count }));
    const weekTotal = weeks.reduce((sum, w) => sum + w.value, 0);
    content.replaceChildren(
      section(
        t('reports.page.byCategory'),
        total,
        total > 0 ? barChart(categories, t('reports.page.byCategory'), 'report-chart-category') : null,
        'report-by-category',
      ),
      section(
        t('reports.page.byWeek'),
        weekTotal,
        weeks.length > 0 ? barChart(weeks, t('reports.page.byWeek'), 'report-chart-week') : null,
        'report-by-week',
      ),
    );
  }

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const stats = await api.stats(signal);
      if (signal.aborted) return;
      show(stats);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t('reports.page.loadError')),
      );
    }
  }

  void load();
}
