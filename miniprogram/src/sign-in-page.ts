import type { DemoResidentList } from '../../shared/schemas/resident.js';
import { platformStartUrl, REDIRECT_PLATFORMS, type RedirectPlatform } from './api.js';
import { el } from './dom.js';
import { explainError, renderPageHeader, type PageDeps } from './page.js';
import { renderLoadFailed, renderLoading } from './render.js';
import { takeReturn } from './router.js';

type DemoResident = DemoResidentList['residents'][number];

/**
 * Signing in: in demo mode one tap on a seeded resident; otherwise a button per configured platform that
 * starts its OAuth redirect. Afterwards the user goes back to the page that asked them to sign in.
 */
export function mountSignInPage(deps: PageDeps): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const content = el('div', { class: 'content' });
  const problem = el('p', { class: 'form-error', role: 'alert', hidden: '' });
  root.replaceChildren(renderPageHeader(t('appAccount.signIn.title')), el('main', {}, problem, content));

  /** Roles worth naming next to a person: "居民" only when it is all they are. */
  function roleNames(resident: DemoResident): string {
    const roles = resident.roles.length > 1 ? resident.roles.filter((r) => r !== 'resident') : resident.roles;
    return roles.map((r) => t(`directory.roles.${r}`)).join(t('appAccount.listSeparator'));
  }

  async function signInAs(resident: DemoResident, button: HTMLButtonElement, all: HTMLButtonElement[]) {
    problem.hidden = true;
    for (const b of all) b.disabled = true;
    button.setAttribute('aria-busy', 'true');
    const status = button.querySelector('.pick-status')!;
    status.textContent = t('appAccount.signIn.signingIn');
    try {
      const me = await api.demoSignIn(resident.id);
      deps.session.set(me);
      const back = takeReturn(deps.storage);
      if (back) deps.router.goHash(back);
      else deps.router.go('me');
    } catch (err) {
      if (signal.aborted) return;
      problem.textContent = t('appAccount.signIn.failed', { reason: explainError(ctx, err) });
      problem.hidden = false;
      for (const b of all) b.disabled = false;
      button.removeAttribute('aria-busy');
      status.textContent = '';
    }
  }

  function renderDemo(list: DemoResidentList): HTMLElement {
    const buttons: HTMLButtonElement[] = [];
    const items = list.residents.map((resident) => {
      const button = el(
        'button',
        { type: 'button', class: 'pick', 'data-resident-id': resident.id, 'data-name': resident.name },
        el('span', { class: 'pick-name' }, resident.name),
        el(
          'span',
          { class: 'pick-meta' },
          el('span', { class: 'pick-address' }, resident.address ?? t('appAccount.signIn.noAddress')),
          el('span', { class: 'pick-roles' }, roleNames(resident)),
        ),
        el('span', { class: 'pick-status', 'aria-live': 'polite' }),
      );
      button.addEventListener('click', () => void signInAs(resident, button, buttons));
      buttons.push(button);
      return el('li', {}, button);
    });
    return el(
      'section',
      { class: 'sign-in-demo' },
      el('h2', { class: 'section-title' }, t('appAccount.signIn.demoTitle')),
      el('p', { class: 'hint' }, t('appAccount.signIn.demoHint')),
      el('ul', { class: 'picks' }, ...items),
    );
  }

  function renderPlatforms(platforms: RedirectPlatform[]): HTMLElement {
    return el(
      'section',
      { class: 'sign-in-platforms' },
      el('h2', { class: 'section-title' }, t('appAccount.signIn.platformsTitle')),
      ...platforms.map((platform) =>
        el(
          'a',
          {
            class: `button platform platform-${platform}`,
            href: platformStartUrl(platform),
            'data-platform': platform,
          },
          t(`appAccount.signIn.${platform}`),
        ),
      ),
    );
  }

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const [demo, enabled] = await Promise.all([api.demoResidents(signal), api.signInPlatforms(signal)]);
      if (signal.aborted) return;
      const platforms = REDIRECT_PLATFORMS.filter((p) => enabled.includes(p));
      const parts: HTMLElement[] = [];
      if (demo && demo.residents.length > 0) parts.push(renderDemo(demo));
      if (platforms.length > 0) parts.push(renderPlatforms(platforms));
      if (parts.length === 0) parts.push(el('p', { class: 'notice' }, t('appAccount.signIn.noPlatforms')));
      parts.push(el('p', { class: 'hint bind-hint' }, t('appAccount.signIn.bindHint')));
      content.replaceChildren(...parts);
    } catch (err) {
      if (signal.aborted) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t('appAccount.signIn.loadError')),
      );
    }
  }

  void load();
}
