import type { Art278Result, PollResults, PollView } from '../../../shared/schemas/poll.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading, type RenderContext } from '../render.js';
import { renderBarChart } from './bar-chart.js';
import { pollsApi } from './polls-api.js';
import { linkButton, P, percentOf, pollHashes, renderPollTags, timeLine } from './poll-words.js';

/** "12 / 40（30%）" with a thin bar under it. */
function turnoutRow(ctx: RenderContext, label: string, voted: number, eligible: number, key: string) {
  const percent = percentOf(voted, eligible);
  const bar = el('span', { class: 'turnout-fill' });
  bar.style.width = `${Math.min(100, percent)}%`;
  return el(
    'li',
    { class: 'turnout-row', 'data-key': key, 'data-voted': String(voted), 'data-eligible': String(eligible) },
    el(
      'div',
      { class: 'turnout-top' },
      el('span', { class: 'turnout-label' }, label),
      el('span', { class: 'turnout-figure' }, ctx.t(`${P}.turnout`, { voted, eligible, percent })),
    ),
    el('span', { class: 'turnout-track', 'aria-hidden': 'true' }, bar),
  );
}

/** Hundredths of m² (how the server keeps area exactly) → "191.86". */
const squareMetres = (ctx: RenderContext, hundredths: number) =>
  new Intl.NumberFormat(ctx.language, { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(
    hundredths / 100,
  );

/** The owners' vote in plain words: who took part (area, heads), who agreed, and the verdict. */
export function renderArt278(ctx: RenderContext, r: Art278Result): HTMLElement {
  const { t } = ctx;
  const A = `${P}.art278`;
  const verdict = !r.quorumReached ? 'failedQuorum' : r.passed ? 'passed' : 'failed';
  const line = (className: string, ok: boolean, text: string) =>
    el('p', { class: `art278-line ${className} ${ok ? 'ok' : 'short'}` }, `${ok ? '✓' : '✗'} ${text}`);
  const areaOk = r.participationArea.num * 3 >= r.participationArea.den * 2;
  const ownersOk = r.participationOwners.num * 3 >= r.participationOwners.den * 2;
  return el(
    'section',
    { class: `card art278 verdict-${verdict}`, 'data-verdict': verdict },
    el('h2', { class: 'card-title' }, t(`${A}.title`)),
    el('p', { class: `art278-verdict ${verdict}`, role: 'status' }, t(`${A}.${verdict}`)),
    el('h3', { class: 'art278-heading' }, t(`${A}.participation`)),
    line(
      'art278-area',
      areaOk,
      t(`${A}.area`, {
        part: squareMetres(ctx, r.participatingArea),
        total: squareMetres(ctx, r.totalArea),
        percent: r.participationArea.percent,
      }),
    ),
    line(
      'art278-owners',
      ownersOk,
      t(`${A}.owners`, {
        part: r.participatingOwners,
        total: r.totalOwners,
        percent: r.participationOwners.percent,
      }),
    ),
    el('p', { class: 'hint' }, t(`${A}.quorumRule`)),
    el('p', { class: 'art278-quorum' }, r.quorumReached ? t(`${A}.quorumYes`) : t(`${A}.quorumNo`)),
    el('h3', { class: 'art278-heading' }, t(`${A}.approval`)),
    el('p', { class: 'art278-line art278-for-area' }, t(`${A}.approvalArea`, r.approvalArea)),
    el('p', { class: 'art278-line art278-for-owners' }, t(`${A}.approvalOwners`, r.approvalOwners)),
    el('p', { class: 'hint' }, t(r.matter === 'major' ? `${A}.ruleMajor` : `${A}.ruleOrdinary`)),
  );
}

/** The whole results view: turnout, the chart, counts per option, per building and group, art. 278. */
export function renderResults(ctx: RenderContext, poll: PollView, results: PollResults): HTMLElement[] {
  const { t } = ctx;
  const total = results.options.reduce((sum, o) => sum + o.votes, 0);
  const bars = results.options.map((o) => ({
    key: o.letter,
    label: o.text,
    value: o.votes,
    caption: t(`${P}.voteShare`, { count: o.votes, percent: percentOf(o.votes, total) }),
  }));
  const separator = t(`${P}.separator`);
  const summary = t(`${P}.chartSummary`, {
    lines: results.options
      .map((o) => t(`${P}.chartLine`, { letter: o.letter, count: o.votes }))
      .join(separator),
  });
  const parts: HTMLElement[] = [
    el(
      'section',
      { class: 'card poll-head', 'data-state': results.state },
      el('h2', { class: 'poll-question' }, poll.question),
      el('p', { class: 'poll-time' }, timeLine(ctx, poll)),
      renderPollTags(ctx, poll),
      el(
        'p',
        { class: `poll-basis basis-${results.basis}` },
        results.basis === 'final' ? t(`${P}.final`) : t(`${P}.live`),
      ),
    ),
    el(
      'section',
      { class: 'card poll-turnout' },
      el('h2', { class: 'card-title' }, t(`${P}.turnoutTitle`)),
      el(
        'ul',
        { class: 'turnout-list' },
        turnoutRow(ctx, t(`${P}.overall`), results.turnout.voted, results.turnout.eligible, 'all'),
      ),
    ),
    el(
      'section',
      { class: 'card poll-counts' },
      el('h2', { class: 'card-title' }, t(`${P}.optionsTitle`)),
      renderBarChart(bars, summary),
      el(
        'ol',
        { class: 'poll-count-list' },
        ...results.options.map((o) =>
          el(
            'li',
            { class: 'poll-count', 'data-option': o.letter, 'data-votes': String(o.votes) },
            el('span', { class: 'poll-count-text' }, `${o.letter}. ${o.text}`),
            el(
              'span',
              { class: 'poll-count-votes' },
              t(`${P}.voteShare`, { count: o.votes, percent: percentOf(o.votes, total) }),
            ),
          ),
        ),
      ),
    ),
  ];
  if (results.art278) parts.push(renderArt278(ctx, results.art278));
  if (results.byBuilding.length > 0)
    parts.push(
      el(
        'section',
        { class: 'card poll-by-building' },
        el('h2', { class: 'card-title' }, t(`${P}.byBuilding`)),
        el(
          'ul',
          { class: 'turnout-list' },
          ...results.byBuilding.map((b) =>
            turnoutRow(
              ctx,
              t(`${P}.building`, { building: b.building }),
              b.voted,
              b.eligible,
              `${b.compound}/${b.building}`,
            ),
          ),
        ),
      ),
    );
  if (results.byGroup.length > 0)
    parts.push(
      el(
        'section',
        { class: 'card poll-by-group' },
        el('h2', { class: 'card-title' }, t(`${P}.byGroup`)),
        el(
          'ul',
          { class: 'turnout-list' },
          ...results.byGroup.map((g) => turnoutRow(ctx, g.name, g.voted, g.eligible, g.id)),
        ),
      ),
    );
  return parts;
}

/** `#/polls/12/results`: after closing for residents (or live when the poll allows), always for staff. */
export function mountResultsPage(deps: PageDeps, number: number): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const polls = pollsApi(api);
  const content = el('div', { class: 'content poll-results' });
  root.replaceChildren(renderPageHeader(t(`${P}.resultsTitle`)), el('main', {}, content));
  const back = () =>
    el(
      'div',
      { class: 'actions poll-links' },
      linkButton(pollHashes.poll(number), t(`${P}.backToPoll`), 'secondary'),
    );

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const poll = await polls.get(number, signal);
      if (signal.aborted) return;
      if (!poll.viewer.canSeeResults) {
        content.replaceChildren(
          el('p', { class: 'notice poll-results-hidden', role: 'status' }, t(`${P}.resultsAfterClose`)),
          back(),
        );
        return;
      }
      const results = await polls.results(number, signal);
      if (signal.aborted) return;
      content.replaceChildren(...renderResults(ctx, poll, results), back());
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${P}.loadError`)),
        back(),
      );
    }
  }

  void load();
}
