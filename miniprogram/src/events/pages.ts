import { CATEGORIES } from '../../../shared/categories.js';
import type { CheckinQrView, EventView } from '../../../shared/schemas/event.js';
import { openDialog } from '../dialog.js';
import { el } from '../dom.js';
import type { FeaturePage } from '../feature-pages.js';
import { formatFullTime } from '../format-time.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { eventsApi, readScanned } from './events-api.js';
import { inWecom, scanInWecom } from './wecom-scan.js';

/** How often the organiser's page asks for the current code, well inside its 30-second window. */
const QR_REFRESH_MS = 5_000;

const link = (href: string, text: string, cls: string) => el('a', { href, class: cls }, text);

/** Loads, then renders; a failure shows one retry button, a 401 has already gone to sign in. */
async function loadInto(deps: PageDeps, title: string, build: () => Promise<Node[]>): Promise<void> {
  const { root, ctx } = deps;
  root.replaceChildren(renderPageHeader(title), renderLoading(ctx));
  try {
    const nodes = await build();
    if (deps.signal.aborted) return;
    root.replaceChildren(renderPageHeader(title), ...nodes);
  } catch (err) {
    if (deps.signal.aborted || isSignInRedirect(err)) return;
    root.replaceChildren(
      renderPageHeader(title),
      renderLoadFailed(
        ctx,
        explainError(ctx, err),
        () => void loadInto(deps, title, build),
        ctx.t('events.page.loadFailed'),
      ),
    );
  }
}

function timeRange(deps: PageDeps, event: EventView): string {
  return `${formatFullTime(event.startsAt, deps.ctx.language)} – ${formatFullTime(event.endsAt, deps.ctx.language)}`;
}

function statusText(deps: PageDeps, event: EventView): string | null {
  const { t } = deps.ctx;
  if (!event.mine || event.mine.status === 'cancelled') return null;
  if (event.mine.checkedIn) return t('events.page.checkedIn');
  if (event.mine.status === 'waitlisted')
    return `${t('events.statuses.waitlisted')} · ${t('events.page.position', { position: event.mine.position ?? '-' })}`;
  return t('events.statuses.confirmed');
}

function eventCard(deps: PageDeps, event: EventView): HTMLElement {
  const { t } = deps.ctx;
  const status = statusText(deps, event);
  return el(
    'li',
    { class: 'event-item', 'data-number': String(event.number) },
    el(
      'a',
      { href: `#/events/${event.number}`, class: 'event-link' },
      el(
        'div',
        { class: 'event-top' },
        el('span', { class: 'code' }, `#${event.number}`),
        el('span', { class: `tag tag-${event.category}` }, t(`categories.${event.category}`)),
        status && el('span', { class: 'event-mine' }, status),
      ),
      el('p', { class: 'event-title' }, event.title),
      el('p', { class: 'event-meta' }, timeRange(deps, event)),
      el(
        'p',
        { class: 'event-meta' },
        `${event.place} · ${t('events.page.seats', { confirmed: event.confirmed, capacity: event.capacity })}`,
      ),
    ),
  );
}

function tabs(deps: PageDeps, current: 'all' | 'mine'): HTMLElement {
  const { t } = deps.ctx;
  return el(
    'nav',
    { class: 'event-tabs' },
    link(
      '#/events',
      t('events.page.allEvents'),
      current === 'all' ? 'chip event-tab current' : 'chip event-tab',
    ),
    link(
      '#/events/mine',
      t('events.page.mine'),
      current === 'mine' ? 'chip event-tab current' : 'chip event-tab',
    ),
  );
}

