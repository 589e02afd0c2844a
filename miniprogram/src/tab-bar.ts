import { el } from './dom.js';
import type { RenderContext } from './render.js';
import { hashOf, type Route } from './router.js';

type Tab = 'opinions' | 'me' | 'staffBindings';

/** Outline icons drawn with one stroke path each, so they follow the text colour. */
const ICONS: Record<Tab, string> = {
  opinions: 'M4 5h16v11H9l-5 4z M8 10h8 M8 13h5',
  me: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M4.5 20c.6-3.7 3.7-6 7.5-6s6.9 2.3 7.5 6',
  staffBindings: 'M9 3.5h6v3H9z M6.5 5H5v15.5h14V5h-1.5 M8.5 13l2.5 2.5 4.5-5',
};

const LABELS: Record<Tab, string> = {
  opinions: 'appAccount.tabs.opinions',
  me: 'appAccount.tabs.me',
  staffBindings: 'appAccount.tabs.staff',
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

export interface TabBar {
  element: HTMLElement;
  /** Marks the page being shown; the sign-in page marks none. */
  select(route: Route): void;
  /** 待办 is only for those who may decide binding requests. */
  showStaff(visible: boolean): void;
}

/** The bottom tab bar: 意见 / 我的, and 待办 for staff; links, so the hash router does the rest. */
export function createTabBar({ t }: RenderContext): TabBar {
  const links = new Map<Tab, HTMLAnchorElement>();
  for (const tab of ['opinions', 'me', 'staffBindings'] as const) {
    links.set(
      tab,
      el(
        'a',
        { class: 'tab', href: hashOf(tab), 'data-tab': tab },
        icon(ICONS[tab]),
        el('span', { class: 'tab-label' }, t(LABELS[tab])),
      ),
    );
  }
  const staff = links.get('staffBindings')!;
  staff.hidden = true;
  const element = el(
    'nav',
    { class: 'tab-bar', 'aria-label': t('appAccount.tabs.label') },
    ...links.values(),
  );
  return {
    element,
    select(route) {
      for (const [tab, link] of links) {
        if (tab === route) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
    },
    showStaff(visible) {
      staff.hidden = !visible;
    },
  };
}
