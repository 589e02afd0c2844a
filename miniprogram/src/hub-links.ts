import { el } from './dom.js';
import type { RenderContext } from './render.js';

/** One large tappable link: a title and a line saying what is behind it. */
export function renderHubLink(
  link: { hash: string; title: string; hint: string; entry?: string },
  className = '',
): HTMLAnchorElement {
  return el(
    'a',
    {
      class: className ? `hub-entry ${className}` : 'hub-entry',
      href: link.hash,
      ...(link.entry ? { 'data-entry': link.entry } : {}),
    },
    el('span', { class: 'hub-title' }, link.title),
    el('span', { class: 'hub-hint' }, link.hint),
  );
}

/**
 * A list of such links (工作台's tools, 我的's things); `section` names the locale section whose
 * `entries.<entry>.title` and `.hint` label each one.
 */
export function renderHubList(
  t: RenderContext['t'],
  section: string,
  links: readonly { entry: string; hash: string }[],
  className = '',
): HTMLUListElement {
  return el(
    'ul',
    { class: className ? `hub-list ${className}` : 'hub-list' },
    ...links.map(({ entry, hash }) =>
      el(
        'li',
        {},
        renderHubLink({
          entry,
          hash,
          title: t(`${section}.entries.${entry}.title`),
          hint: t(`${section}.entries.${entry}.hint`),
        }),
      ),
    ),
  );
}
