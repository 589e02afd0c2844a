import type { PollView } from '../../../shared/schemas/poll.js';
import { el } from '../dom.js';
import { formatFullTime } from '../format-time.js';
import type { RenderContext } from '../render.js';

/** The hashes of the poll pages; `#/polls/<number>` is also the link in every poll message. */
export const pollHashes = {
  list: '#/polls',
  poll: (number: number) => `#/polls/${number}`,
  results: (number: number) => `#/polls/${number}/results`,
  staff: '#/staff/polls',
  create: '#/staff/polls/new',
} as const;

export const P = 'polls.page';

export const when = (ctx: RenderContext, iso: string) => formatFullTime(iso, ctx.language);

/** "进行中 · 截止 11月30日 18:00": where the poll stands in time, in one line. */
export function timeLine(ctx: RenderContext, poll: PollView): string {
  const { t } = ctx;
  const state = t(`${P}.states.${poll.state}`);
  if (poll.state === 'upcoming') return `${state} · ${t(`${P}.opensAt`, { time: when(ctx, poll.opensAt) })}`;
  if (poll.state === 'closed')
    return `${state} · ${t(`${P}.closedAt`, { time: when(ctx, poll.closedAt ?? poll.closesAt) })}`;
  return `${state} · ${t(`${P}.closesAt`, { time: when(ctx, poll.closesAt) })}`;
}

/** The small tags under a poll's question: kind, who votes, single/multi, anonymous. */
export function renderPollTags(ctx: RenderContext, poll: PollView): HTMLElement {
  const { t } = ctx;
  const tags = [
    poll.kind === 'ownersVote'
      ? `${t(`${P}.kinds.ownersVote`)} · ${t(`${P}.matters.${poll.matter ?? 'ordinary'}`)}`
      : t(`${P}.eligibility.${poll.eligibility}`),
    poll.maxChoices > 1 ? t(`${P}.multi`, { max: poll.maxChoices }) : t(`${P}.single`),
    poll.anonymous ? t(`${P}.anonymous`) : null,
  ];
  return el(
    'ul',
    { class: 'tags poll-tags' },
    ...tags.filter((tag): tag is string => tag !== null).map((tag) => el('li', { class: 'poll-tag' }, tag)),
  );
}

/** `['A', 'C']` → "A. 同意、C. 弃权" with the options' texts, in the page's list style. */
export function choiceWords(ctx: RenderContext, poll: PollView, choices: readonly string[]): string {
  const separator = ctx.t(`${P}.separator`);
  return choices
    .map((letter) => {
      const option = poll.options.find((o) => o.letter === letter);
      return option ? `${letter}. ${option.text}` : letter;
    })
    .join(separator);
}

/** Whole percent of a part, 0 when there is no whole. */
export const percentOf = (part: number, whole: number): number =>
  whole > 0 ? Math.round((part / whole) * 100) : 0;

/** A link styled as a big button. */
export function linkButton(href: string, label: string, className = ''): HTMLAnchorElement {
  return el('a', { href, class: `button ${className}`.trim() }, label);
}
