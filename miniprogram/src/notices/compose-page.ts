import type { Language } from '../../../shared/i18n/index.js';
import type { NoticePreview, NoticeTargets, SendNoticeInput } from '../../../shared/schemas/notice.js';
import { openDialog } from '../dialog.js';
import { el } from '../dom.js';
import { explainError, isSignInRedirect, renderPageHeader, type PageDeps } from '../page.js';
import { renderLoadFailed, renderLoading } from '../render.js';
import { MAX_NOTICE_LENGTH, noticesApi } from './notices-api.js';
import { LIST_HASH } from './notice-words.js';

/** The languages a notice may carry besides its main text. */
const OTHER_LANGUAGES = ['zh-TW', 'en'] as const;

/** What the picker's value names: a place, one group, or every group on one platform. */
export type ScopePick =
  { kind: 'scope'; id: string } | { kind: 'group'; id: string } | { kind: 'platform'; channel: string };

export const pickValue = (pick: ScopePick) =>
  pick.kind === 'platform' ? `platform:${pick.channel}` : `${pick.kind}:${pick.id}`;

export function parsePick(value: string): ScopePick | null {
  const [kind, ...rest] = value.split(':');
  const id = rest.join(':');
  if (!id) return null;
  if (kind === 'scope' || kind === 'group') return { kind, id };
  if (kind === 'platform') return { kind, channel: id };
  return null;
}

/** The request's scope and groups for a pick; null when the pick names nothing the targets hold. */
export function targetOf(
  pick: ScopePick,
  targets: NoticeTargets,
): { scope: string; groupIds?: string[] } | null {
  if (pick.kind === 'scope') return targets.scopes.some((s) => s.id === pick.id) ? { scope: pick.id } : null;
  if (pick.kind === 'group') {
    const group = targets.groups.find((g) => g.id === pick.id);
    return group ? { scope: group.scope, groupIds: [group.id] } : null;
  }
  const widest = targets.scopes[0];
  const groups = targets.groups.filter((g) => g.channel === pick.channel);
  return widest && groups.length ? { scope: widest.id, groupIds: groups.map((g) => g.id) } : null;
}

