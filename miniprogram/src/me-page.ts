import type { MeView } from '../../shared/schemas/resident.js';
import { addressWords, platformName, roleLines } from './account-words.js';
import { el } from './dom.js';
import { renderHubList } from './hub-links.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from './page.js';
import { renderLoadFailed, renderLoading, type RenderContext } from './render.js';
import { takeReturn } from './router.js';

/** A label and its value, read together by screen readers. */
function row(label: string, value: string, className: string): HTMLElement {
  return el('div', { class: `row ${className}` }, el('dt', {}, label), el('dd', {}, value));
}

function card(className: string, title: string | null, ...children: (HTMLElement | null)[]): HTMLElement {
  return el(
    'section',
    { class: `card ${className}` },
    title && el('h2', { class: 'card-title' }, title),
    ...children,
  );
}

export function renderMe(ctx: RenderContext, me: MeView): HTMLElement[] {
  const { t, language } = ctx;
  const { resident } = me;
  const household = resident.household;

  const person = card(
    'me-person',
    null,
    el('p', { class: 'me-name' }, resident.name),
    me.community && el('p', { class: 'me-community' }, me.community.name),
    el('dl', {}, row(t('appAccount.me.phone'), resident.phone ?? t('appAccount.me.noPhone'), 'me-phone')),
  );

  const home = household
    ? card(
        'me-household',
        t('appAccount.me.household'),
        el('p', { class: 'me-address' }, household.address),
        el('p', { class: 'me-address-words' }, addressWords(t, household)),
        el(
          'dl',
          {},
          household.relation &&
            row(t('appAccount.me.relation'), t(`directory.relations.${household.relation}`), 'me-relation'),
          household.floorArea !== null &&
            row(
              t('appAccount.me.floorArea'),
              t('appAccount.me.floorAreaValue', {
                area: new Intl.NumberFormat(language).format(household.floorArea),
              }),
              'me-floor-area',
            ),
        ),
      )
    : card(
        'me-household',
        t('appAccount.me.household'),
        el('p', { class: 'hint' }, t('appAccount.me.noHousehold')),
      );

  const lines = roleLines(t, me);
  const roles = card(
    'me-roles',
    t('appAccount.me.roles'),
    lines.length > 0
      ? el('ul', { class: 'tags' }, ...lines.map((line) => el('li', { class: 'role' }, line)))
      : el('p', { class: 'hint' }, t('appAccount.me.noRoles')),
  );

  const dates = new Intl.DateTimeFormat(language, { dateStyle: 'medium' });
  const platforms = card(
    'me-platforms',
    t('appAccount.me.platforms'),
    me.platforms.length > 0
      ? el(
          'ul',
          { class: 'platforms' },
          ...me.platforms.map((p) =>
            el(
              'li',
              { class: 'platform-item', 'data-channel': p.channel },
              el('span', { class: 'platform-name' }, platformName(t, p.channel)),
              el(
                'time',
                { datetime: p.linkedAt, class: 'platform-date' },
                t('appAccount.me.linkedAt', { date: dates.format(new Date(p.linkedAt)) }),
              ),
            ),
          ),
        )
      : el('p', { class: 'hint' }, t('appAccount.me.noPlatforms')),
  );
  return [person, home, roles, platforms];
}

const MY_LINKS = [
  { entry: 'reports', hash: '#/reports' },
  { entry: 'events', hash: '#/events/mine' },
  { entry: 'points', hash: '#/points' },
  { entry: 'rewards', hash: '#/rewards' },
  { entry: 'polls', hash: '#/polls' },
] as const;

/** What the resident has going on in each feature, one tap away; styled like the 工作台's list. */
function renderMyLinks(ctx: RenderContext): HTMLElement {
  const { t } = ctx;
  return card('me-links', t('meLinks.title'), renderHubList(t, 'meLinks', MY_LINKS));
}

/** 我的: who I am, my household, my roles in plain words, the platforms I am bound on, and sign-out. */
export function mountMePage(deps: PageDeps): void {
  const { root, ctx, api, session, signal } = deps;
  const { t } = ctx;
  const content = el('div', { class: 'content' });
  root.replaceChildren(renderPageHeader(t('appAccount.me.title')), el('main', {}, content));

  async function logout(button: HTMLButtonElement, problem: HTMLElement) {
    button.disabled = true;
    button.textContent = t('appAccount.me.loggingOut');
    problem.hidden = true;
    try {
      await api.logout();
      session.set(null);
      // Whoever signs in next starts afresh, not on the page the last person was on.
      takeReturn(deps.storage);
      deps.router.go('signIn');
    } catch {
      if (signal.aborted) return;
      problem.textContent = t('appAccount.me.logoutFailed');
      problem.hidden = false;
      button.disabled = false;
      button.textContent = t('appAccount.me.logout');
    }
  }

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const me = await api.me({ signal });
      if (signal.aborted || !me) return;
      session.set(me);
      const problem = el('p', { class: 'form-error', role: 'alert', hidden: '' });
      const button = el(
        'button',
        { type: 'button', class: 'button secondary danger logout' },
        t('appAccount.me.logout'),
      );
      button.addEventListener('click', () => void logout(button, problem));
      content.replaceChildren(
        ...renderMe(ctx, me),
        renderMyLinks(ctx),
        problem,
        el('div', { class: 'actions' }, button),
      );
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t('appAccount.me.loadError')),
      );
    }
  }

  void load();
}
