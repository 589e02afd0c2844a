import type { NoticeView, ScheduledNoticeView } from '../../../shared/schemas/notice.js';
import { openDialog } from '../dialog.js';
import { el } from '../dom.js';
import { formatFullTime } from '../format-time.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading, type RenderContext } from '../render.js';
import { COMPOSE_HASH, detailHash } from './notice-words.js';
import { noticesApi, POLL_MS, pollWhileOpen } from './notices-api.js';

const L = 'staffNotices.list';

/** One group's delivery state as a small labelled chip. */
export function renderGroupStates(ctx: RenderContext, notice: NoticeView): HTMLElement {
  return el(
    'ul',
    { class: 'sn-groups' },
    ...notice.groups.map((g) =>
      el(
        'li',
        { class: `sn-group sn-state-${g.state}`, 'data-group': g.name, 'data-state': g.state },
        el('span', { class: 'sn-group-name' }, g.name),
        el('span', { class: 'sn-chip' }, ctx.t(`${L}.groupState.${g.state}`)),
      ),
    ),
  );
}

export const progressLine = (ctx: RenderContext, notice: NoticeView) =>
  ctx.t(`${L}.progress`, notice.progress);

/**
 * 通知管理: scheduled notices (cancellable while waiting) and sent ones with their delivery per group,
 * refreshed every few seconds while the page is open.
 */
export function mountNoticeListPage(deps: PageDeps): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const notices = noticesApi(api);
  const feedback = el('div', { class: 'feedback' });
  const scheduledBox = el('section', { class: 'sn-scheduled' });
  const sentBox = el('section', { class: 'sn-sent' });
  const compose = el('a', { class: 'button sn-new', href: COMPOSE_HASH }, t(`${L}.compose`));
  root.replaceChildren(
    renderPageHeader(t('staffNotices.title')),
    el('main', {}, el('div', { class: 'sn-actions' }, compose), feedback, scheduledBox, sentBox),
  );

  function say(text: string, kind: 'done' | 'failed') {
    feedback.replaceChildren(
      el('p', { class: `notice notice-${kind}`, role: kind === 'failed' ? 'alert' : 'status' }, text),
    );
  }

  function renderScheduled(items: ScheduledNoticeView[]): void {
    // Waiting ones soonest first; the server lists latest first, which suits the finished ones.
    const waiting = items
      .filter((s) => s.status === 'scheduled')
      .sort((a, b) => a.sendAt.localeCompare(b.sendAt));
    const done = items.filter((s) => s.status !== 'scheduled').slice(0, 5);
    scheduledBox.replaceChildren(
      el(
        'div',
        {},
        el('h2', { class: 'section-title' }, t(`${L}.scheduledHeading`)),
        waiting.length === 0 && el('p', { class: 'hint' }, t(`${L}.scheduledEmpty`)),
      ),
      el('ul', { class: 'sn-cards' }, ...[...waiting, ...done].map(renderSchedule)),
    );
  }

  function renderSchedule(s: ScheduledNoticeView): HTMLLIElement {
    const time = formatFullTime(s.sendAt, ctx.language);
    const cancel =
      s.status === 'scheduled'
        ? el('button', { type: 'button', class: 'button secondary danger sn-cancel' }, t(`${L}.cancel`))
        : null;
    cancel?.addEventListener('click', () => void cancelSchedule(s, time));
    return el(
      'li',
      { class: `card sn-card sn-schedule sn-schedule-${s.status}`, 'data-id': s.id },
      el(
        'div',
        { class: 'sn-card-top' },
        el('time', { datetime: s.sendAt, class: 'sn-when' }, t(`${L}.sendAt`, { time })),
        el('span', { class: 'tag sn-status' }, t(`${L}.status.${s.status}`)),
      ),
      el('p', { class: 'sn-card-text' }, s.text),
      s.noticeId ? el('a', { class: 'sn-open', href: detailHash(s.noticeId) }, t(`${L}.open`)) : null,
      cancel,
    );
  }

  async function cancelSchedule(s: ScheduledNoticeView, time: string): Promise<void> {
    const answer = await openDialog({
      title: t(`${L}.cancelTitle`),
      text: t(`${L}.cancelText`, { text: s.text.slice(0, 60), time }),
      confirmLabel: t(`${L}.cancelConfirm`),
      cancelLabel: t(`${L}.keep`),
      danger: true,
      signal,
    });
    if (!answer.confirmed || signal.aborted) return;
    try {
      await notices.cancel(s.id);
      if (signal.aborted) return;
      say(t(`${L}.cancelled`), 'done');
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      say(t(`${L}.cancelFailed`, { reason: explainError(ctx, err) }), 'failed');
    }
    await refresh();
  }

  function renderSent(items: NoticeView[]): void {
    sentBox.replaceChildren(
      el('h2', { class: 'section-title' }, t(`${L}.heading`)),
      items.length === 0
        ? el(
            'div',
            { class: 'empty' },
            el('p', { class: 'empty-title' }, t(`${L}.empty`)),
            el('p', { class: 'empty-hint' }, t(`${L}.emptyHint`)),
          )
        : el(
            'ul',
            { class: 'sn-cards' },
            ...items.map((n) =>
              el(
                'li',
                { class: 'card sn-card sn-notice', 'data-id': n.id, 'data-number': n.number },
                el(
                  'div',
                  { class: 'sn-card-top' },
                  el('span', { class: 'code' }, n.number),
                  el('time', { datetime: n.createdAt }, formatFullTime(n.createdAt, ctx.language)),
                ),
                el('p', { class: 'sn-card-text' }, n.text),
                el('p', { class: 'sn-progress' }, progressLine(ctx, n)),
                renderGroupStates(ctx, n),
                el('a', { class: 'sn-open', href: detailHash(n.id) }, t(`${L}.open`)),
              ),
            ),
          ),
    );
  }

  let loaded = false;
  async function refresh(): Promise<void> {
    const [sent, scheduled] = await Promise.all([notices.list(signal), notices.scheduled(signal)]);
    if (signal.aborted) return;
    renderScheduled(scheduled.items);
    renderSent(sent.items);
    loaded = true;
  }

  async function load(): Promise<void> {
    sentBox.replaceChildren(renderLoading(ctx));
    try {
      await refresh();
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      sentBox.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${L}.loadError`)),
      );
    }
  }

  void load();
  // Delivery progress moves on its own: ask again every few seconds until the user leaves the page.
  pollWhileOpen(signal, POLL_MS, async () => {
    if (loaded) await refresh();
  });
}
