import type { PollState, PollView } from '../../../shared/schemas/poll.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading, type RenderContext } from '../render.js';
import { pollsApi } from './polls-api.js';
import { linkButton, P, pollHashes, renderPollTags, timeLine } from './poll-words.js';

const STATES: readonly PollState[] = ['open', 'upcoming', 'closed'];

/** Roles that may create polls (policy action `poll.create`): the staff links show only to them. */
export const POLL_STAFF_ROLES = ['secretary', 'admin', 'committeeMember'] as const;

export const canManagePolls = (deps: Pick<PageDeps, 'session'>): boolean =>
  deps.session
    .current()
    ?.resident.roles.some((r) => (POLL_STAFF_ROLES as readonly string[]).includes(r.role)) ?? false;

/** `?state=closed` in the hash picks the chip; open by default. */
export function stateOf(hash: string): PollState {
  const value = new URLSearchParams(hash.split('?')[1] ?? '').get('state');
  return STATES.find((s) => s === value) ?? 'open';
}

function renderCard(ctx: RenderContext, poll: PollView): HTMLElement {
  const { t } = ctx;
  const badge =
    poll.state === 'upcoming' || !poll.viewer.eligible
      ? null
      : el(
          'span',
          { class: `poll-badge ${poll.viewer.voted ? 'voted' : 'not-voted'}` },
          poll.viewer.voted ? t(`${P}.voted`) : t(`${P}.notVoted`),
        );
  return el(
    'li',
    { class: 'poll-item', 'data-number': String(poll.number), 'data-state': poll.state },
    el(
      'a',
      { class: 'card poll-card', href: pollHashes.poll(poll.number) },
      el(
        'div',
        { class: 'poll-card-top' },
        el('span', { class: 'code' }, t(`${P}.number`, { number: poll.number })),
        badge,
      ),
      el('p', { class: 'poll-card-question' }, poll.question),
      el('p', { class: 'poll-time' }, timeLine(ctx, poll)),
      renderPollTags(ctx, poll),
    ),
  );
}

/** `#/polls`: the polls this resident can see, open ones first; chips switch to upcoming and closed. */
export function mountPollListPage(deps: PageDeps): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const polls = pollsApi(api);
  const state = stateOf(location.hash);
  const content = el('div', { class: 'content' });
  const chips = el(
    'nav',
    { class: 'chips poll-states', 'aria-label': t(`${P}.statesLabel`) },
    ...STATES.map((s) =>
      el(
        'a',
        {
          class: 'chip',
          href: `${pollHashes.list}?state=${s}`,
          'data-state': s,
          'aria-pressed': String(s === state),
        },
        t(`${P}.states.${s}`),
      ),
    ),
  );
  const staffLinks = el('div', { class: 'actions poll-staff-links', hidden: '' });
  root.replaceChildren(renderPageHeader(t(`${P}.listTitle`)), chips, el('main', {}, staffLinks, content));

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const list = await polls.list(state, signal);
      if (signal.aborted) return;
      if (canManagePolls(deps)) {
        staffLinks.replaceChildren(
          linkButton(pollHashes.create, t(`${P}.staff.create`), 'poll-create-link'),
          linkButton(pollHashes.staff, t(`${P}.staff.manage`), 'secondary poll-manage-link'),
        );
        staffLinks.hidden = false;
      }
      content.replaceChildren(
        list.items.length === 0
          ? el('div', { class: 'empty' }, el('p', { class: 'empty-title' }, t(`${P}.empty.${state}`)))
          : el('ul', { class: 'polls' }, ...list.items.map((poll) => renderCard(ctx, poll))),
      );
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${P}.loadError`)),
      );
    }
  }

  void load();
}
