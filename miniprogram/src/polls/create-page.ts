import type {
  CreatePollInput,
  PollEligibility,
  PollKind,
  PollMatter,
  ResultsVisibility,
} from '../../../shared/schemas/poll.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { pollsApi } from './polls-api.js';
import { P, pollHashes } from './poll-words.js';
import { localInputValue } from './staff-page.js';

/** The letters and limits of shared/schemas/poll.ts; importing values from there would bundle zod. */
export const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;
export const MIN_OPTIONS = 2;
export const MAX_QUESTION = 300;
export const MAX_OPTION = 100;
const ELIGIBILITIES: readonly PollEligibility[] = ['residents', 'owners', 'household', 'partyMembers'];

/** What the form holds, before it becomes the request body. */
export interface PollDraft {
  question: string;
  options: string[];
  multi: boolean;
  max: number;
  anonymous: boolean;
  eligibility: PollEligibility;
  kind: PollKind;
  matter: PollMatter;
  scope: 'community' | 'buildings';
  buildings: string;
  /** `datetime-local` values; empty `opensAt` opens now. */
  opensAt: string;
  closesAt: string;
  resultsVisibility: ResultsVisibility;
}

export type DraftError = 'question' | 'options' | 'max' | 'closesAt' | 'buildings';

/** Checks the draft as the server would and builds the body; the first problem found, by field. */
export function buildPollInput(
  draft: PollDraft,
  now: Date,
): { ok: true; input: CreatePollInput } | { ok: false; error: DraftError } {
  const question = draft.question.trim();
  if (!question) return { ok: false, error: 'question' };
  const options = draft.options.map((o) => o.trim()).filter(Boolean);
  if (options.length < MIN_OPTIONS || new Set(options).size !== options.length)
    return { ok: false, error: 'options' };
  const ownersVote = draft.kind === 'ownersVote';
  const multi = !ownersVote && draft.multi;
  if (multi && (!Number.isInteger(draft.max) || draft.max < 2 || draft.max > options.length))
    return { ok: false, error: 'max' };
  const opensAt = draft.opensAt ? new Date(draft.opensAt) : null;
  const closesAt = new Date(draft.closesAt);
  if (
    Number.isNaN(closesAt.getTime()) ||
    closesAt <= now ||
    (opensAt && (Number.isNaN(opensAt.getTime()) || closesAt <= opensAt))
  )
    return { ok: false, error: 'closesAt' };
  const buildings = draft.buildings
    .split(/[,，、\s]+/)
    .map((b) => b.trim())
    .filter(Boolean);
  if (draft.scope === 'buildings' && buildings.length === 0) return { ok: false, error: 'buildings' };
  const input: CreatePollInput = {
    question,
    options,
    multi: multi ? { max: draft.max } : null,
    anonymous: draft.anonymous,
    eligibility: ownersVote ? 'owners' : draft.eligibility,
    kind: draft.kind,
    scope: draft.scope === 'buildings' ? { kind: 'buildings', buildings } : { kind: 'community' },
    closesAt: closesAt.toISOString(),
    resultsVisibility: draft.resultsVisibility,
  };
  if (ownersVote) input.matter = draft.matter;
  if (opensAt) input.opensAt = opensAt.toISOString();
  return { ok: true, input };
}

let fieldCount = 0;

/** A labelled control on its own line, large enough for a thumb. */
function field(label: string, control: HTMLElement, className = ''): HTMLElement {
  const id = control.id || `poll-field-${++fieldCount}`;
  control.id = id;
  return el(
    'div',
    { class: `field ${className}`.trim() },
    el('label', { for: id, class: 'field-label' }, label),
    control,
  );
}

function select<T extends string>(
  values: readonly T[],
  label: (value: T) => string,
  name: string,
  selected: T,
): HTMLSelectElement {
  const node = el('select', { name, class: `poll-${name}` });
  for (const value of values) {
    const option = el('option', { value }, label(value));
    option.selected = value === selected;
    node.append(option);
  }
  return node;
}

