import type { Language } from '../../shared/i18n/index.js';
import type { NoticePublicView } from '../../shared/schemas/notice.js';
import { el } from './dom.js';
import { renderPageHeader } from './page.js';
import { renderLoadFailed, renderLoading, type RenderContext } from './render.js';

/** The code in a notice's short link, `#/n/<code>`; null for any other address. */
export function noticeCodeOf(hash: string): string | null {
  return /^#\/n\/([A-Za-z0-9_-]{8,32})\/?$/.exec(hash)?.[1] ?? null;
}

export interface NoticeAckPageDeps {
  root: HTMLElement;
  ctx: RenderContext & { language: Language };
  code: string;
  /** The session is missing: sign in first. */
  onUnauthorized: () => void;
  signal: AbortSignal;
}

/** A failed call with the server's translated message, or null for "sign in first". */
async function call<T>(deps: NoticeAckPageDeps, path: string, method: 'GET' | 'POST'): Promise<T | null> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'accept-language': deps.ctx.language },
    signal: deps.signal,
  });
  if (res.status === 401) return null;
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok) throw new Error(body?.error?.message ?? deps.ctx.t('notices.page.loadFailed'));
  return body;
}

/** One notice and one big 收到 button; elderly readers arrive here from a link in their group. */
export function mountNoticeAckPage(deps: NoticeAckPageDeps): void {
  const { root, ctx, code } = deps;
  const { t } = ctx;
  const confirmed = () => el('p', { class: 'notice-acked', role: 'status' }, t('notices.page.acked'));

  const load = async () => {
    root.replaceChildren(renderPageHeader(t('notices.page.title')), renderLoading(ctx));
    try {
      const notice = await call<NoticePublicView>(deps, `/api/notices/by-code/${code}`, 'GET');
      if (!notice) return deps.onUnauthorized();
      const button = el('button', { type: 'button', class: 'button notice-ack' }, t('notices.page.ack'));
      const body = el(
        'section',
        { class: 'card notice' },
        el('h2', { class: 'card-title' }, notice.number),
        el('p', { class: 'notice-text' }, notice.text),
        notice.acknowledged ? confirmed() : button,
      );
      button.addEventListener('click', () => {
        button.setAttribute('disabled', '');
        call(deps, `/api/notices/${code}/ack`, 'POST')
          .then((done) => (done ? button.replaceWith(confirmed()) : deps.onUnauthorized()))
          .catch((err: unknown) => {
            button.removeAttribute('disabled');
            body.append(el('p', { class: 'notice-error', role: 'alert' }, (err as Error).message));
          });
      });
      root.replaceChildren(renderPageHeader(t('notices.page.title')), body);
    } catch (err) {
      if (deps.signal.aborted) return;
      root.replaceChildren(
        renderPageHeader(t('notices.page.title')),
        renderLoadFailed(ctx, (err as Error).message, () => void load()),
      );
    }
  };
  void load();
}
