import type { Category } from '../../shared/categories.js';
import type { OpinionView } from '../../shared/schemas/opinion.js';
import { ApiError, type Api } from './api.js';
import { NoCommunityError } from './community.js';
import { el } from './dom.js';
import {
  renderChips,
  renderEmpty,
  renderHeader,
  renderListFooter,
  renderLoadFailed,
  renderLoading,
  renderOpinion,
  updateChips,
  type RenderContext,
} from './render.js';

export interface OpinionsPageDeps {
  root: HTMLElement;
  ctx: RenderContext;
  api: Api;
  /** Resolves the community code once; called again on retry if it failed. */
  community: () => Promise<string>;
}

/** "Recent opinions by category": chips on top, the list below, more on demand. */
export function mountOpinionsPage({ root, ctx, api, community: resolveCommunity }: OpinionsPageDeps): void {
  let community: string | null = null;
  let category: Category | null = null;
  let counts: Record<string, number> = {};
  let nextBefore: string | null = null;
  let loadingMore = false;
  let moreFailed = false;
  /** Bumped by every first-page load, so a slow answer for an old chip is dropped. */
  let generation = 0;
  let inFlight: AbortController | null = null;

  const chips = renderChips(ctx, pick);
  const content = el('div', { class: 'content' });
  const list = el('ul', { class: 'opinions' });
  let footer: HTMLElement = el('div');
  root.replaceChildren(
    renderHeader(ctx),
    chips,
    el(
      'main',
      {},
      // 议事 covers the committees' polls too: one tap to the open ones.
      el(
        'a',
        { class: 'hub-entry opinions-polls-link', href: '#/polls' },
        el('span', { class: 'hub-title' }, ctx.t('meLinks.entries.polls.title')),
        el('span', { class: 'hub-hint' }, ctx.t('meLinks.entries.polls.hint')),
      ),
      el('h2', { class: 'section-title' }, ctx.t('app.recentOpinions')),
      content,
    ),
  );

  function explain(err: unknown): string {
    if (err instanceof NoCommunityError) return ctx.t('app.noCommunity');
    if (err instanceof ApiError) return err.serverMessage ?? ctx.t('errors.internal');
    return ctx.t('app.offline');
  }

  function refreshFooter() {
    const next = renderListFooter(
      ctx,
      { hasMore: nextBefore !== null, loading: loadingMore, failed: moreFailed },
      () => void loadMore(),
    );
    footer.replaceWith(next);
    footer = next;
  }

  function showItems(items: OpinionView[]) {
    if (items.length === 0) {
      content.replaceChildren(renderEmpty(ctx, category));
      return;
    }
    list.replaceChildren(...items.map((o) => renderOpinion(ctx, o)));
    footer = el('div');
    content.replaceChildren(list, footer);
    refreshFooter();
  }

  async function loadFirstPage(): Promise<void> {
    const mine = ++generation;
    inFlight?.abort();
    const controller = (inFlight = new AbortController());
    loadingMore = false;
    moreFailed = false;
    content.replaceChildren(renderLoading(ctx));
    try {
      community ??= await resolveCommunity();
      const page = await api.listOpinions({ community, category, before: null }, controller.signal);
      if (mine !== generation) return;
      counts = page.counts;
      nextBefore = page.nextBefore;
      updateChips(ctx, chips, counts, category);
      showItems(page.items);
    } catch (err) {
      if (mine !== generation) return;
      content.replaceChildren(renderLoadFailed(ctx, explain(err), () => void loadFirstPage()));
    }
  }

  async function loadMore(): Promise<void> {
    if (loadingMore || nextBefore === null || community === null) return;
    const mine = generation;
    loadingMore = true;
    moreFailed = false;
    refreshFooter();
    try {
      const page = await api.listOpinions({ community, category, before: nextBefore }, inFlight?.signal);
      if (mine !== generation) return;
      const shown = new Set(Array.from(list.children, (li) => (li as HTMLElement).dataset.code));
      list.append(...page.items.filter((o) => !shown.has(o.code)).map((o) => renderOpinion(ctx, o)));
      counts = page.counts;
      nextBefore = page.nextBefore;
      updateChips(ctx, chips, counts, category);
    } catch {
      if (mine !== generation) return;
      moreFailed = true;
    }
    loadingMore = false;
    refreshFooter();
  }

  function pick(next: Category | null) {
    if (next === category) return;
    category = next;
    updateChips(ctx, chips, counts, category);
    window.scrollTo({ top: 0 });
    void loadFirstPage();
  }

  void loadFirstPage();
}