/** A row of two big radio buttons (single/multi, community/buildings …). */
function choiceRow<T extends string>(
  legend: string,
  name: string,
  values: readonly { value: T; label: string }[],
  selected: T,
): { element: HTMLElement; value: () => T; onChange: (fn: () => void) => void } {
  const inputs = values.map(({ value, label }) => {
    const input = el('input', { type: 'radio', name, value, class: `poll-${name}-${value}` });
    input.checked = value === selected;
    return { input, label: el('label', { class: 'poll-radio' }, input, el('span', {}, label)) };
  });
  return {
    element: el(
      'fieldset',
      { class: `field poll-${name}` },
      el('legend', { class: 'field-label' }, legend),
      el('div', { class: 'poll-radio-row' }, ...inputs.map((i) => i.label)),
    ),
    value: () => (inputs.find((i) => i.input.checked)?.input.value ?? selected) as T,
    onChange: (fn) => inputs.forEach((i) => i.input.addEventListener('change', fn)),
  };
}

/** `#/staff/polls/new`: the whole poll on one page; on success the staff list shows it with its groups. */
export function mountCreatePollPage(deps: PageDeps): void {
  const { root, ctx, api, signal, router } = deps;
  const { t } = ctx;
  const F = `${P}.form`;
  const polls = pollsApi(api);

  const question = el('textarea', {
    class: 'poll-question-input',
    rows: '3',
    maxlength: String(MAX_QUESTION),
    placeholder: t(`${F}.questionPlaceholder`),
  });

  const optionList = el('ol', { class: 'poll-option-inputs' });
  const addOption = el(
    'button',
    { type: 'button', class: 'button secondary poll-add-option' },
    t(`${F}.addOption`),
  );

  function optionInputs(): HTMLInputElement[] {
    return [...optionList.querySelectorAll<HTMLInputElement>('input')];
  }

  /** Letters follow the order; remove buttons only while more than two options remain. */
  function relabel() {
    const rows = [...optionList.children] as HTMLElement[];
    rows.forEach((row, i) => {
      const letter = LETTERS[i]!;
      row.dataset.option = letter;
      row.querySelector('.poll-option-letter')!.textContent = letter;
      const input = row.querySelector('input')!;
      input.setAttribute('aria-label', t(`${F}.option`, { letter }));
      const remove = row.querySelector<HTMLButtonElement>('.poll-remove-option')!;
      remove.hidden = rows.length <= MIN_OPTIONS;
      remove.setAttribute('aria-label', t(`${F}.removeOption`, { letter }));
    });
    addOption.hidden = rows.length >= LETTERS.length;
    maxInput.max = String(Math.max(2, rows.length));
  }

  function addOptionRow(value = '') {
    const input = el('input', { type: 'text', class: 'poll-option-input', maxlength: String(MAX_OPTION) });
    input.value = value;
    const remove = el('button', { type: 'button', class: 'poll-remove-option' }, '×');
    const row = el(
      'li',
      { class: 'poll-option-row' },
      el('span', { class: 'poll-option-letter' }),
      input,
      remove,
    );
    remove.addEventListener('click', () => {
      row.remove();
      relabel();
    });
    optionList.append(row);
  }

  const maxInput = el('input', {
    type: 'number',
    class: 'poll-max',
    min: '2',
    max: '2',
    value: '2',
    inputmode: 'numeric',
  });
  const kind = choiceRow(
    t(`${F}.kind`),
    'kind',
    [
      { value: 'poll' as PollKind, label: t(`${P}.kinds.poll`) },
      { value: 'ownersVote' as PollKind, label: t(`${P}.kinds.ownersVote`) },
    ],
    'poll',
  );
  const matter = choiceRow(
    t(`${F}.matter`),
    'matter',
    [
      { value: 'ordinary' as PollMatter, label: t(`${P}.matters.ordinary`) },
      { value: 'major' as PollMatter, label: t(`${P}.matters.major`) },
    ],
    'ordinary',
  );
  const choice = choiceRow(
    t(`${F}.choice`),
    'mode',
    [
      { value: 'single', label: t(`${F}.single`) },
      { value: 'multi', label: t(`${F}.multi`) },
    ],
    'single',
  );
  const maxField = field(t(`${F}.max`), maxInput, 'poll-max-field');
  const eligibility = select(ELIGIBILITIES, (e) => t(`${P}.eligibility.${e}`), 'eligibility', 'residents');
  const eligibilityField = field(t(`${F}.eligibility`), eligibility);
  const anonymous = el('input', { type: 'checkbox', class: 'poll-anonymous' });
  const scope = choiceRow(
    t(`${F}.scope`),
    'scope',
    [
      { value: 'community' as const, label: t(`${F}.scopeCommunity`) },
      { value: 'buildings' as const, label: t(`${F}.scopeBuildings`) },
    ],
    'community',
  );
  const buildings = el('input', {
    type: 'text',
    class: 'poll-buildings',
    placeholder: t(`${F}.buildingsPlaceholder`),
  });
  const buildingsField = field(t(`${F}.buildings`), buildings);
  const opensAt = el('input', { type: 'datetime-local', class: 'poll-opens-at' });
  const closesAt = el('input', {
    type: 'datetime-local',
    class: 'poll-closes-at',
    value: localInputValue(new Date(Date.now() + 7 * 24 * 60 * 60_000)),
  });
  const visibility = select<ResultsVisibility>(
    ['afterClose', 'live'],
    (v) => t(v === 'live' ? `${F}.liveResults` : `${F}.afterClose`),
    'visibility',
    'afterClose',
  );
  const ownersHint = el('p', { class: 'hint poll-owners-hint' }, t(`${F}.ownersVoteHint`));
  const error = el('p', { class: 'form-error poll-form-error', role: 'alert', hidden: '' });
  const submit = el('button', { type: 'submit', class: 'button poll-create' }, t(`${F}.submit`));

  function refresh() {
    const ownersVote = kind.value() === 'ownersVote';
    matter.element.hidden = !ownersVote;
    ownersHint.hidden = !ownersVote;
    choice.element.hidden = ownersVote;
    eligibilityField.hidden = ownersVote;
    maxField.hidden = ownersVote || choice.value() !== 'multi';
    buildingsField.hidden = scope.value() !== 'buildings';
  }
  kind.onChange(refresh);
  choice.onChange(refresh);
  scope.onChange(refresh);

  addOption.addEventListener('click', () => {
    addOptionRow();
    relabel();
    optionInputs().at(-1)?.focus();
  });
  for (let i = 0; i < MIN_OPTIONS; i++) addOptionRow();
  relabel();
  refresh();

  const form = el(
    'form',
    { class: 'poll-form', novalidate: '' },
    field(t(`${F}.question`), question),
    el(
      'fieldset',
      { class: 'field' },
      el('legend', { class: 'field-label' }, t(`${F}.options`)),
      optionList,
      addOption,
    ),
    kind.element,
    matter.element,
    ownersHint,
    choice.element,
    maxField,
    eligibilityField,
    el('label', { class: 'poll-check' }, anonymous, el('span', {}, t(`${F}.anonymous`))),
    scope.element,
    buildingsField,
    field(t(`${F}.opensAt`), opensAt),
    field(t(`${F}.closesAt`), closesAt),
    field(t(`${F}.resultsVisibility`), visibility),
    error,
    el('div', { class: 'actions' }, submit),
  );

  function draft(): PollDraft {
    return {
      question: question.value,
      options: optionInputs().map((i) => i.value),
      multi: choice.value() === 'multi',
      max: Number(maxInput.value),
      anonymous: anonymous.checked,
      eligibility: eligibility.value as PollEligibility,
      kind: kind.value(),
      matter: matter.value(),
      scope: scope.value(),
      buildings: buildings.value,
      opensAt: opensAt.value,
      closesAt: closesAt.value,
      resultsVisibility: visibility.value as ResultsVisibility,
    };
  }

  function fail(text: string) {
    error.textContent = text;
    error.hidden = false;
    error.scrollIntoView({ block: 'center' });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const built = buildPollInput(draft(), ctx.now());
    if (!built.ok) return fail(t(`${F}.errors.${built.error}`));
    error.hidden = true;
    void create(built.input);
  });

  async function create(input: CreatePollInput) {
    submit.disabled = true;
    submit.textContent = t(`${F}.sending`);
    try {
      const poll = await polls.create(input);
      if (signal.aborted) return;
      router.goHash(`${pollHashes.staff}?created=${poll.number}`);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      submit.disabled = false;
      submit.textContent = t(`${F}.submit`);
      fail(explainError(ctx, err));
    }
  }

  root.replaceChildren(renderPageHeader(t(`${P}.newTitle`)), el('main', {}, form));
}
