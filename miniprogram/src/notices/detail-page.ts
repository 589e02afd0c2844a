import type { NoticeDetail } from '../../../shared/schemas/notice.js';
import { openDialog } from '../dialog.js';
import { el } from '../dom.js';
import { formatFullTime } from '../format-time.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { progressLine, renderGroupStates } from './list-page.js';
import { LIST_HASH } from './notice-words.js';
import { noticesApi, POLL_MS, pollWhileOpen } from './notices-api.js';

const D = 'staffNotices.detail';

/**
 * One notice: its delivery per group and, per group, which households have acknowledged it, when and by
 * whom; one follow-up to the unread, and the report as .xlsx. Refreshed every few seconds while open.
 */
export function mountNoticeDetailPage(deps: PageDeps, noticeId: string): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const notices = noticesApi(api);
  const header = renderPageHeader(t('staffNotices.title'));
  const feedback = el('div', { class: 'feedback' });
  const content = el('div', { class: 'content' });
  root.replaceChildren(
    header,
    el('main', {}, el('a', { class: 'sn-back', href: LIST_HASH }, t(`${D}.back`)), feedback, content),
  );
  /** The follow-up went out from this page; the server says so too, but only on the next refresh. */
  let followedUp = false;

  function say(text: string, kind: 'done' | 'failed') {
    feedback.replaceChildren(
      el('p', { class: `notice notice-${kind}`, role: kind === 'failed' ? 'alert' : 'status' }, text),
    );
  }

  function render(detail: NoticeDetail): void {
    const { notice, report } = detail;
    header.querySelector('h1')!.textContent = t(`${D}.heading`, { number: notice.number });
    const done = followedUp || notice.followedUp;
    const followUp = el(
      'button',
      { type: 'button', class: 'button secondary sn-follow-up' },
      done ? t(`${D}.followedUp`) : t(`${D}.followUp`),
    );
    followUp.disabled = done || report.unread === 0;
    followUp.addEventListener('click', () => void sendFollowUp(notice.id));
    const exportLink = el(
      'a',
      { class: 'button secondary sn-export', href: notices.exportUrl(notice.id), download: '' },
      t(`${D}.export`),
    );
    content.replaceChildren(
      el(
        'section',
        { class: 'card sn-card' },
        el(
          'div',
          { class: 'sn-card-top' },
          el('span', { class: 'code' }, notice.number),
          el('time', { datetime: notice.createdAt }, formatFullTime(notice.createdAt, ctx.language)),
        ),
        el('p', { class: 'sn-card-text sn-full-text' }, notice.text),
      ),
      el('h2', { class: 'section-title' }, t(`${D}.delivery`)),
      el(
        'section',
        { class: 'card sn-delivery' },
        el('p', { class: 'sn-progress' }, progressLine(ctx, notice)),
        renderGroupStates(ctx, notice),
      ),
      el('h2', { class: 'section-title' }, t(`${D}.report`)),
      el(
        'p',
        { class: 'sn-totals', 'data-read': String(report.read), 'data-unread': String(report.unread) },
        t(`${D}.totals`, report),
      ),
      el('div', { class: 'sn-report-actions' }, followUp, exportLink),
      ...report.groups.map((g) =>
        el(
          'section',
          { class: 'card sn-report-group', 'data-group': g.name },
          el('h3', { class: 'card-title' }, g.name),
          el('p', { class: 'hint' }, t(`${D}.groupTotals`, g)),
          g.households.length === 0
            ? el('p', { class: 'hint' }, t(`${D}.noHouseholds`))
            : el(
                'ul',
                { class: 'sn-households' },
                ...g.households.map((h) =>
                  el(
                    'li',
                    {
                      class: `sn-household ${h.read ? 'sn-read' : 'sn-unread'}`,
                      'data-address': h.address,
                      'data-read': String(h.read),
                    },
                    el('span', { class: 'sn-address' }, h.address),
                    el('span', { class: 'sn-chip' }, t(h.read ? `${D}.read` : `${D}.unread`)),
                    h.read && h.by ? el('span', { class: 'sn-by' }, t(`${D}.by`, { name: h.by })) : null,
                    h.at
                      ? el('time', { datetime: h.at, class: 'sn-at' }, formatFullTime(h.at, ctx.language))
                      : null,
                  ),
                ),
              ),
        ),
      ),
    );
  }

  async function sendFollowUp(id: string): Promise<void> {
    const answer = await openDialog({
      title: t(`${D}.followUpTitle`),
      text: t(`${D}.followUpText`),
      confirmLabel: t(`${D}.followUpConfirm`),
      cancelLabel: t(`${D}.cancel`),
      signal,
    });
    if (!answer.confirmed || signal.aborted) return;
    try {
      const result = await notices.followUp(id);
      if (signal.aborted) return;
      followedUp = true;
      say(
        result.duplicate ? t(`${D}.followedUp`) : t(`${D}.followUpDone`, { groups: result.groups }),
        'done',
      );
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      say(t(`${D}.followUpFailed`, { reason: explainError(ctx, err) }), 'failed');
    }
    await refresh().catch(() => undefined);
  }

  let loaded = false;
  async function refresh(): Promise<void> {
    const detail = await notices.detail(noticeId, signal);
    if (signal.aborted) return;
    render(detail);
    loaded = true;
  }

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      await refresh();
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${D}.loadError`)),
      );
    }
  }

  void load();
  pollWhileOpen(signal, POLL_MS, async () => {
    if (loaded) await refresh();
  });
}
