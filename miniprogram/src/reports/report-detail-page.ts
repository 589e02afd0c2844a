import type { ReportDetailView, ReportHistoryEntry, ReportState } from '../../../shared/schemas/report.js';
import { el } from '../dom.js';
import { formatFullTime } from '../format-time.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { openActionSheet, type SheetField } from './action-sheet.js';
import { MY_REPORTS_HASH, STAFF_REPORTS_HASH, reportHash } from './report-list-page.js';
import { stateBadge, timeAgo } from './report-parts.js';
import { PARTIES, STATES_NEEDING_REASON, reportsApi } from './reports-api.js';

/** What a resident may do with their own ticket once it is resolved. */
const RESIDENT_MOVES: readonly ReportState[] = ['confirmed', 'reopened'];
/** The order staff buttons appear in, forward moves first. */
const MOVE_ORDER: readonly ReportState[] = [
  'accepted',
  'assigned',
  'in_progress',
  'resolved',
  'confirmed',
  'reopened',
  'duplicate',
  'not_responsible',
  'rejected',
];
const NOTE_MAX = 1000;
const NUMBER = /^[Rr][0-9]{1,9}$/;

/**
 * One ticket: what, where, photos, who handles it, and its history as a timeline. Residents get 确认 /
 * 重新打开 once it is resolved; staff (`staff`) get every move the server allows, assignment and merging.
 */
