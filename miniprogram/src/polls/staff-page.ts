import type { PollResults, PollView } from '../../../shared/schemas/poll.js';
import { openDialog } from '../dialog.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { exportUrl, pollsApi } from './polls-api.js';
import { linkButton, P, percentOf, pollHashes, renderPollTags, timeLine, when } from './poll-words.js';

/** How often the open polls' turnout is refreshed while the page is shown. */
export const TURNOUT_REFRESH_MS = 15_000;

/** `2026-11-30T18:00` for a `datetime-local` field, in the phone's own time zone. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The number in `?created=12`, set by the create page after it posted a poll. */
const createdOf = (hash: string): string | null =>
  new URLSearchParams(hash.split('?')[1] ?? '').get('created');

/**
 * `#/staff/polls`: every poll this staff member manages with its live turnout (refreshed while open),
 * close now, a reminder at a chosen time for those who have not voted, and the `.xlsx` export.
 */
export function mountStaffPollsPage(deps: PageDeps): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const S = `${P}.staff`;
  const polls = pollsApi(api);
  const feedback = el('div', { class: 'feedback' });
  const content = el('div', { class: 'content' });
  root.replaceChildren(
    renderPageHeader(t(`${P}.staffTitle`)),
    el(
      'main',
      {},
      el('div', { class: 'actions' }, linkButton(pollHashes.create, t(`${S}.create`), 'poll-create-link')),
      feedback,
      content,
    ),
  );

  function say(kind: 'done' | 'failed', text: string) {
    feedback.replaceChildren(
      el('p', { class: `notice notice-${kind}`, role: kind === 'failed' ? 'alert' : 'status' }, text),
    );
  }

  const created = createdOf(location.hash);
  const groupsOf = new Map<number, number>();

  function turnoutLine(results: PollResults | null): HTMLElement {
    if (!results) return el('p', { class: 'poll-live-turnout' });
    const { voted, eligible } = results.turnout;
    return el(
      'p',
      {
        class: 'poll-live-turnout',
        'data-voted': String(voted),
        'data-eligible': String(eligible),
      },
      t(`${P}.turnout`, { voted, eligible, percent: percentOf(voted, eligible) }),
    );
  }

  function renderReminders(poll: PollView): HTMLElement | null {
    if (poll.reminders.length === 0) return null;
    return el(
      'p',
      { class: 'poll-reminders' },
      t(`${S}.reminders`, {
        list: poll.reminders
          .map((r) => t(r.sent ? `${S}.reminderSent` : `${S}.reminderPending`, { time: when(ctx, r.at) }))
          .join(t(`${P}.separator`)),
      }),
    );
  }

  function renderCard(poll: PollView, results: PollResults | null): HTMLElement {
    const actions = el('div', { class: 'poll-staff-actions' });
    if (poll.state !== 'closed') {
      const close = el(
        'button',
        { type: 'button', class: 'button secondary danger poll-close' },
        t(`${S}.close`),
      );
      close.addEventListener('click', () => void closePoll(poll, close));
      actions.append(close);
    }
    actions.append(
      linkButton(pollHashes.results(poll.number), t(`${P}.seeResults`), 'secondary poll-results-link'),
      el(
        'a',
        { class: 'button secondary poll-export', href: exportUrl(poll.number), download: '' },
        t(`${S}.export`),
      ),
    );
    const remind = poll.state === 'closed' ? null : renderRemindForm(poll);
    return el(
      'li',
      { class: 'card poll-staff-card', 'data-number': String(poll.number), 'data-state': poll.state },
      el(
        'div',
        { class: 'poll-card-top' },
        el(
          'a',
          { class: 'code', href: pollHashes.poll(poll.number) },
          t(`${P}.number`, { number: poll.number }),
        ),
        el('span', { class: 'poll-groups' }, t(`${S}.groups`, { count: poll.groups })),
      ),
      el('p', { class: 'poll-card-question' }, poll.question),
      el('p', { class: 'poll-time' }, timeLine(ctx, poll)),
      renderPollTags(ctx, poll),
      turnoutLine(results),
      renderReminders(poll),
      actions,
      remind,
    );
  }

  function renderRemindForm(poll: PollView): HTMLElement {
    const id = `remind-${poll.number}`;
    const opensAt = new Date(poll.opensAt);
    const inAnHour = new Date(Math.max(Date.now(), opensAt.getTime()) + 60 * 60_000);
    const input = el('input', {
      id,
      type: 'datetime-local',
      class: 'poll-remind-at',
      value: localInputValue(inAnHour),
      min: localInputValue(new Date()),
      max: localInputValue(new Date(poll.closesAt)),
      required: '',
    });
    const button = el('button', { type: 'submit', class: 'button secondary poll-remind' }, t(`${S}.remind`));
    const form = el(
      'form',
      { class: 'poll-remind-form', novalidate: '' },
      el('label', { for: id, class: 'field-label' }, t(`${S}.remindAt`)),
      input,
      button,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const at = new Date(input.value);
      if (Number.isNaN(at.getTime())) return say('failed', t(`${S}.failed`, { reason: t(`${S}.remindAt`) }));
      void remind(poll, at, button);
    });
    return form;
  }

  async function remind(poll: PollView, at: Date, button: HTMLButtonElement) {
    button.disabled = true;
    try {
      const answer = await polls.remind(poll.number, at);
      if (signal.aborted) return;
      say('done', t(`${S}.remindScheduled`, { time: when(ctx, answer.at) }));
      await load(false);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      say('failed', t(`${S}.failed`, { reason: explainError(ctx, err) }));
    } finally {
      button.disabled = false;
    }
  }

  async function closePoll(poll: PollView, button: HTMLButtonElement) {
    const answer = await openDialog({
      title: t(`${S}.closeTitle`, { number: poll.number }),
      text: t(`${S}.closeText`),
      confirmLabel: t(`${S}.close`),
      cancelLabel: t(`${S}.cancel`),
      danger: true,
      signal,
    });
    if (!answer.confirmed || signal.aborted) return;
    button.disabled = true;
    try {
      await polls.close(poll.number);
      if (signal.aborted) return;
      say('done', t(`${S}.closed`, { number: poll.number }));
      await load(false);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      button.disabled = false;
      say('failed', t(`${S}.failed`, { reason: explainError(ctx, err) }));
    }
  }

  async function load(showLoading = true): Promise<void> {
    if (showLoading) content.replaceChildren(renderLoading(ctx));
    try {
      const list = await polls.list(null, signal);
      if (signal.aborted) return;
      const managed = list.items.filter((p) => p.viewer.canManage);
      // Staff see live turnout of every poll; a poll whose results fail to load just shows none.
      const results = await Promise.all(
        managed.map((p) => polls.results(p.number, signal).catch(() => null)),
      );
      if (signal.aborted) return;
      for (const p of managed) groupsOf.set(p.number, p.groups);
      if (created && groupsOf.has(Number(created)) && feedback.childElementCount === 0)
        say('done', t(`${S}.created`, { number: created, groups: groupsOf.get(Number(created)) }));
      content.replaceChildren(
        managed.length === 0
          ? el('div', { class: 'empty' }, el('p', { class: 'empty-title' }, t(`${S}.empty`)))
          : el(
              'ul',
              { class: 'polls poll-staff-list' },
              ...managed.map((p, i) => renderCard(p, results[i] ?? null)),
            ),
      );
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      if (showLoading)
        content.replaceChildren(
          renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${P}.loadError`)),
        );
    }
  }

  /** Refreshes only the turnout lines of open polls, so a half-typed reminder time is not lost. */
  async function refreshTurnout(): Promise<void> {
    const cards = [...content.querySelectorAll<HTMLElement>('.poll-staff-card[data-state="open"]')];
    for (const card of cards) {
      const number = Number(card.dataset.number);
      const results = await polls.results(number, signal).catch(() => null);
      if (signal.aborted) return;
      if (results) card.querySelector('.poll-live-turnout')?.replaceWith(turnoutLine(results));
    }
  }

  const timer = setInterval(() => void refreshTurnout(), TURNOUT_REFRESH_MS);
  signal.addEventListener('abort', () => clearInterval(timer));
  void load();
}