/** `#/events` and `#/events/mine`: cards, soonest first; staff also get "new event". */
function mountList(deps: PageDeps, which: 'all' | 'mine'): Promise<void> {
  const { t } = deps.ctx;
  const api = eventsApi(deps.api, deps.signal);
  return loadInto(deps, which === 'all' ? t('events.page.list') : t('events.page.mine'), async () => {
    const list = which === 'all' ? await api.list() : await api.mine();
    const items = list.items.map((e) => eventCard(deps, e));
    const empty = el(
      'p',
      { class: 'empty-title' },
      which === 'all' ? t('events.page.empty') : t('events.page.emptyMine'),
    );
    return [
      tabs(deps, which),
      (list.createScopes?.length ?? 0) > 0 &&
        link('#/staff/events/new', t('events.page.create'), 'button event-create-link'),
      items.length ? el('ul', { class: 'event-list' }, ...items) : empty,
    ].filter((n): n is HTMLElement => Boolean(n));
  });
}

/** `#/events/7`: details, sign-up or cancel with the waitlist position, check-in and organiser links. */
function mountDetail(deps: PageDeps, number: number): Promise<void> {
  const { t } = deps.ctx;
  const api = eventsApi(deps.api, deps.signal);
  const render = async (): Promise<Node[]> => {
    const event = await api.get(number);
    const message = el('p', { class: 'event-message', role: 'status' });
    const over = Date.parse(event.endsAt) < Date.now();
    const act = (button: HTMLButtonElement, run: () => Promise<string>) =>
      button.addEventListener('click', () => {
        button.disabled = true;
        run()
          .then(async (text) => {
            const nodes = await render();
            deps.root.replaceChildren(renderPageHeader(t('events.page.list')), ...nodes);
            deps.root.querySelector('.event-message')!.textContent = text;
          })
          .catch((err: unknown) => {
            button.disabled = false;
            if (!isSignInRedirect(err)) message.textContent = explainError(deps.ctx, err);
          });
      });
    const active = event.mine && event.mine.status !== 'cancelled';
    const actions: HTMLElement[] = [];
    if (!over && !active) {
      const button = el('button', { type: 'button', class: 'button event-signup' }, t('events.page.signUp'));
      act(button, async () => {
        const result = await api.signUp(number);
        return result.status === 'confirmed'
          ? t('events.page.signedUp')
          : t('events.page.waitlisted', { position: result.position ?? '-' });
      });
      actions.push(button);
    }
    if (active && !event.mine?.checkedIn) {
      if (event.mine?.status === 'confirmed')
        actions.push(
          link(`#/events/${number}/checkin`, t('events.page.checkIn'), 'button event-checkin-link'),
        );
      const cancel = el(
        'button',
        { type: 'button', class: 'button secondary danger event-cancel' },
        t('events.page.cancel'),
      );
      cancel.addEventListener('click', () => {
        void openDialog({
          title: t('events.page.cancel'),
          text: t('events.page.cancelConfirm', { number }),
          confirmLabel: t('events.page.cancel'),
          cancelLabel: t('app.status.cancel'),
          danger: true,
          signal: deps.signal,
        }).then((answer) => {
          if (!answer.confirmed) return;
          cancel.disabled = true;
          api
            .cancel(number)
            .then(async () => {
              const nodes = await render();
              deps.root.replaceChildren(renderPageHeader(t('events.page.list')), ...nodes);
              deps.root.querySelector('.event-message')!.textContent = t('events.page.cancelledDone');
            })
            .catch((err: unknown) => {
              cancel.disabled = false;
              if (!isSignInRedirect(err)) message.textContent = explainError(deps.ctx, err);
            });
        });
      });
      actions.push(cancel);
    }
    const status = statusText(deps, event);
    const staff = event.canManage
      ? el(
          'section',
          { class: 'card event-staff' },
          el('h2', { class: 'card-title' }, t('events.page.manage')),
          link(`#/staff/events/${number}/qr`, t('events.page.showQr'), 'button event-qr-link'),
          link(
            `#/staff/events/${number}/attendance`,
            t('events.page.attendance'),
            'button secondary event-attendance-link',
          ),
          link(
            `#/staff/events/${number}/edit`,
            t('events.page.form.edit'),
            'button secondary event-edit-link',
          ),
        )
      : null;
    return [
      el(
        'section',
        { class: 'card event-detail', 'data-number': String(number) },
        el(
          'div',
          { class: 'event-top' },
          el('span', { class: 'code' }, `#${event.number}`),
          el('span', { class: `tag tag-${event.category}` }, t(`categories.${event.category}`)),
          over && el('span', { class: 'event-mine' }, t('events.page.ended')),
        ),
        el('h2', { class: 'event-title' }, event.title),
        event.description && el('p', { class: 'event-description' }, event.description),
        el('p', { class: 'event-meta' }, `${t('events.page.time')}：${timeRange(deps, event)}`),
        el('p', { class: 'event-meta' }, `${t('events.page.place')}：${event.place}`),
        el(
          'p',
          { class: 'event-meta event-seats' },
          t('events.page.seats', { confirmed: event.confirmed, capacity: event.capacity }),
          event.waitlisted > 0 ? ` · ${t('events.page.waitlistCount', { count: event.waitlisted })}` : '',
        ),
        event.volunteer &&
          el('p', { class: 'event-meta' }, t('events.page.volunteer', { minutes: event.serviceMinutes })),
        status &&
          el(
            'p',
            {
              class: 'event-status',
              'data-status': event.mine?.checkedIn ? 'checkedIn' : (event.mine?.status ?? ''),
            },
            t('events.page.yourStatus', { status }),
          ),
        message,
        el('div', { class: 'event-actions' }, ...actions),
      ),
      staff,
      link('#/events', t('events.page.allEvents'), 'event-back'),
    ].filter((n): n is HTMLElement => Boolean(n));
  };
  return loadInto(deps, t('events.page.list'), render);
}

