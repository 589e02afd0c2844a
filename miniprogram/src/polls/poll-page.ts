import type { PollView } from '../../../shared/schemas/poll.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { pollsApi } from './polls-api.js';
import { choiceWords, linkButton, P, pollHashes, renderPollTags, timeLine, when } from './poll-words.js';

/**
 * `#/polls/12`: one poll, reached from the link in every poll message. Single choice shows big radio
 * rows, multiple choice checkboxes that stop at the maximum; a vote can be changed until closing.
 */
export function mountPollPage(deps: PageDeps, number: number): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const polls = pollsApi(api);
  const content = el('div', { class: 'content poll-page' });
  root.replaceChildren(renderPageHeader(t(`${P}.number`, { number })), el('main', {}, content));

  function status(kind: 'done' | 'failed' | 'info', text: string): HTMLElement {
    return el(
      'p',
      { class: `notice notice-${kind} poll-status`, role: kind === 'failed' ? 'alert' : 'status' },
      text,
    );
  }

  /** The voting form for an open poll the viewer may vote in. */
  function renderBallot(poll: PollView, feedback: HTMLElement): HTMLElement {
    const multi = poll.maxChoices > 1;
    const chosen = new Set(poll.viewer.choices ?? []);
    const hint = el('p', { class: 'poll-hint', 'aria-live': 'polite' });
    const inputs: HTMLInputElement[] = [];

    const rows = poll.options.map((option) => {
      const input = el('input', {
        type: multi ? 'checkbox' : 'radio',
        name: `poll-${poll.number}`,
        value: option.letter,
        class: 'poll-choice-input',
      });
      input.checked = chosen.has(option.letter);
      inputs.push(input);
      return el(
        'label',
        { class: 'poll-choice', 'data-option': option.letter },
        input,
        el('span', { class: 'poll-choice-letter' }, option.letter),
        el('span', { class: 'poll-choice-text' }, option.text),
      );
    });

    /** Multiple choice: once the maximum is ticked, the other boxes are disabled until one is unticked. */
    function refresh() {
      const count = inputs.filter((i) => i.checked).length;
      if (multi) {
        for (const input of inputs) input.disabled = !input.checked && count >= poll.maxChoices;
        hint.textContent = t(`${P}.multiHint`, { max: poll.maxChoices, count });
      } else hint.textContent = t(`${P}.singleHint`);
      for (const row of rows)
        row.classList.toggle('checked', row.querySelector<HTMLInputElement>('input')!.checked);
    }
    for (const input of inputs) input.addEventListener('change', refresh);
    refresh();

    const voted = poll.viewer.voted;
    const submit = el(
      'button',
      { type: 'submit', class: 'button poll-submit' },
      voted ? t(`${P}.change`) : t(`${P}.submit`),
    );
    const form = el(
      'form',
      { class: 'poll-ballot', novalidate: '' },
      el('fieldset', {}, el('legend', { class: 'poll-question' }, poll.question), hint, ...rows),
      submit,
      el('p', { class: 'hint poll-can-change' }, t(`${P}.canChange`)),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const choices = inputs.filter((i) => i.checked).map((i) => i.value);
      if (choices.length === 0) return feedback.replaceChildren(status('failed', t(`${P}.pickOne`)));
      void send(poll, choices, submit, feedback);
    });
    return form;
  }

  async function send(poll: PollView, choices: string[], submit: HTMLButtonElement, feedback: HTMLElement) {
    const label = submit.textContent;
    submit.disabled = true;
    submit.textContent = t(`${P}.sending`);
    feedback.replaceChildren();
    try {
      const { vote } = await polls.vote(poll.number, choices);
      if (signal.aborted) return;
      const words = choiceWords(ctx, poll, vote.choices);
      // Reload so the page shows the vote as recorded; the confirmation stays on top.
      await load(status('done', t(`${P}.${vote.outcome}`, { choices: words })));
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      submit.disabled = false;
      submit.textContent = label;
      feedback.replaceChildren(status('failed', explainError(ctx, err)));
    }
  }

  function renderPoll(poll: PollView, message: HTMLElement | null): HTMLElement[] {
    const feedback = el('div', { class: 'feedback' }, message);
    const parts: (HTMLElement | null)[] = [
      el(
        'section',
        { class: 'card poll-head', 'data-state': poll.state },
        el('p', { class: 'poll-time' }, timeLine(ctx, poll)),
        renderPollTags(ctx, poll),
        poll.anonymous ? el('p', { class: 'poll-anonymous-note' }, t(`${P}.anonymousNote`)) : null,
        poll.kind === 'ownersVote' ? el('p', { class: 'hint' }, t(`${P}.art278.motion`)) : null,
      ),
      feedback,
    ];
    const own = poll.viewer.choices;
    const ownLine =
      own && own.length > 0
        ? el('p', { class: 'poll-own' }, t(`${P}.yourChoice`, { choices: choiceWords(ctx, poll, own) }))
        : poll.viewer.voted
          ? el('p', { class: 'poll-own' }, t(`${P}.householdVoted`))
          : null;

    if (poll.state === 'open' && poll.viewer.eligible) {
      parts.push(el('section', { class: 'card' }, ownLine, renderBallot(poll, feedback)));
    } else {
      const why =
        poll.state === 'closed'
          ? t(`${P}.closedMessage`)
          : poll.state === 'upcoming'
            ? t(`${P}.upcomingMessage`, { time: when(ctx, poll.opensAt) })
            : t(`${P}.ineligible.${poll.viewer.reason ?? 'outOfScope'}`);
      parts.push(
        el(
          'section',
          { class: 'card' },
          el('h2', { class: 'poll-question' }, poll.question),
          el(
            'ol',
            { class: 'poll-options-static' },
            ...poll.options.map((o) =>
              el('li', { 'data-option': o.letter }, el('b', {}, `${o.letter}. `), o.text),
            ),
          ),
          ownLine,
          el('p', { class: 'notice poll-closed-reason', role: 'status' }, why),
        ),
      );
    }
    parts.push(
      el(
        'div',
        { class: 'actions poll-links' },
        poll.viewer.canSeeResults
          ? linkButton(pollHashes.results(poll.number), t(`${P}.seeResults`), 'poll-results-link')
          : el('p', { class: 'hint' }, t(`${P}.resultsAfterClose`)),
        linkButton(pollHashes.list, t(`${P}.backToList`), 'secondary'),
      ),
    );
    return parts.filter((p): p is HTMLElement => p !== null);
  }

  async function load(message: HTMLElement | null = null): Promise<void> {
    if (!message) content.replaceChildren(renderLoading(ctx));
    try {
      const poll = await polls.get(number, signal);
      if (signal.aborted) return;
      content.replaceChildren(...renderPoll(poll, message));
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${P}.loadError`)),
      );
    }
  }

  void load();
}
