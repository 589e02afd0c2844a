import type { ReportState, ReportView } from '../../../shared/schemas/report.js';
import { el } from '../dom.js';
import { formatFullTime, formatRelativeTime } from '../format-time.js';
import type { RenderContext } from '../render.js';

/** States that end a ticket; the badge turns grey. */
const CLOSED: readonly ReportState[] = ['confirmed', 'rejected', 'duplicate', 'not_responsible'];

export function stateBadge({ t }: RenderContext, state: ReportState): HTMLElement {
  const tone = CLOSED.includes(state) ? 'closed' : state === 'resolved' ? 'resolved' : 'open';
  return el(
    'span',
    { class: `report-state report-state-${tone}`, 'data-state': state },
    t(`reports.states.${state}`),
  );
}

export function timeAgo(ctx: RenderContext, iso: string): HTMLElement {
  return el(
    'time',
    { datetime: iso, title: formatFullTime(iso, ctx.language) },
    formatRelativeTime(iso, ctx.now(), ctx.language, ctx.t('app.justNow')),
  );
}

/** One ticket in a list: number, state, what and where, and when; the whole card links to its page. */
export function renderReportCard(ctx: RenderContext, report: ReportView, href: string): HTMLLIElement {
  const { t } = ctx;
  return el(
    'li',
    { class: 'report-item', 'data-number': report.number, 'data-state': report.state },
    el(
      'a',
      { class: 'card report-card', href },
      el(
        'div',
        { class: 'report-top' },
        el('span', { class: 'code' }, report.number),
        stateBadge(ctx, report.state),
        report.overdue && el('span', { class: 'report-overdue' }, t('reports.page.overdue')),
      ),
      el('p', { class: 'report-title' }, report.title),
      el(
        'div',
        { class: 'report-meta' },
        el('span', { class: 'tag' }, t(`reports.serviceTypes.${report.serviceType}`)),
        report.address && el('span', { class: 'report-address' }, report.address),
        report.photoCount > 0 &&
          el('span', { class: 'report-photos' }, t('reports.page.photoCount', { count: report.photoCount })),
        timeAgo(ctx, report.createdAt),
      ),
    ),
  );
}

export function renderEmptyReports(title: string, hint: string): HTMLElement {
  return el(
    'div',
    { class: 'empty' },
    el('p', { class: 'empty-title' }, title),
    hint && el('p', { class: 'empty-hint' }, hint),
  );
}
