import type { TFunction } from 'i18next';
import { CATEGORIES, type Category } from '../../shared/categories.js';
import type { Language } from '../../shared/i18n/index.js';
import type { OpinionView } from '../../shared/schemas/opinion.js';
import { el } from './dom.js';
import { formatFullTime, formatRelativeTime } from './format-time.js';

/** What every builder needs to turn data into translated DOM. */
export interface RenderContext {
  t: TFunction;
  language: Language;
  now: () => Date;
}

export function renderHeader({ t }: RenderContext): HTMLElement {
  return el('header', { class: 'app-header' }, el('h1', {}, t('app.title')));
}

/**
 * The chip row: 全部 and the nine scenarios. Hidden until the first list arrives (chips for a community
 * that failed to load would only mislead); counts and selection are filled in by `updateChips`.
 */
export function renderChips(ctx: RenderContext, onPick: (category: Category | null) => void): HTMLElement {
  const chip = (category: Category | null) => {
    const button = el(
      'button',
      { type: 'button', class: 'chip', 'data-category': category ?? 'all', 'aria-pressed': 'false' },
      el('span', { class: 'chip-name' }, category ? ctx.t(`categories.${category}`) : ctx.t('app.all')),
      el('span', { class: 'chip-count' }),
    );
    button.addEventListener('click', () => onPick(category));
    return button;
  };
  return el(
    'nav',
    { class: 'chips', 'aria-label': ctx.t('app.categoriesLabel'), hidden: '' },
    chip(null),
    ...CATEGORIES.map(chip),
  );
}

export function updateChips(
  ctx: RenderContext,
  chips: HTMLElement,
  counts: Record<string, number>,
  selected: Category | null,
): void {
  chips.hidden = false;
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  for (const button of chips.querySelectorAll<HTMLButtonElement>('button.chip')) {
    const category = button.dataset.category ?? 'all';
    const count = category === 'all' ? total : (counts[category] ?? 0);
    const name = category === 'all' ? ctx.t('app.all') : ctx.t(`categories.${category}`);
    const pressed = category === (selected ?? 'all');
    button.setAttribute('aria-pressed', String(pressed));
    button.setAttribute('aria-label', ctx.t('app.chipLabel', { category: name, count }));
    button.querySelector('.chip-count')!.textContent = String(count);
  }
}

export function renderOpinion(ctx: RenderContext, opinion: OpinionView): HTMLLIElement {
  return el(
    'li',
    { class: 'opinion', 'data-code': opinion.code, 'data-category': opinion.category },
    el(
      'div',
      { class: 'opinion-top' },
      el('span', { class: 'code' }, opinion.code),
      el('span', { class: `tag tag-${opinion.category}` }, ctx.t(`categories.${opinion.category}`)),
      el('span', { class: `status status-${opinion.status}` }, ctx.t(`app.status.${opinion.status}`)),
    ),
    el('p', { class: 'opinion-text' }, opinion.text),
    el(
      'div',
      { class: 'opinion-meta' },
      el('span', { class: 'author' }, opinion.author),
      el('span', { class: 'group' }, ctx.t('app.from', { group: opinion.groupName })),
      el(
        'time',
        { datetime: opinion.createdAt, title: formatFullTime(opinion.createdAt, ctx.language) },
        formatRelativeTime(opinion.createdAt, ctx.now(), ctx.language, ctx.t('app.justNow')),
      ),
    ),
  );
}

export function renderLoading({ t }: RenderContext): HTMLElement {
  return el('p', { class: 'loading', role: 'status' }, t('app.loading'));
}

export function renderEmpty({ t }: RenderContext, category: Category | null): HTMLElement {
  return el(
    'div',
    { class: 'empty' },
    el('p', { class: 'empty-title' }, category ? t('app.emptyCategory') : t('app.empty')),
    el('p', { class: 'empty-hint' }, t('app.emptyHint')),
  );
}

/** The whole list failed: say why in one line and offer one big retry button. */
export function renderLoadFailed(
  { t }: RenderContext,
  detail: string,
  onRetry: () => void,
  title: string = t('app.loadError'),
): HTMLElement {
  const retry = el('button', { type: 'button', class: 'button retry' }, t('app.retry'));
  retry.addEventListener('click', onRetry);
  return el(
    'div',
    { class: 'load-failed', role: 'alert' },
    el('p', { class: 'load-failed-title' }, title),
    el('p', { class: 'load-failed-detail' }, detail),
    retry,
  );
}

/** The end of the list: a "load more" button while there is more, "that's all" after. */
export function renderListFooter(
  { t }: RenderContext,
  state: { hasMore: boolean; loading: boolean; failed: boolean },
  onLoadMore: () => void,
): HTMLElement {
  if (!state.hasMore) return el('p', { class: 'list-end' }, t('app.noMore'));
  const button = el(
    'button',
    { type: 'button', class: 'button load-more' },
    state.loading ? t('app.loading') : t('app.loadMore'),
  );
  button.disabled = state.loading;
  button.addEventListener('click', onLoadMore);
  return el(
    'div',
    { class: 'list-footer' },
    state.failed && el('p', { class: 'load-more-failed', role: 'alert' }, t('app.loadMoreFailed')),
    button,
  );
}
