import type {
  GrantableResidentView,
  GrantResult,
  ReconciliationView,
  RuleSetting,
  RulesView,
} from '../../../shared/schemas/points.js';
import type { MeView } from '../../../shared/schemas/resident.js';
import { ApiError } from '../api.js';
import { el } from '../dom.js';
import { formatFullTime } from '../format-time.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';

/** MAX_POINTS of shared/schemas/points.ts; importing values from there would bundle zod. */
export const MAX_POINTS = 100_000;
/** The reason's length limits of `grantSchema`. */
const MIN_REASON = 2;
const MAX_REASON = 200;
const CAPS = ['dayCap', 'weekCap', 'yearCap'] as const;
type CapKey = (typeof CAPS)[number];
type Currency = 'points' | 'serviceMinutes';
/** Differences listed on the reconciliation card; the count says how many there are in all. */
const SHOWN_DIFFERENCES = 20;

const S = 'points.staff';

/** A random id that makes a retried grant the same grant. */
const requestId = () => `g${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** A whole number from `min` to MAX_POINTS, `null` for an empty field, `undefined` for anything else. */
export function readWhole(value: string, min = 0): number | null | undefined {
  const text = value.trim();
  if (text === '') return null;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= MAX_POINTS ? n : undefined;
}

const isAdmin = (me: MeView | null) => me?.resident.roles.some((r) => r.role === 'admin') ?? false;

type Say = (kind: 'done' | 'failed' | 'error', text: string) => void;

/** A feedback box and the function that fills it: a status line, or an alert for a failure. */
function feedbackBox(extraClass: string): { box: HTMLElement; say: Say } {
  const box = el('div', { class: `feedback ${extraClass}` });
  const say: Say = (kind, text) =>
    box.replaceChildren(
      el(
        'p',
        {
          class: kind === 'error' ? 'form-error' : `notice notice-${kind}`,
          role: kind === 'done' ? 'status' : 'alert',
        },
        text,
      ),
    );
  return { box, say };
}

/**
 * `#/staff/points` (secretaries and admins): grant or deduct points with a reason, edit the rules, and,
 * for admins, the ledger's reconciliation. The server decides who may; a resident sees its refusal.
 */
export function mountStaffPointsPage(deps: PageDeps): Promise<void> {
  const { root, ctx, api, session, signal } = deps;
  const title = ctx.t(`${S}.title`);

  async function load(): Promise<void> {
    root.replaceChildren(renderPageHeader(title), renderLoading(ctx));
    try {
      const me = session.current() ?? (await session.load());
      const rules = await api.call<RulesView>('GET', '/api/points/rules');
      if (signal.aborted) return;
      root.replaceChildren(
        renderPageHeader(title),
        el(
          'main',
          { class: 'points-page sp-page' },
          renderGrant(deps),
          renderRules(deps, rules),
          isAdmin(me) && renderReconciliation(deps),
        ),
      );
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      // Not allowed is an answer, not a failure: no retry button.
      const body =
        err instanceof ApiError && err.status === 403
          ? el(
              'main',
              { class: 'points-page' },
              el('p', { class: 'notice notice-failed sp-denied', role: 'alert' }, explainError(ctx, err)),
            )
          : renderLoadFailed(ctx, explainError(ctx, err), () => void load());
      root.replaceChildren(renderPageHeader(title), body);
    }
  }

  return load();
}

/** A labelled group of large radio pills; returns the group and a reader for the chosen value. */
function radioGroup<V extends string>(
  name: string,
  legend: string,
  options: readonly { value: V; label: string }[],
  onChange: (value: V) => void,
): { element: HTMLElement; value: () => V } {
  const inputs = options.map(({ value }, index) => {
    const input = el('input', { type: 'radio', name, value });
    input.checked = index === 0;
    input.addEventListener('change', () => onChange(value));
    return input;
  });
  return {
    element: el(
      'fieldset',
      { class: 'sp-choice' },
      el('legend', { class: 'sp-label' }, legend),
      ...options.map(({ label }, i) => el('label', { class: 'sp-radio' }, inputs[i]!, el('span', {}, label))),
    ),
    value: () =>
      options[
        Math.max(
          0,
          inputs.findIndex((i) => i.checked),
        )
      ]!.value,
  };
}