/**
 * `#/events/7/checkin` and `#/checkin?t=…` (what the QR code opens): scans with WeCom's scanner, or
 * the camera through BarcodeDetector where the browser has it, or takes the six digits typed in.
 */
function mountCheckin(deps: PageDeps, number: number | null): void {
  const { t } = deps.ctx;
  const api = eventsApi(deps.api, deps.signal);
  const result = el('p', { class: 'checkin-result', role: 'status' });
  const error = el('p', { class: 'checkin-error', role: 'alert' });
  const input = el('input', {
    id: 'checkin-code',
    class: 'checkin-code',
    inputmode: 'text',
    autocomplete: 'one-time-code',
    maxlength: '2048',
  });
  const submit = el('button', { type: 'button', class: 'button checkin-submit' }, t('events.page.submit'));
  const video = el('video', { class: 'checkin-video', playsinline: '', muted: '', hidden: '' });
  let stream: MediaStream | null = null;
  const stopCamera = () => {
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    video.hidden = true;
  };
  deps.signal.addEventListener('abort', stopCamera);

  const send = async (text: string) => {
    const scanned = readScanned(text);
    error.textContent = '';
    result.textContent = '';
    if (!scanned) {
      error.textContent = t('events.checkin.reasons.forged');
      return;
    }
    if ('code' in scanned && number === null) {
      error.textContent = t('events.page.pickEvent');
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api.checkin({ number: 'token' in scanned ? null : number, ...scanned });
      stopCamera();
      const lines = [
        answer.points > 0
          ? t('events.page.successPoints', { points: answer.points })
          : t('events.page.success'),
      ];
      if (answer.serviceMinutes > 0)
        lines.push(t('events.page.successService', { minutes: answer.serviceMinutes }));
      result.textContent = lines.join('\n');
      result.dataset.ok = 'true';
      if (answer.number !== null)
        deps.root.append(link(`#/events/${answer.number}`, t('events.page.list'), 'event-back'));
    } catch (err) {
      if (!isSignInRedirect(err)) error.textContent = explainError(deps.ctx, err);
    } finally {
      submit.disabled = false;
    }
  };
  submit.addEventListener('click', () => void send(input.value));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void send(input.value);
  });

  const scan = el(
    'button',
    { type: 'button', class: 'button secondary checkin-scan' },
    t('events.page.scanStart'),
  );
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  scan.addEventListener('click', () => {
    if (inWecom()) {
      scanInWecom(deps.api).then(send, (err: unknown) => {
        error.textContent = explainError(deps.ctx, err);
      });
      return;
    }
    if (!Detector || !navigator.mediaDevices?.getUserMedia) {
      error.textContent = t('events.page.scanUnavailable');
      return;
    }
    void startCamera(Detector);
  });

  const startCamera = async (DetectorClass: BarcodeDetectorClass) => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const detector = new DetectorClass({ formats: ['qr_code'] });
      const look = async () => {
        if (!stream || deps.signal.aborted) return;
        const codes = await detector.detect(video).catch(() => []);
        const found = codes[0]?.rawValue;
        if (found) return send(found);
        setTimeout(() => void look(), 300);
      };
      void look();
    } catch {
      stopCamera();
      error.textContent = t('events.page.scanUnavailable');
    }
  };

  deps.root.replaceChildren(
    renderPageHeader(t('events.page.scanTitle')),
    el(
      'section',
      { class: 'card checkin' },
      number !== null && el('p', { class: 'code' }, `#${number}`),
      el('p', { class: 'hint' }, t('events.page.scanHint')),
      scan,
      video,
      el('label', { for: 'checkin-code', class: 'checkin-label' }, t('events.page.codeLabel')),
      input,
      submit,
      result,
      error,
    ),
  );
  // Opened from the QR code itself (`#/checkin?t=…`): check in at once.
  const fromLink = /[?&]t=([^&]+)/.exec(location.hash)?.[1];
  if (fromLink) void send(decodeURIComponent(fromLink));
}

