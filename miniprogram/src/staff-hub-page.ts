import type { Role } from '../../shared/schemas/community.js';
import type { MeView } from '../../shared/schemas/resident.js';
import { el } from './dom.js';
import { renderHubList } from './hub-links.js';
import { renderPageHeader, type PageDeps } from './page.js';

type Entry =
  'bindings' | 'notices' | 'reports' | 'reportsDashboard' | 'events' | 'polls' | 'points' | 'merchant';

/**
 * Each staff tool, its page, and the roles that usually hold its actions. The server's policy decides
 * for real; this only keeps the workbench from offering tools a role never has.
 */
const ENTRIES: readonly { entry: Entry; hash: string; roles: readonly Role[] }[] = [
  { entry: 'bindings', hash: '#/staff/bindings', roles: ['buildingLead', 'secretary', 'admin'] },
  {
    entry: 'notices',
    hash: '#/staff/notices',
    roles: ['buildingLead', 'gridWorker', 'secretary', 'committeeMember', 'admin'],
  },
  {
    entry: 'reports',
    hash: '#/staff/reports',
    roles: ['buildingLead', 'gridWorker', 'secretary', 'committeeMember', 'propertyStaff', 'admin'],
  },
  {
    entry: 'reportsDashboard',
    hash: '#/staff/reports/dashboard',
    roles: ['gridWorker', 'secretary', 'committeeMember', 'propertyStaff', 'admin'],
  },
  {
    entry: 'events',
    hash: '#/events',
    roles: ['buildingLead', 'gridWorker', 'secretary', 'committeeMember', 'admin'],
  },
  { entry: 'polls', hash: '#/staff/polls', roles: ['secretary', 'committeeMember', 'admin'] },
  { entry: 'points', hash: '#/staff/points', roles: ['secretary', 'admin'] },
  { entry: 'merchant', hash: '#/merchant', roles: ['merchant', 'admin'] },
];

/** Roles that see the 工作台 tab at all. */
export const STAFF_ROLES: readonly Role[] = [...new Set(ENTRIES.flatMap((e) => e.roles))];

export const isStaff = (me: MeView | null): boolean =>
  me !== null && me.resident.roles.some((r) => STAFF_ROLES.includes(r.role));

/** The staff tools this person's roles open, in a fixed order. */
export function entriesFor(me: MeView | null): typeof ENTRIES {
  const roles = new Set(me?.resident.roles.map((r) => r.role) ?? []);
  return ENTRIES.filter((e) => e.roles.some((role) => roles.has(role)));
}

/** 工作台: one card per staff tool; signing in first when nobody is signed in. */
export function mountStaffHubPage(deps: PageDeps & { askToSignIn: () => void }): void {
  const { root, ctx, session, signal } = deps;
  const { t } = ctx;
  const main = el('main', {});
  root.replaceChildren(renderPageHeader(t('staffHub.title')), main);

  function render(me: MeView | null): void {
    if (signal.aborted) return;
    const entries = entriesFor(me);
    if (entries.length === 0) {
      main.replaceChildren(el('p', { class: 'notice' }, t('staffHub.none')));
      return;
    }
    main.replaceChildren(
      el('p', { class: 'hint' }, t('staffHub.intro')),
      renderHubList(t, 'staffHub', entries, 'staff-hub'),
    );
  }

  void session.load().then((me) => {
    if (signal.aborted) return;
    if (!me) return deps.askToSignIn();
    render(me);
  });
}