/** Find a resident, then grant or deduct points or service minutes with a reason. */
function renderGrant(deps: PageDeps): HTMLElement {
  const { api, ctx, signal } = deps;
  const { t } = ctx;
  const G = `${S}.grant`;
  let chosen: GrantableResidentView | null = null;
  /** Kept while a grant's answer is unknown (offline), so sending again cannot post it twice. */
  let pendingId: string | null = null;
  let searches = 0;

  const query = el('input', {
    id: 'sp-q',
    type: 'search',
    class: 'sp-input',
    maxlength: '40',
    autocomplete: 'off',
    enterkeyhint: 'search',
    placeholder: t(`${G}.searchHint`),
  });
  const find = el('button', { type: 'submit', class: 'button sp-find' }, t(`${G}.find`));
  const searchForm = el(
    'form',
    { class: 'sp-search', role: 'search' },
    el('label', { class: 'sp-label', for: 'sp-q' }, t(`${G}.search`)),
    el('div', { class: 'sp-search-row' }, query, find),
  );
  const results = el('ul', { class: 'sp-results', 'aria-live': 'polite' });
  const picked = el('div', { class: 'sp-picked', hidden: '' });
  const { box: feedback, say } = feedbackBox('sp-grant-feedback');

  const residentLine = (r: GrantableResidentView) =>
    [r.address ?? t(`${G}.noAddress`), r.phone].filter(Boolean).join(' · ');
  const balancesLine = (r: GrantableResidentView) =>
    t(`${G}.balances`, { points: r.points, minutes: r.serviceMinutes });

  function showChosen(): void {
    const searching = chosen === null;
    searchForm.hidden = !searching;
    results.hidden = !searching;
    picked.hidden = searching;
    if (!chosen) return picked.replaceChildren();
    const change = el('button', { type: 'button', class: 'button secondary sp-change' }, t(`${G}.change`));
    change.addEventListener('click', () => {
      chosen = null;
      pendingId = null;
      feedback.replaceChildren();
      showChosen();
      query.focus();
    });
    picked.replaceChildren(
      el('p', { class: 'sp-label' }, t(`${G}.picked`)),
      el(
        'div',
        { class: 'sp-person', 'data-id': chosen.id },
        el('strong', { class: 'sp-name' }, chosen.name),
        el('span', { class: 'sp-meta' }, residentLine(chosen)),
        el('span', { class: 'sp-balances' }, balancesLine(chosen)),
      ),
      change,
    );
  }

  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = query.value.trim();
    if (!text) {
      results.replaceChildren(el('li', { class: 'hint' }, t(`${G}.enterName`)));
      return;
    }
    const mine = ++searches;
    results.replaceChildren(el('li', { class: 'hint', role: 'status' }, t(`${G}.searching`)));
    api
      .call<{ items: GrantableResidentView[] }>('GET', `/api/points/residents?q=${encodeURIComponent(text)}`)
      .then(({ items }) => {
        if (signal.aborted || mine !== searches) return;
        if (items.length === 0) {
          results.replaceChildren(el('li', { class: 'hint' }, t(`${G}.noMatch`, { q: text })));
          return;
        }
        results.replaceChildren(
          ...items.map((r) => {
            const pick = el(
              'button',
              { type: 'button', class: 'sp-result', 'data-id': r.id, 'data-name': r.name },
              el('strong', { class: 'sp-name' }, r.name),
              el('span', { class: 'sp-meta' }, residentLine(r)),
              el('span', { class: 'sp-balances' }, balancesLine(r)),
            );
            pick.addEventListener('click', () => {
              chosen = r;
              pendingId = null;
              feedback.replaceChildren();
              showChosen();
            });
            return el('li', {}, pick);
          }),
        );
      })
      .catch((err: unknown) => {
        if (signal.aborted || mine !== searches || isSignInRedirect(err)) return;
        results.replaceChildren(
          el('li', { class: 'notice notice-failed', role: 'alert' }, explainError(ctx, err)),
        );
      });
  });

  const submit = el('button', { type: 'button', class: 'button sp-submit' }, t(`${G}.submitGive`));
  const direction = radioGroup(
    'sp-direction',
    t(`${G}.direction`),
    [
      { value: 'give', label: t(`${G}.give`) },
      { value: 'take', label: t(`${G}.take`) },
    ] as const,
    (value) => {
      pendingId = null;
      submit.textContent = t(value === 'take' ? `${G}.submitTake` : `${G}.submitGive`);
      submit.classList.toggle('danger', value === 'take');
    },
  );
  const currency = radioGroup<Currency>(
    'sp-currency',
    t(`${G}.currency`),
    [
      { value: 'points', label: t(`${G}.currencies.points`) },
      { value: 'serviceMinutes', label: t(`${G}.currencies.serviceMinutes`) },
    ],
    () => (pendingId = null),
  );
  const amount = el('input', {
    id: 'sp-amount',
    type: 'number',
    class: 'sp-input',
    inputmode: 'numeric',
    min: '1',
    max: String(MAX_POINTS),
    step: '1',
  });
  const reason = el('textarea', {
    id: 'sp-reason',
    class: 'sp-input',
    rows: '2',
    maxlength: String(MAX_REASON),
    placeholder: t(`${G}.reasonHint`),
  });
  for (const field of [amount, reason]) field.addEventListener('input', () => (pendingId = null));

  submit.addEventListener('click', () => {
    const resident = chosen;
    if (!resident) {
      say('error', t(`${G}.needResident`));
      return query.focus();
    }
    const n = readWhole(amount.value, 1);
    if (typeof n !== 'number') {
      say('error', t(`${G}.needAmount`, { max: MAX_POINTS }));
      return amount.focus();
    }
    const why = reason.value.trim();
    if (why.length < MIN_REASON) {
      say('error', t(`${G}.needReason`));
      return reason.focus();
    }
    const take = direction.value() === 'take';
    const kind = currency.value();
    pendingId ??= requestId();
    const label = submit.textContent ?? '';
    submit.disabled = true;
    submit.textContent = t(`${G}.saving`);
    api
      .call<GrantResult>('POST', '/api/points/grants', {
        body: {
          residentId: resident.id,
          amount: take ? -n : n,
          currency: kind,
          reason: why,
          requestId: pendingId,
        },
      })
      .then((result) => {
        pendingId = null;
        if (signal.aborted) return;
        if (kind === 'points') resident.points = result.balance;
        else resident.serviceMinutes = result.balance;
        if (chosen === resident) showChosen();
        const values = {
          name: resident.name,
          amount: n,
          unit: t(`${G}.units.${kind}`),
          balance: result.balance,
        };
        say(
          'done',
          result.status === 'duplicate'
            ? t(`${G}.duplicate`, values)
            : t(take ? `${G}.taken` : `${G}.given`, values),
        );
        amount.value = '';
        reason.value = '';
      })
      .catch((err: unknown) => {
        // The server answered, so the grant was refused; offline, the same id is sent again.
        if (err instanceof ApiError) pendingId = null;
        if (signal.aborted || isSignInRedirect(err)) return;
        say('failed', explainError(ctx, err));
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = label;
      });
  });

  return el(
    'section',
    { class: 'card sp-grant' },
    el('h2', { class: 'card-title' }, t(`${G}.title`)),
    searchForm,
    results,
    picked,
    direction.element,
    currency.element,
    el('label', { class: 'sp-label', for: 'sp-amount' }, t(`${G}.amount`)),
    amount,
    el('label', { class: 'sp-label', for: 'sp-reason' }, t(`${G}.reason`)),
    reason,
    submit,
    feedback,
  );
}