interface BarcodeDetectorClass {
  new (options: { formats: string[] }): { detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]> };
}

/** `#/staff/events/7/qr`: the rotating QR code, large, with its six digits; refreshed every few seconds. */
function mountQr(deps: PageDeps, number: number): void {
  const { t } = deps.ctx;
  const api = eventsApi(deps.api, deps.signal);
  const box = el('div', {
    class: 'event-qr',
    role: 'img',
    'aria-label': t('events.page.qrTitle', { number }),
  });
  const digits = el('p', { class: 'event-qr-code' });
  const hint = el('p', { class: 'hint event-qr-hint' });
  const countdown = el('p', { class: 'event-qr-countdown' });
  const failed = el('p', { class: 'checkin-error', role: 'alert' });
  let current: CheckinQrView | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  deps.signal.addEventListener('abort', () => timer && clearTimeout(timer));

  const show = (view: CheckinQrView) => {
    if (view.payload !== current?.payload) {
      // The SVG is generated by our own server from our own payload; it carries no user input.
      box.innerHTML = view.svg;
      box.dataset.payload = view.payload;
      box.dataset.code = view.code;
      digits.textContent = view.code;
      hint.textContent = t('events.page.qrHint', { number, code: view.code });
    }
    current = view;
  };
  const tick = async () => {
    try {
      show(await api.qr(number));
      failed.textContent = '';
    } catch (err) {
      if (deps.signal.aborted || isSignInRedirect(err)) return;
      failed.textContent = `${explainError(deps.ctx, err)} ${t('events.page.qrFailed')}`;
    }
    if (current) {
      const seconds = Math.max(0, Math.ceil((Date.parse(current.expiresAt) - Date.now()) / 1000));
      countdown.textContent = t('events.page.qrRefreshes', { seconds });
    }
    if (!deps.signal.aborted)
      timer = setTimeout(() => void tick(), Math.min(QR_REFRESH_MS, msUntil(current)));
  };
  deps.root.replaceChildren(
    renderPageHeader(t('events.page.qrTitle', { number })),
    el('section', { class: 'card event-qr-card' }, box, digits, countdown, hint, failed),
    link(
      `#/staff/events/${number}/attendance`,
      t('events.page.attendance'),
      'button secondary event-attendance-link',
    ),
  );
  void tick();
}

