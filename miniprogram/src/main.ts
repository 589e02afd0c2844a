import './styles.css';
import { translator } from '../../shared/i18n/index.js';
import { createApi } from './api.js';
import { mountBindingsPage } from './bindings-page.js';
import { NoCommunityError, resolveCommunity } from './community.js';
import { el } from './dom.js';
import { matchFeaturePage } from './feature-pages.js';
import { mountMePage } from './me-page.js';
import { mountNoticeAckPage, noticeCodeOf } from './notice-ack-page.js';
import { mountOpinionsPage } from './opinions-page.js';
import type { PageDeps } from './page.js';
import type { RenderContext } from './render.js';
import { createRouter, hashOf, hasReturn, rememberReturn, takeReturn, type Route } from './router.js';
import { createSession } from './session.js';
import { readSettings } from './settings.js';
import { mountSignInPage } from './sign-in-page.js';
import { mountStaffHubPage, isStaff } from './staff-hub-page.js';
import { createTabBar, isTab } from './tab-bar.js';

/** The mini-app's entry: read the address, pick the language, then show the page the hash names. */
const settings = readSettings(location.search, navigator.language);
const t = translator(settings.language);
const ctx: RenderContext = { t, language: settings.language, now: () => new Date() };

document.documentElement.lang = settings.language;
document.title = t('app.title');

function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
const storage = tabStorage();
const router = createRouter(window);

/** The session is gone or was never there: sign in, then come back to this page. */
function askToSignIn(): void {
  session.set(null);
  const here = router.current();
  if (here === 'signIn') return;
  rememberReturn(storage, location.hash || hashOf(here));
  router.go('signIn');
}

const api = createApi(settings.language, { onUnauthorized: askToSignIn });
const session = createSession(api);

const page = el('div', { class: 'page' });
const tabs = createTabBar(ctx);
document.body.classList.add('has-tab-bar');
document.getElementById('root')!.replaceChildren(page, tabs.element);
session.onChange((me) => tabs.showStaff(isStaff(me)));

let leaving: AbortController | null = null;

function show(route: Route): void {
  leaving?.abort();
  leaving = new AbortController();
  const noticeCode = noticeCodeOf(location.hash);
  const feature = noticeCode ? null : matchFeaturePage(location.hash);
  // Binding requests sit under 工作台; a notice link and sign-in belong to no tab.
  const tab = feature ? (feature.page.tab ?? null) : route === 'staffBindings' ? 'staff' : route;
  tabs.select(!noticeCode && isTab(tab) ? tab : null);
  window.scrollTo({ top: 0 });
  const deps: PageDeps = { root: page, ctx, api, session, router, storage, signal: leaving.signal };
  // A notice's short link carries its code, so it sits outside the router's fixed pages.
  if (noticeCode) return mountNoticeAckPage({ ...deps, code: noticeCode, onUnauthorized: askToSignIn });
  if (feature) return void feature.page.mount(deps, feature.params);
  switch (route) {
    case 'opinions':
      return mountOpinionsPage({
        root: page,
        ctx,
        api,
        // A signed-in resident sees their own community; links from groups name one; the demo has one.
        community: async () => {
          await sessionLoaded;
          const known = settings.community ?? session.current()?.community?.code ?? null;
          try {
            return await resolveCommunity(known, api);
          } catch (err) {
            // Outside the demo only signing in tells which community is yours.
            if (err instanceof NoCommunityError && !session.current()) askToSignIn();
            throw err;
          }
        },
      });
    case 'me':
      return mountMePage(deps);
    case 'staff':
      return mountStaffHubPage({ ...deps, askToSignIn });
    case 'staffBindings':
      return mountBindingsPage(deps);
    case 'signIn':
      return mountSignInPage(deps);
  }
}

/** Asked once at start without sending anyone to sign in: anonymous visitors may still read opinions. */
const sessionLoaded = session.load();

async function start(): Promise<void> {
  // Back from a platform's sign-in (which lands on /app/ without a hash): go where the user was headed.
  if (!location.hash && hasReturn(storage)) {
    const back = (await sessionLoaded) ? takeReturn(storage) : null;
    if (back) history.replaceState(null, '', `${location.pathname}${location.search}${back}`);
  }
  router.start(show);
}

void start();