export function mountReportDetailPage(deps: PageDeps, number: string, staff: boolean): void {
  const { root, ctx, signal } = deps;
  const { t } = ctx;
  const api = reportsApi(deps.api);
  const feedback = el('div', { class: 'feedback' });
  const content = el('div', { class: 'content' });
  const back = el(
    'a',
    { class: 'report-back', href: staff ? STAFF_REPORTS_HASH : MY_REPORTS_HASH },
    t(staff ? 'reports.page.backToStaff' : 'reports.page.backToMine'),
  );
  root.replaceChildren(
    renderPageHeader(t('reports.page.detailTitle')),
    el('main', {}, back, feedback, content),
  );

  function say(text: string, kind: 'done' | 'failed') {
    feedback.replaceChildren(
      el('p', { class: `notice notice-${kind}`, role: kind === 'failed' ? 'alert' : 'status' }, text),
    );
  }

  const row = (label: string, value: Node | string, className: string) =>
    el('div', { class: `row ${className}` }, el('dt', {}, label), el('dd', {}, value));

  function renderSummary(report: ReportDetailView): HTMLElement {
    const dl = el(
      'dl',
      {},
      row(t('reports.page.serviceType'), t(`reports.serviceTypes.${report.serviceType}`), 'report-service'),
      row(t('reports.page.category'), t(`categories.${report.category}`), 'report-category'),
      row(t('reports.page.location'), report.location.address || report.address || '—', 'report-location'),
      row(t('reports.page.party'), t(`reports.parties.${report.party}`), 'report-party'),
      row(
        t('reports.page.reporter'),
        report.reporter.phone ? `${report.reporter.name} ${report.reporter.phone}` : report.reporter.name,
        'report-reporter',
      ),
      row(t('reports.page.filedAt'), timeAgo(ctx, report.createdAt), 'report-created'),
      report.dueAt
        ? row(
            t('reports.page.dueAt'),
            // A deadline is usually ahead, where "x minutes ago" cannot speak: the date and time say it.
            el(
              'time',
              { datetime: report.dueAt, class: report.overdue ? 'report-overdue' : '' },
              formatFullTime(report.dueAt, ctx.language),
            ),
            'report-due',
          )
        : null,
    );
    return el(
      'section',
      { class: 'card report-summary', 'data-number': report.number, 'data-state': report.state },
      el(
        'div',
        { class: 'report-top' },
        el('span', { class: 'code report-number' }, report.number),
        stateBadge(ctx, report.state),
        report.overdue && el('span', { class: 'report-overdue' }, t('reports.page.overdue')),
      ),
      el('p', { class: 'report-description' }, report.description),
      report.duplicateOf
        ? el(
            'p',
            { class: 'report-duplicate-of' },
            t('reports.page.duplicateOf'),
            ' ',
            el('a', { href: reportHash(report.duplicateOf, staff) }, report.duplicateOf),
          )
        : null,
      dl,
    );
  }

  function renderPhotos(report: ReportDetailView): HTMLElement | null {
    if (report.photos.length === 0) return null;
    return el(
      'section',
      { class: 'card report-photos-card' },
      el('h2', { class: 'card-title' }, t('reports.page.photos')),
      el(
        'ul',
        { class: 'report-photo-grid' },
        ...report.photos.map((photo, i) =>
          el(
            'li',
            {},
            el(
              'a',
              { href: photo.url, target: '_blank', rel: 'noopener' },
              el('img', {
                class: 'report-photo',
                src: photo.url,
                alt: t('reports.page.photoAlt', { n: i + 1, number: report.number }),
                loading: 'lazy',
              }),
            ),
          ),
        ),
      ),
    );
  }

  function renderEntry(entry: ReportHistoryEntry): HTMLLIElement {
    return el(
      'li',
      { class: 'report-event', 'data-to': entry.to },
      el('span', { class: 'report-event-dot', 'aria-hidden': 'true' }),
      el(
        'div',
        { class: 'report-event-body' },
        el(
          'div',
          { class: 'report-event-top' },
          stateBadge(ctx, entry.to),
          entry.party && el('span', { class: 'tag' }, t(`reports.parties.${entry.party}`)),
          timeAgo(ctx, entry.at),
        ),
        el('p', { class: 'report-event-by' }, entry.by || t('reports.page.system')),
        entry.note && el('p', { class: 'report-event-note' }, entry.note),
      ),
    );
  }

  function renderHistory(report: ReportDetailView): HTMLElement {
    // Newest on top: what happened last is what the reader came for.
    const entries = [...report.history].sort((a, b) => b.at.localeCompare(a.at));
    return el(
      'section',
      { class: 'card report-history' },
      el('h2', { class: 'card-title' }, t('reports.page.history')),
      el('ol', { class: 'report-timeline' }, ...entries.map(renderEntry)),
    );
  }

  function renderActions(report: ReportDetailView): HTMLElement | null {
    const allowed = report.allowedTransitions.filter((s) => staff || RESIDENT_MOVES.includes(s));
    const moves = MOVE_ORDER.filter((s) => allowed.includes(s) && !(s === 'assigned' && staff));
    const buttons: HTMLButtonElement[] = moves.map((to) => {
      // Turning a ticket down is red; reopening is a quiet outline beside the big 确认.
      const tone = STATES_NEEDING_REASON.includes(to)
        ? ' secondary danger'
        : to === 'reopened'
          ? ' secondary'
          : '';
      const button = el(
        'button',
        { type: 'button', class: `button report-move${tone}`, 'data-to': to },
        t(`reports.page.actions.${to}`),
      );
      button.addEventListener('click', () => void move(report, to));
      return button;
    });
    if (staff && (report.canAssign || report.allowedTransitions.includes('assigned'))) {
      const assign = el(
        'button',
        { type: 'button', class: 'button report-assign' },
        t('reports.page.assign'),
      );
      assign.addEventListener('click', () => void assignTo(report));
      buttons.splice(moves.includes('accepted') ? 1 : 0, 0, assign);
    }
    if (buttons.length === 0) return null;
    return el(
      'section',
      { class: 'card report-actions-card' },
      !staff && report.state === 'resolved'
        ? el('p', { class: 'report-ask' }, t('reports.page.askFixed'))
        : null,
      el('div', { class: 'report-actions' }, ...buttons),
    );
  }

  function show(report: ReportDetailView) {
    content.replaceChildren(
      ...[renderSummary(report), renderActions(report), renderPhotos(report), renderHistory(report)].filter(
        (x): x is HTMLElement => x !== null,
      ),
    );
  }

  /** Recent tickets to offer as the original of a duplicate: same service type first. */
  async function candidates(report: ReportDetailView): Promise<string[]> {
    try {
      const page = await api.list({ serviceType: report.serviceType, limit: 50 }, signal);
      return page.items.map((r) => r.number).filter((n) => n !== report.number);
    } catch {
      return [];
    }
  }

  async function move(report: ReportDetailView, to: ReportState): Promise<void> {
    const needsReason = STATES_NEEDING_REASON.includes(to);
    const fields: SheetField[] = [];
    if (to === 'duplicate')
      fields.push({
        kind: 'text',
        name: 'duplicateOf',
        label: t('reports.page.originalLabel'),
        placeholder: t('reports.page.originalPlaceholder'),
        maxLength: 10,
        requiredMessage: t('reports.page.originalRequired'),
        check: (value) =>
          !NUMBER.test(value)
            ? t('reports.page.originalRequired')
            : value.toUpperCase() === report.number.toUpperCase()
              ? t('reports.page.originalSelf')
              : null,
        suggestions: await candidates(report),
      });
    fields.push({
      kind: 'text',
      name: needsReason ? 'reason' : 'note',
      label: t(needsReason ? 'reports.page.reasonLabel' : 'reports.page.noteLabel'),
      placeholder: t(needsReason ? 'reports.page.reasonPlaceholder' : 'reports.page.notePlaceholder'),
      maxLength: NOTE_MAX,
      requiredMessage: needsReason ? t('reports.page.reasonRequired') : undefined,
      multiline: true,
    });
    if (signal.aborted) return;
    const answer = await openActionSheet({
      title: t('reports.page.moveTitle', { action: t(`reports.page.actions.${to}`), number: report.number }),
      fields,
      confirmLabel: t(`reports.page.actions.${to}`),
      cancelLabel: t('reports.page.cancel'),
      danger: needsReason,
      signal,
    });
    if (!answer.confirmed || signal.aborted) return;
    const { note, reason, duplicateOf } = answer.values;
    await act(report, to, () =>
      api.transition(report.number, {
        to,
        ...(note ? { note } : {}),
        ...(reason ? { reason } : {}),
        ...(duplicateOf ? { duplicateOf: duplicateOf.toUpperCase() } : {}),
      }),
    );
  }

  async function assignTo(report: ReportDetailView): Promise<void> {
    const answer = await openActionSheet({
      title: t('reports.page.assignTitle', { number: report.number }),
      fields: [
        {
          kind: 'choice',
          name: 'party',
          label: t('reports.page.party'),
          options: PARTIES.map((p) => ({ value: p, label: t(`reports.parties.${p}`) })),
          value: report.party,
        },
        {
          kind: 'text',
          name: 'note',
          label: t('reports.page.noteLabel'),
          placeholder: t('reports.page.notePlaceholder'),
          maxLength: NOTE_MAX,
          multiline: true,
        },
      ],
      confirmLabel: t('reports.page.assign'),
      cancelLabel: t('reports.page.cancel'),
      signal,
    });
    if (!answer.confirmed || signal.aborted) return;
    const party = answer.values.party as (typeof PARTIES)[number];
    const note = answer.values.note;
    await act(report, 'assigned', async () => {
      const done = await api.assign(report.number, { party, ...(note ? { note } : {}) });
      // Assigning may only change the party; from 已受理 the ticket also moves to 已派单.
      if (done.state !== 'assigned' && report.allowedTransitions.includes('assigned'))
        return api.transition(report.number, { to: 'assigned' });
      return done;
    });
  }

  async function act(report: ReportDetailView, to: ReportState, call: () => Promise<unknown>) {
    feedback.replaceChildren();
    for (const b of content.querySelectorAll<HTMLButtonElement>('.report-actions button')) b.disabled = true;
    try {
      await call();
      if (signal.aborted) return;
      say(t('reports.page.done', { number: report.number, state: t(`reports.states.${to}`) }), 'done');
      await load(false);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      say(t('reports.page.failed', { number: report.number, reason: explainError(ctx, err) }), 'failed');
      await load(false);
    }
  }

  async function load(showSpinner = true): Promise<void> {
    if (showSpinner) content.replaceChildren(renderLoading(ctx));
    try {
      const report = await api.detail(number, signal);
      if (signal.aborted) return;
      show(report);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t('reports.page.loadError')),
      );
    }
  }

  void load();
}