const msUntil = (view: CheckinQrView | null) =>
  view ? Math.max(500, Date.parse(view.expiresAt) - Date.now() + 200) : QR_REFRESH_MS;

/** `#/staff/events/7/attendance`: who signed up and who came, the points given, and the Excel export. */
function mountAttendance(deps: PageDeps, number: number): Promise<void> {
  const { t, language } = deps.ctx;
  const api = eventsApi(deps.api, deps.signal);
  return loadInto(deps, t('events.page.attendanceTitle', { number }), async () => {
    const report = await api.attendance(number);
    const rows = report.rows.map((r) =>
      el(
        'tr',
        {
          class: 'attendance-row',
          'data-status': r.status,
          'data-checked-in': String(Boolean(r.checkedInAt)),
        },
        el('td', {}, r.name, r.address ? el('span', { class: 'attendance-address' }, ` ${r.address}`) : null),
        el('td', {}, t(`events.statuses.${r.status}`)),
        el('td', {}, r.checkedInAt ? formatFullTime(r.checkedInAt, language) : '—'),
        el('td', {}, r.points === null ? t('events.page.noPoints') : String(r.points)),
      ),
    );
    return [
      el('p', { class: 'event-title attendance-title' }, `#${number} ${report.event.title}`),
      el('p', { class: 'attendance-totals' }, t('events.page.totals', { ...report.totals })),
      el(
        'a',
        { href: `/api/events/${number}/attendance.xlsx`, class: 'button event-export', download: '' },
        t('events.page.export'),
      ),
      el(
        'table',
        { class: 'attendance' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, t('events.page.name')),
            el('th', {}, t('events.page.status')),
            el('th', {}, t('events.page.checkedInAt')),
            el('th', {}, t('events.page.points')),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    ];
  });
}

/** `#/staff/events/new`: the form staff fill in; publishing announces it to the scope's groups. */
function mountForm(deps: PageDeps, editing: number | null): Promise<void> {
  const { t } = deps.ctx;
  const api = eventsApi(deps.api, deps.signal);
  const heading = editing === null ? t('events.page.create') : t('events.page.form.edit');
  return loadInto(deps, heading, async () => {
    const { createScopes = [] } = editing === null ? await api.list() : {};
    const current = editing === null ? null : await api.get(editing);
    const field = (label: string, control: HTMLElement) =>
      el('label', { class: 'event-field' }, el('span', { class: 'event-field-label' }, label), control);
    const title = el('input', { name: 'title', maxlength: '100', required: '' });
    const description = el('textarea', { name: 'description', rows: '3', maxlength: '1000' });
    const place = el('input', { name: 'place', maxlength: '100', required: '' });
    const startsAt = el('input', { name: 'startsAt', type: 'datetime-local', required: '' });
    const endsAt = el('input', { name: 'endsAt', type: 'datetime-local', required: '' });
    const capacity = el('input', { name: 'capacity', type: 'number', min: '1', max: '5000', value: '20' });
    const category = el(
      'select',
      { name: 'category' },
      ...CATEGORIES.map((c) => el('option', { value: c }, t(`categories.${c}`))),
    );
    const scope = el(
      'select',
      { name: 'scope' },
      ...createScopes.map((s) =>
        el(
          'option',
          { value: s },
          s.includes('/') ? s.split('/').slice(1).join(' / ') : t('events.page.form.scopeCommunity'),
        ),
      ),
    );
    const volunteer = el('input', { name: 'volunteer', type: 'checkbox' });
    const message = el('p', { class: 'event-message', role: 'status' });
    const submit = el(
      'button',
      { type: 'submit', class: 'button event-submit' },
      editing === null ? t('events.page.form.submit') : t('events.page.form.save'),
    );
    if (current) {
      title.value = current.title;
      description.value = current.description;
      place.value = current.place;
      startsAt.value = localInput(current.startsAt);
      endsAt.value = localInput(current.endsAt);
      capacity.value = String(current.capacity);
    }
    const form = el(
      'form',
      { class: 'card event-form' },
      field(t('events.page.form.title'), title),
      field(t('events.page.form.description'), description),
      field(t('events.page.form.place'), place),
      field(t('events.page.form.startsAt'), startsAt),
      field(t('events.page.form.endsAt'), endsAt),
      field(t('events.page.form.capacity'), capacity),
      // Category, scope and the volunteer flag are fixed once residents have been told.
      !current && field(t('events.page.form.category'), category),
      !current && field(t('events.page.form.scope'), scope),
      !current && el('label', { class: 'event-check' }, volunteer, ` ${t('events.page.form.volunteer')}`),
      message,
      submit,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit.disabled = true;
      message.textContent = '';
      const iso = (value: string) => (value ? new Date(value).toISOString() : '');
      if (editing !== null) {
        api
          .update(editing, {
            title: title.value,
            description: description.value,
            place: place.value,
            startsAt: iso(startsAt.value),
            endsAt: iso(endsAt.value),
            capacity: Number(capacity.value),
          })
          .then(() => {
            location.hash = `#/events/${editing}`;
          })
          .catch((err: unknown) => {
            submit.disabled = false;
            if (!isSignInRedirect(err)) message.textContent = explainError(deps.ctx, err);
          });
        return;
      }
      api
        .create({
          title: title.value,
          description: description.value,
          place: place.value,
          startsAt: iso(startsAt.value),
          endsAt: iso(endsAt.value),
          capacity: Number(capacity.value),
          category: category.value as (typeof CATEGORIES)[number],
          scope: scope.value,
          volunteer: volunteer.checked,
        })
        .then(({ event, groups }) => {
          message.textContent = t('events.page.form.created', { number: event.number, groups });
          location.hash = `#/events/${event.number}`;
        })
        .catch((err: unknown) => {
          submit.disabled = false;
          if (!isSignInRedirect(err)) message.textContent = explainError(deps.ctx, err);
        });
    });
    return [form];
  });
}