interface RuleRow {
  rule: RuleSetting['rule'];
  on: HTMLInputElement;
  points: HTMLInputElement;
  caps: Record<CapKey, HTMLInputElement>;
  vanguard: HTMLInputElement;
}

/** Every rule's points, caps, vanguard flag and on/off, saved together with one PUT. */
function renderRules(deps: PageDeps, view: RulesView): HTMLElement {
  const { api, ctx, signal } = deps;
  const { t } = ctx;
  const R = `${S}.rules`;
  const { box: feedback, say } = feedbackBox('sp-rules-feedback');
  const updated = el('p', { class: 'hint sp-updated' });
  const showUpdated = (at: string | null) => {
    updated.textContent = at
      ? t(`${R}.updatedAt`, { time: formatFullTime(at, ctx.language) })
      : t(`${R}.defaults`);
  };
  showUpdated(view.updatedAt);

  const numberInput = (cls: string, value: number | null, placeholder = '') =>
    el('input', {
      type: 'number',
      class: `sp-input ${cls}`,
      inputmode: 'numeric',
      min: '0',
      max: String(MAX_POINTS),
      step: '1',
      placeholder,
      value: value === null ? '' : String(value),
    });
  const field = (label: string, input: HTMLInputElement) =>
    el('label', { class: 'sp-field' }, el('span', {}, label), input);

  const rows: RuleRow[] = [];
  const cards = view.rules.map((setting) => {
    const on = el('input', { type: 'checkbox', class: 'sp-on' });
    on.checked = setting.points > 0;
    const points = numberInput('sp-points', setting.points > 0 ? setting.points : null);
    const caps = Object.fromEntries(
      CAPS.map((cap) => [cap, numberInput(`sp-cap sp-${cap}`, setting[cap], t(`${R}.noCap`))]),
    ) as Record<CapKey, HTMLInputElement>;
    const vanguard = el('input', { type: 'checkbox', class: 'sp-vanguard' });
    vanguard.checked = setting.vanguard;
    // A fieldset turned off disables every field of a rule that gives nothing.
    const fields = el(
      'fieldset',
      { class: 'sp-rule-fields' },
      el(
        'div',
        { class: 'sp-grid' },
        field(t(setting.rule === 'eventCheckin' ? `${R}.pointsPerHour` : `${R}.points`), points),
        ...CAPS.map((cap) => field(t(`${R}.${cap}`), caps[cap])),
      ),
      el('label', { class: 'sp-check' }, vanguard, el('span', {}, t(`${R}.vanguard`))),
    );
    fields.disabled = !on.checked;
    on.addEventListener('change', () => {
      fields.disabled = !on.checked;
      if (on.checked) points.focus();
    });
    rows.push({ rule: setting.rule, on, points, caps, vanguard });
    return el(
      'li',
      { class: 'card sp-rule', 'data-rule': setting.rule },
      el(
        'div',
        { class: 'sp-rule-top' },
        el('h3', {}, t(`points.rules.${setting.rule}`)),
        el('label', { class: 'sp-switch' }, on, el('span', {}, t(`${R}.on`))),
      ),
      fields,
    );
  });

  /** The rules as the form holds them, or the first field that is wrong and why. */
  function read(): { rules: RuleSetting[] } | { input: HTMLInputElement; message: string } {
    const rules: RuleSetting[] = [];
    for (const row of rows) {
      const name = t(`points.rules.${row.rule}`);
      const bad = (input: HTMLInputElement) => ({
        input,
        message: t(`${R}.invalid`, { rule: name, max: MAX_POINTS }),
      });
      const points = row.on.checked ? readWhole(row.points.value, 1) : 0;
      if (typeof points !== 'number')
        return points === undefined
          ? bad(row.points)
          : { input: row.points, message: t(`${R}.needPoints`, { rule: name }) };
      const caps: Partial<Record<CapKey, number | null>> = {};
      for (const cap of CAPS) {
        const value = readWhole(row.caps[cap].value);
        if (value === undefined) return bad(row.caps[cap]);
        caps[cap] = value;
      }
      rules.push({
        rule: row.rule,
        points,
        dayCap: caps.dayCap ?? null,
        weekCap: caps.weekCap ?? null,
        yearCap: caps.yearCap ?? null,
        vanguard: row.vanguard.checked,
      });
    }
    return { rules };
  }

  const save = el('button', { type: 'button', class: 'button sp-save' }, t(`${R}.save`));
  save.addEventListener('click', () => {
    const form = read();
    if ('input' in form) {
      say('error', form.message);
      return form.input.focus();
    }
    save.disabled = true;
    save.textContent = t(`${R}.saving`);
    api
      .call<RulesView>('PUT', '/api/points/rules', { body: { rules: form.rules } })
      .then((saved) => {
        if (signal.aborted) return;
        showUpdated(saved.updatedAt);
        say('done', t(`${R}.saved`));
      })
      .catch((err: unknown) => {
        if (signal.aborted || isSignInRedirect(err)) return;
        say('failed', explainError(ctx, err));
      })
      .finally(() => {
        save.disabled = false;
        save.textContent = t(`${R}.save`);
      });
  });

  return el(
    'section',
    { class: 'sp-rules' },
    el('h2', { class: 'section-title' }, t(`${R}.title`)),
    el('p', { class: 'hint' }, t(`${R}.hint`)),
    updated,
    el('ul', { class: 'sp-rule-list' }, ...cards),
    save,
    feedback,
  );
}

