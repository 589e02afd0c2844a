import { el } from './dom.js';
import type { RenderContext } from './render.js';

/** The bottom tabs; feature pages name the tab they belong to (`FeaturePage.tab`). */
export const TABS = ['opinions', 'reports', 'events', 'points', 'me', 'staff'] as const;
export type Tab = (typeof TABS)[number];

const HREFS: Record<Tab, string> = {
  opinions: '#/opinions',
  reports: '#/reports',
  events: '#/events',
  points: '#/points',
  me: '#/me',
  staff: '#/staff',
};

/** Outline icons drawn with one stroke path each, so they follow the text colour. */
const ICONS: Record<Tab, string> = {
  opinions: 'M4 5h16v11H9l-5 4z M8 10h8 M8 13h5',
  reports: 'M12 3.5l9 16H3z M12 10v4.5 M12 16.8v.4',
  events: 'M4 6h16v14H4z M4 10.5h16 M8 3.5v4 M16 3.5v4',
  points: 'M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z',
  me: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M4.5 20c.6-3.7 3.7-6 7.5-6s6.9 2.3 7.5 6',
  staff: 'M4 8h16v11H4z M9 8V5h6v3 M4 13h16',
};

function icon(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'tab-icon');
  const stroke = document.createElementNS(ns, 'path');
  stroke.setAttribute('d', path);
  svg.append(stroke);
  return svg;
}

export const isTab = (value: string | null | undefined): value is Tab =>
  (TABS as readonly (string | null | undefined)[]).includes(value);

export interface TabBar {
  element: HTMLElement;
  /** Marks the tab of the page being shown; null (sign-in, a notice link) marks none. */
  select(tab: Tab | null): void;
  /** 工作台 only for those who hold a staff role. */
  showStaff(visible: boolean): void;
}

/** The bottom tab bar: 议事 / 报事 / 活动 / 积分 / 我的, and 工作台 for staff; links, so the hash router does the rest. */
export function createTabBar({ t }: RenderContext): TabBar {
  const links = new Map<Tab, HTMLAnchorElement>();
  for (const tab of TABS) {
    links.set(
      tab,
      el(
        'a',
        { class: 'tab', href: HREFS[tab], 'data-tab': tab },
        icon(ICONS[tab]),
        el('span', { class: 'tab-label' }, t(`appAccount.tabs.${tab}`)),
      ),
    );
  }
  const staff = links.get('staff')!;
  staff.hidden = true;
  const element = el(
    'nav',
    { class: 'tab-bar', 'aria-label': t('appAccount.tabs.label') },
    ...links.values(),
  );
  return {
    element,
    select(selected) {
      for (const [tab, link] of links) {
        if (tab === selected) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
    },
    showStaff(visible) {
      staff.hidden = !visible;
    },
  };
}