/** An ISO time as a `datetime-local` value in the phone's own time zone. */
function localInput(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Every events page, registered in `feature-pages.ts`. */
export const EVENT_PAGES: FeaturePage[] = [
  { pattern: /^#\/events$/, tab: 'events', mount: (deps) => mountList(deps, 'all') },
  { pattern: /^#\/events\/mine$/, tab: 'events', mount: (deps) => mountList(deps, 'mine') },
  { pattern: /^#\/events\/(\d{1,9})$/, tab: 'events', mount: (deps, [n]) => mountDetail(deps, Number(n)) },
  {
    pattern: /^#\/events\/(\d{1,9})\/checkin$/,
    tab: 'events',
    mount: (deps, [n]) => mountCheckin(deps, Number(n)),
  },
  { pattern: /^#\/checkin$/, tab: 'events', mount: (deps) => mountCheckin(deps, null) },
  { pattern: /^#\/staff\/events\/new$/, tab: 'staff', mount: (deps) => mountForm(deps, null) },
  {
    pattern: /^#\/staff\/events\/(\d{1,9})\/edit$/,
    tab: 'staff',
    mount: (deps, [n]) => mountForm(deps, Number(n)),
  },
  {
    pattern: /^#\/staff\/events\/(\d{1,9})\/qr$/,
    tab: 'staff',
    mount: (deps, [n]) => mountQr(deps, Number(n)),
  },
  {
    pattern: /^#\/staff\/events\/(\d{1,9})\/attendance$/,
    tab: 'staff',
    mount: (deps, [n]) => mountAttendance(deps, Number(n)),
  },
];
