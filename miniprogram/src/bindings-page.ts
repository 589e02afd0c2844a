import type { BindingView } from '../../shared/schemas/binding.js';
import { ApiError } from './api.js';
import { addressWords, platformName } from './account-words.js';
import { openDialog } from './dialog.js';
import { el } from './dom.js';
import { formatFullTime, formatRelativeTime } from './format-time.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from './page.js';
import { renderLoadFailed, renderLoading } from './render.js';

type Decision = 'approve' | 'reject';

/** `MAX_BINDING_REASON_LENGTH` of shared/schemas/binding.ts; importing a value from there would bundle zod. */
export const MAX_REASON_LENGTH = 200;

/** `3-2-501` → its parts, for the spelled-out address; null for anything else the server might send. */
function addressParts(address: string): { building: string; unit: string; room: string } | null {
  const [building, unit, room, ...rest] = address.split('-');
  return building && unit && room && rest.length === 0 ? { building, unit, room } : null;
}

/**
 * 待办 → 绑定申请: the pending binding requests this staff member may decide. Approving or rejecting asks
 * for confirmation, removes the card at once, and puts it back with the reason if the server refuses.
 */
export function mountBindingsPage(deps: PageDeps): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  let items: BindingView[] = [];
  /** Cards taken off the list while their decision is on its way. */
  const deciding = new Set<string>();

  const feedback = el('div', { class: 'feedback' });
  const content = el('div', { class: 'content' });
  root.replaceChildren(
    renderPageHeader(t('appAccount.bindings.title')),
    el('main', {}, el('h2', { class: 'section-title' }, t('appAccount.bindings.heading')), feedback, content),
  );

  function say(text: string, kind: 'done' | 'failed') {
    feedback.replaceChildren(
      el('p', { class: `notice notice-${kind}`, role: kind === 'failed' ? 'alert' : 'status' }, text),
    );
  }

  function words(binding: BindingView): string {
    const parts = addressParts(binding.address);
    return parts ? addressWords(t, parts) : binding.address;
  }

  function renderCard(binding: BindingView): HTMLLIElement {
    const approve = el(
      'button',
      { type: 'button', class: 'button approve' },
      t('appAccount.bindings.approve'),
    );
    const reject = el(
      'button',
      { type: 'button', class: 'button secondary danger reject' },
      t('appAccount.bindings.reject'),
    );
    approve.addEventListener('click', () => void decide(binding, 'approve'));
    reject.addEventListener('click', () => void decide(binding, 'reject'));
    return el(
      'li',
      { class: 'card binding', 'data-id': binding.id, 'data-number': binding.number },
      el(
        'div',
        { class: 'binding-top' },
        el('span', { class: 'code' }, binding.number),
        el(
          'span',
          { class: 'tag' },
          t('appAccount.bindings.platform', { platform: platformName(t, binding.platform) }),
        ),
        el(
          'time',
          { datetime: binding.createdAt, title: formatFullTime(binding.createdAt, ctx.language) },
          formatRelativeTime(binding.createdAt, ctx.now(), ctx.language, t('app.justNow')),
        ),
      ),
      el('p', { class: 'binding-address' }, binding.address),
      el('p', { class: 'binding-address-words' }, words(binding)),
      el(
        'p',
        { class: 'binding-requester' },
        el('span', { class: 'label' }, t('appAccount.bindings.requester')),
        el('span', { class: 'requester-name' }, binding.requesterName),
      ),
      el('div', { class: 'binding-actions' }, reject, approve),
    );
  }

  function render() {
    const shown = items.filter((b) => !deciding.has(b.id));
    if (shown.length === 0) {
      content.replaceChildren(
        el(
          'div',
          { class: 'empty' },
          el('p', { class: 'empty-title' }, t('appAccount.bindings.empty')),
          el('p', { class: 'empty-hint' }, t('appAccount.bindings.emptyHint')),
        ),
      );
      return;
    }
    content.replaceChildren(el('ul', { class: 'bindings' }, ...shown.map(renderCard)));
  }

  async function decide(binding: BindingView, decision: Decision): Promise<void> {
    const vars = {
      number: binding.number,
      name: binding.requesterName,
      address: binding.address,
      words: words(binding),
    };
    const answer = await openDialog(
      decision === 'approve'
        ? {
            title: t('appAccount.bindings.approveTitle', vars),
            text: t('appAccount.bindings.approveText', vars),
            confirmLabel: t('appAccount.bindings.approve'),
            cancelLabel: t('appAccount.bindings.cancel'),
            signal,
          }
        : {
            title: t('appAccount.bindings.rejectTitle', vars),
            text: t('appAccount.bindings.rejectText', vars),
            confirmLabel: t('appAccount.bindings.reject'),
            cancelLabel: t('appAccount.bindings.cancel'),
            danger: true,
            signal,
            input: {
              label: t('appAccount.bindings.reasonLabel'),
              placeholder: t('appAccount.bindings.reasonPlaceholder'),
              maxLength: MAX_REASON_LENGTH,
              requiredMessage: t('appAccount.bindings.reasonRequired'),
              counter: (count) => t('appAccount.bindings.reasonCount', { count, max: MAX_REASON_LENGTH }),
            },
          },
    );
    if (!answer.confirmed || signal.aborted || deciding.has(binding.id)) return;

    // Optimistic: the card goes now; the server's answer only matters when it says no.
    deciding.add(binding.id);
    feedback.replaceChildren();
    render();
    try {
      if (decision === 'approve') await api.approveBinding(binding.id);
      else await api.rejectBinding(binding.id, answer.value);
      items = items.filter((b) => b.id !== binding.id);
      deciding.delete(binding.id);
      if (signal.aborted) return;
      say(t(`appAccount.bindings.${decision === 'approve' ? 'approved' : 'rejected'}`, vars), 'done');
      render();
    } catch (err) {
      deciding.delete(binding.id);
      // Decided by someone else meanwhile, or gone: it is no longer pending, so it stays off the list.
      if (err instanceof ApiError && (err.status === 404 || err.status === 409))
        items = items.filter((b) => b.id !== binding.id);
      if (signal.aborted || isSignInRedirect(err)) return;
      say(
        t('appAccount.bindings.failed', { number: binding.number, reason: explainError(ctx, err) }),
        'failed',
      );
      render();
    }
  }

  async function load(): Promise<void> {
    content.replaceChildren(renderLoading(ctx));
    try {
      const list = await api.pendingBindings(signal);
      if (signal.aborted) return;
      items = list.items.filter((b) => b.status === 'pending');
      render();
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      content.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t('appAccount.bindings.loadError')),
      );
    }
  }

  void load();
}