/** Admins: the last reconciliation run, its differences, and a button to run one now. */
function renderReconciliation(deps: PageDeps): HTMLElement {
  const { api, ctx, signal } = deps;
  const { t } = ctx;
  const C = `${S}.reconcile`;
  const body = el('div', { class: 'sp-recon-body' }, renderLoading(ctx));
  const { box: feedback, say } = feedbackBox('sp-recon-feedback');

  function show(run: ReconciliationView | null): void {
    if (!run) return body.replaceChildren(el('p', { class: 'sp-recon-last' }, t(`${C}.never`)));
    const state = run.finishedAt === null ? 'unfinished' : run.ok ? 'ok' : 'differences';
    body.replaceChildren(
      el(
        'p',
        { class: 'sp-recon-last' },
        t(`${C}.last`, { time: formatFullTime(run.finishedAt ?? run.startedAt, ctx.language) }),
      ),
      el(
        'p',
        { class: 'sp-recon-result', 'data-state': state },
        state === 'differences'
          ? t(`${C}.differences`, { count: run.differences.length })
          : t(`${C}.${state}`),
      ),
      el(
        'p',
        { class: 'sp-recon-summary' },
        t(`${C}.summary`, { accounts: run.accounts, repaired: run.repaired }),
      ),
      el(
        'ul',
        { class: 'sp-differences' },
        ...run.differences
          .slice(0, SHOWN_DIFFERENCES)
          .map((d) =>
            el(
              'li',
              {},
              t(`${C}.difference`, { account: d.accountId, balance: d.balance, entries: d.entries }),
            ),
          ),
      ),
    );
  }

  api
    .call<{ runs: ReconciliationView[] }>('GET', '/api/points/reconciliation')
    .then(({ runs }) => !signal.aborted && show(runs[0] ?? null))
    .catch((err: unknown) => {
      if (signal.aborted || isSignInRedirect(err)) return;
      body.replaceChildren(el('p', { class: 'notice notice-failed', role: 'alert' }, explainError(ctx, err)));
    });

  const run = el('button', { type: 'button', class: 'button secondary sp-run' }, t(`${C}.run`));
  run.addEventListener('click', () => {
    run.disabled = true;
    run.textContent = t(`${C}.running`);
    feedback.replaceChildren();
    api
      .call<ReconciliationView>('POST', '/api/points/reconciliation')
      .then((result) => !signal.aborted && show(result))
      .catch((err: unknown) => {
        if (signal.aborted || isSignInRedirect(err)) return;
        say('failed', explainError(ctx, err));
      })
      .finally(() => {
        run.disabled = false;
        run.textContent = t(`${C}.run`);
      });
  });

  return el(
    'section',
    { class: 'card sp-reconcile' },
    el('h2', { class: 'card-title' }, t(`${C}.title`)),
    el('p', { class: 'hint' }, t(`${C}.hint`)),
    body,
    run,
    feedback,
  );
}
