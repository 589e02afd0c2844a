import type { Api } from './api.js';
import { ApiError } from './api.js';
import { el } from './dom.js';
import type { RenderContext } from './render.js';
import type { Router } from './router.js';
import type { Session } from './session.js';

/** What every account page is mounted with. */
export interface PageDeps {
  root: HTMLElement;
  ctx: RenderContext;
  api: Api;
  session: Session;
  router: Router;
  /** Where the page to return to after signing in is kept (the tab's sessionStorage). */
  storage: Storage | null;
  /** Aborted when the user leaves the page, so late answers do not touch the next one. */
  signal: AbortSignal;
}

export function renderPageHeader(title: string): HTMLElement {
  return el('header', { class: 'app-header' }, el('h1', {}, title));
}

/** The server's own translated explanation when it gave one, else a generic line. */
export function explainError({ t }: RenderContext, err: unknown): string {
  if (err instanceof ApiError) return err.serverMessage ?? t('errors.internal');
  return t('app.offline');
}

/** A 401 already sent the user to sign in; anything else is worth showing. */
export const isSignInRedirect = (err: unknown): boolean => err instanceof ApiError && err.status === 401;