/** `datetime-local` value for a Date in the browser's zone, e.g. `2026-03-14T09:00`. */
export function localInputValue(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * 写通知: whom to send to, the text and optional translations, a preview per platform rendered by the
 * server with the bot's own renderers, and "send now" or "schedule at".
 */
export function mountComposePage(deps: PageDeps): void {
  const { root, ctx, api, signal } = deps;
  const { t } = ctx;
  const notices = noticesApi(api);
  const S = 'staffNotices.compose';
  const main = el('main', { class: 'sn-compose' });
  root.replaceChildren(renderPageHeader(t(`${S}.heading`)), main);

  async function load(): Promise<void> {
    main.replaceChildren(renderLoading(ctx));
    try {
      const targets = await notices.targets(signal);
      if (signal.aborted) return;
      renderForm(targets);
    } catch (err) {
      if (signal.aborted || isSignInRedirect(err)) return;
      main.replaceChildren(
        renderLoadFailed(ctx, explainError(ctx, err), () => void load(), t(`${S}.loadError`)),
      );
    }
  }

  function renderForm(targets: NoticeTargets): void {
    const picker = el('select', { id: 'sn-scope', class: 'sn-input sn-scope', name: 'scope' });
    const scopeOptions = targets.scopes.map((s) =>
      el(
        'option',
        { value: pickValue({ kind: 'scope', id: s.id }) },
        s.kind === 'community' ? t(`${S}.everyone`) : s.name,
      ),
    );
    const groupOptions = targets.groups.map((g) =>
      el('option', { value: pickValue({ kind: 'group', id: g.id }) }, g.name),
    );
    const channels = [...new Set(targets.groups.map((g) => g.channel))];
    const platformOptions = channels.map((channel) =>
      el(
        'option',
        { value: pickValue({ kind: 'platform', channel }) },
        t(`${S}.platformGroups`, {
          platform: t(`${S}.platforms.${channel}`),
          count: targets.groups.filter((g) => g.channel === channel).length,
        }),
      ),
    );
    picker.append(
      el('optgroup', { label: t(`${S}.scopeKinds.scope`) }, ...scopeOptions),
      el('optgroup', { label: t(`${S}.scopeKinds.group`) }, ...groupOptions),
      el('optgroup', { label: t(`${S}.scopeKinds.platform`) }, ...platformOptions),
    );

    const text = el('textarea', {
      id: 'sn-text',
      class: 'sn-input sn-text',
      rows: '5',
      maxlength: String(MAX_NOTICE_LENGTH),
      placeholder: t(`${S}.textPlaceholder`),
    });
    const count = el('span', { class: 'sn-count' });
    const translations = new Map<Language, HTMLTextAreaElement>();
    const translationFields = OTHER_LANGUAGES.map((language) => {
      const field = el('textarea', {
        id: `sn-text-${language}`,
        class: 'sn-input sn-translation',
        rows: '3',
        maxlength: String(MAX_NOTICE_LENGTH),
        'data-language': language,
      });
      translations.set(language, field);
      return el(
        'div',
        { class: 'sn-field' },
        el('label', { for: field.id, class: 'sn-label' }, t(`${S}.translationFor.${language}`)),
        field,
      );
    });

    const now = el('input', { type: 'radio', name: 'sn-when', value: 'now', id: 'sn-when-now' });
    now.checked = true;
    const later = el('input', { type: 'radio', name: 'sn-when', value: 'later', id: 'sn-when-later' });
    const sendAt = el('input', {
      type: 'datetime-local',
      id: 'sn-send-at',
      class: 'sn-input sn-send-at',
      min: localInputValue(new Date()),
    });
    sendAt.disabled = true;

    const targetsLine = el('p', { class: 'hint sn-targets', role: 'status' });
    const preview = el('section', { class: 'sn-preview', 'aria-live': 'polite' });
    const error = el('p', { class: 'form-error', role: 'alert', hidden: '' });
    const submit = el('button', { type: 'submit', class: 'button sn-submit' }, t(`${S}.send`));

    const form = el(
      'form',
      { class: 'sn-form', novalidate: '' },
      el(
        'div',
        { class: 'sn-field' },
        el('label', { for: picker.id, class: 'sn-label' }, t(`${S}.scope`)),
        picker,
        targetsLine,
      ),
      el(
        'div',
        { class: 'sn-field' },
        el('label', { for: text.id, class: 'sn-label' }, t(`${S}.text`)),
        text,
        count,
      ),
      el('details', { class: 'sn-more' }, el('summary', {}, t(`${S}.translations`)), ...translationFields),
      el(
        'fieldset',
        { class: 'sn-field sn-when' },
        el('legend', { class: 'sn-label' }, t(`${S}.when`)),
        el('label', { class: 'sn-radio' }, now, t(`${S}.now`)),
        el('label', { class: 'sn-radio' }, later, t(`${S}.later`)),
        el('label', { for: sendAt.id, class: 'sn-label sn-sub' }, t(`${S}.sendAtLabel`)),
        sendAt,
      ),
      el('h2', { class: 'section-title' }, t(`${S}.previewHeading`)),
      preview,
      error,
      submit,
    );
    main.replaceChildren(form);

    function body(): SendNoticeInput | null {
      const pick = parsePick(picker.value);
      const target = pick ? targetOf(pick, targets) : null;
      const main = text.value.trim();
      if (!target || !main) return null;
      const extra: Partial<Record<'zh-TW' | 'en', string>> = {};
      for (const [language, field] of translations)
        if (field.value.trim()) extra[language as 'zh-TW' | 'en'] = field.value.trim();
      return { ...target, text: main, ...(Object.keys(extra).length ? { translations: extra } : {}) };
    }

    let previewTimer: ReturnType<typeof setTimeout> | null = null;
    let previewSeq = 0;
    function schedulePreview(): void {
      count.textContent = t(`${S}.count`, { count: text.value.length, max: MAX_NOTICE_LENGTH });
      if (previewTimer) clearTimeout(previewTimer);
      previewTimer = setTimeout(() => void refreshPreview(), 400);
    }

    async function refreshPreview(): Promise<void> {
      const request = body();
      const seq = ++previewSeq;
      if (!request) {
        preview.replaceChildren(el('p', { class: 'hint' }, t(`${S}.textRequired`)));
        return;
      }
      try {
        const answer = await notices.preview(request, signal);
        if (signal.aborted || seq !== previewSeq) return;
        renderPreview(answer);
      } catch (err) {
        if (signal.aborted || isSignInRedirect(err) || seq !== previewSeq) return;
        preview.replaceChildren(el('p', { class: 'notice notice-failed' }, explainError(ctx, err)));
      }
    }

    function renderPreview(answer: NoticePreview): void {
      targetsLine.textContent = answer.groups.length
        ? t(`${S}.targets`, {
            count: answer.groups.length,
            names: answer.groups.map((g) => g.name).join('、'),
          })
        : t(`${S}.previewNone`);
      const languages = new Set(answer.items.map((i) => i.language));
      preview.replaceChildren(
        ...answer.items.map((item) =>
          el(
            'article',
            {
              class: `sn-bubble-card sn-platform-${item.platform}`,
              'data-platform': item.platform,
              'data-language': item.language,
            },
            el(
              'div',
              { class: 'sn-bubble-top' },
              el('span', { class: 'sn-platform-name' }, t(`${S}.previewPlatforms.${item.platform}`)),
              languages.size > 1 ? el('span', { class: 'tag' }, item.language) : null,
              el('span', { class: 'sn-format' }, t(`${S}.previewFormat.${item.format}`)),
              el('span', { class: 'sn-group-count' }, t(`${S}.previewGroups`, { count: item.groups })),
            ),
            el('p', { class: 'sn-bubble' }, item.body),
            item.truncated
              ? el('p', { class: 'sn-truncated', role: 'note' }, t(`${S}.previewTruncated`))
              : null,
          ),
        ),
      );
    }

    function syncWhen(): void {
      sendAt.disabled = !later.checked;
      submit.textContent = t(later.checked ? `${S}.schedule` : `${S}.send`);
    }

    picker.addEventListener('change', schedulePreview);
    text.addEventListener('input', schedulePreview);
    for (const field of translations.values()) field.addEventListener('input', schedulePreview);
    now.addEventListener('change', syncWhen);
    later.addEventListener('change', () => {
      syncWhen();
      if (!sendAt.value) sendAt.value = localInputValue(new Date(Date.now() + 3_600_000));
    });
    schedulePreview();

    function fail(message: string): void {
      error.textContent = message;
      error.hidden = false;
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submitForm();
    });

    async function submitForm(): Promise<void> {
      error.hidden = true;
      const request = body();
      if (!request) {
        fail(t(`${S}.textRequired`));
        text.focus();
        return;
      }
      let when: Date | null = null;
      if (later.checked) {
        when = sendAt.value ? new Date(sendAt.value) : null;
        if (!when || Number.isNaN(when.getTime())) {
          fail(t(`${S}.sendAtRequired`));
          sendAt.focus();
          return;
        }
      } else {
        const answer = await openDialog({
          title: t(`${S}.confirmTitle`),
          text: targetsLine.textContent ?? '',
          confirmLabel: t(`${S}.send`),
          cancelLabel: t('staffNotices.detail.cancel'),
          signal,
        });
        if (!answer.confirmed || signal.aborted) return;
      }
      submit.disabled = true;
      submit.textContent = t(`${S}.sending`);
      try {
        if (when) await notices.schedule({ ...request, sendAt: when.toISOString() });
        else await notices.send(request);
        if (signal.aborted) return;
        location.hash = LIST_HASH;
      } catch (err) {
        if (signal.aborted || isSignInRedirect(err)) return;
        fail(t(`${S}.failed`, { reason: explainError(ctx, err) }));
        submit.disabled = false;
        syncWhen();
      }
    }
  }

  void load();
}
