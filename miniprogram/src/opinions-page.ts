import type { Category } from '../../shared/categories.js';
import type { AdoptOpinionResult, OpinionView } from '../../shared/schemas/opinion.js';
import { ApiError, type Api } from './api.js';
import { NoCommunityError } from './community.js';
import { openDialog } from './dialog.js';
import { el } from './dom.js';
import { renderHubLink } from './hub-links.js';
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

/** `MAX_ADOPT_NOTE_LENGTH` of shared/schemas/opinion.ts; importing a value from there would bundle zod. */
export const MAX_ADOPT_NOTE_LENGTH = 200;

export interface OpinionsPageDeps {
  root: HTMLElement;
  ctx: RenderContext;
  api: Api;
  /** Resolves the community code once; called again on retry if it failed. */
  community: () => Promise<string>;
}

/**
 * "Recent opinions by category": chips on top, the list below, more on demand. Adopted opinions show
 * their note; staff who may adopt one (the server says so per item) get a 采纳 button on it.
 */
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
  const feedback = el('div', { class: 'feedback' });
  /** Opinions whose adoption is on its way, so a second tap does not send it twice. */
  const adopting = new Set<string>();
  const list = el('ul', { class: 'opinions' });
  let footer: HTMLElement = el('div');
  root.replaceChildren(
    renderHeader(ctx),
    chips,
    el(
      'main',
      {},
      // 议事 covers the committees' polls too: one tap to the open ones.
      renderHubLink(
        {
          hash: '#/polls',
          title: ctx.t('meLinks.entries.polls.title'),
          hint: ctx.t('meLinks.entries.polls.hint'),
        },
        'opinions-polls-link',
      ),
      el('h2', { class: 'section-title' }, ctx.t('app.recentOpinions')),
      feedback,
      content,
    ),
  );

  function explain(err: unknown): string {
    if (err instanceof NoCommunityError) return ctx.t('app.noCommunity');
    if (err instanceof ApiError) return err.serverMessage ?? ctx.t('errors.internal');
    return ctx.t('app.offline');
  }

  function say(text: string, kind: 'done' | 'failed') {
    feedback.replaceChildren(
      el('p', { class: `notice notice-${kind}`, role: kind === 'failed' ? 'alert' : 'status' }, text),
    );
  }

  /** One opinion card: the shared rendering, plus the adoption note and, for staff, the adopt button. */
  function renderItem(opinion: OpinionView): HTMLLIElement {
    const item = renderOpinion(ctx, opinion);
    if (opinion.adopted?.note)
      item.append(
        el(
          'p',
          { class: 'opinion-adopted-note' },
          ctx.t('opinionReview.page.note', { note: opinion.adopted.note }),
        ),
      );
    if (opinion.mayAdopt) {
      const button = el(
        'button',
        { type: 'button', class: 'button secondary opinion-adopt' },
        ctx.t('opinionReview.page.adopt'),
      );
      button.addEventListener('click', () => void adopt(opinion, item, button));
      item.append(el('div', { class: 'opinion-actions' }, button));
    }
    return item;
  }

  async function adopt(opinion: OpinionView, item: HTMLLIElement, button: HTMLButtonElement): Promise<void> {
    if (adopting.has(opinion.id)) return;
    const vars = { code: opinion.code };
    // Going to another page closes the sheet, as leaving any page does.
    const leaving = new AbortController();
    window.addEventListener('hashchange', () => leaving.abort(), { once: true, signal: leaving.signal });
    const answer = await openDialog({
      title: ctx.t('opinionReview.page.adoptTitle', vars),
      text: ctx.t('opinionReview.page.adoptText', vars),
      confirmLabel: ctx.t('opinionReview.page.adopt'),
      cancelLabel: ctx.t('opinionReview.page.cancel'),
      signal: leaving.signal,
      input: {
        label: ctx.t('opinionReview.page.noteLabel'),
        placeholder: ctx.t('opinionReview.page.notePlaceholder'),
        maxLength: MAX_ADOPT_NOTE_LENGTH,
        optional: true,
        requiredMessage: ctx.t('opinionReview.page.noteRequired'),
        counter: (count) => ctx.t('opinionReview.page.noteCount', { count, max: MAX_ADOPT_NOTE_LENGTH }),
      },
    });
    const left = leaving.signal.aborted;
    leaving.abort();
    if (!answer.confirmed || left || adopting.has(opinion.id)) return;

    adopting.add(opinion.id);
    button.disabled = true;
    feedback.replaceChildren();
    try {
      const result = await api.call<AdoptOpinionResult>('POST', `/api/opinions/${opinion.id}/adopt`, {
        body: answer.value ? { note: answer.value } : {},
      });
      // In place: the card now shows 已采纳 and the note, and no button.
      if (item.isConnected) item.replaceWith(renderItem(result.opinion));
      say(ctx.t(`opinionReview.page.${result.outcome}`, vars), 'done');
    } catch (err) {
      button.disabled = false;
      say(ctx.t('opinionReview.page.failed', { ...vars, reason: explain(err) }), 'failed');
    } finally {
      adopting.delete(opinion.id);
    }
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
    list.replaceChildren(...items.map(renderItem));
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
    feedback.replaceChildren();
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
      list.append(...page.items.filter((o) => !shown.has(o.code)).map(renderItem));
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
