import { el } from './dom.js';

export interface DialogOptions {
  title: string;
  text: string;
  confirmLabel: string;
  cancelLabel: string;
  /** Red confirm button, for actions that turn someone down. */
  danger?: boolean;
  /** Leaving the page cancels the dialog. */
  signal?: AbortSignal;
  /** A text field, e.g. a rejection reason; required unless `optional`. */
  input?: {
    label: string;
    placeholder: string;
    maxLength: number;
    /** May be left blank, e.g. the note on an adopted opinion. */
    optional?: boolean;
    requiredMessage: string;
    counter: (count: number) => string;
  };
}

export type DialogResult = { confirmed: false } | { confirmed: true; value: string };

let openCount = 0;

/** What `presentSheet` needs: the built sheet, its cancel button, and what to focus first. */
export interface SheetParts<R> {
  backdrop: HTMLElement;
  cancel: HTMLButtonElement;
  focus: HTMLElement;
  /** Leaving the page cancels the sheet. */
  signal?: AbortSignal;
  /** The result of cancelling: Escape, a tap outside, the cancel button or leaving the page. */
  cancelled: R;
}

/**
 * Shows a built sheet over the page and runs its life: Escape, a tap on the dimmed page outside it,
 * its cancel button or leaving the page cancel; `close` removes it and gives focus back. Shared by
 * the confirmation dialog here and the reports' several-field action sheet.
 */
export function presentSheet<R>(parts: SheetParts<R>): { done: Promise<R>; close(result: R): void } {
  const previousFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let settle: (result: R) => void = () => undefined;
  const done = new Promise<R>((resolve) => (settle = resolve));
  const onAbort = () => close(parts.cancelled);
  function onKey(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.preventDefault();
      close(parts.cancelled);
    }
  }
  function close(result: R) {
    parts.signal?.removeEventListener('abort', onAbort);
    document.removeEventListener('keydown', onKey, true);
    parts.backdrop.remove();
    document.body.classList.remove('dialog-open');
    previousFocus?.focus();
    settle(result);
  }
  parts.cancel.addEventListener('click', () => close(parts.cancelled));
  // A tap on the dimmed page outside the sheet is a cancel, as on native sheets.
  parts.backdrop.addEventListener('click', (event) => {
    if (event.target === parts.backdrop) close(parts.cancelled);
  });
  if (parts.signal?.aborted) {
    settle(parts.cancelled);
    return { done, close: () => undefined };
  }
  parts.signal?.addEventListener('abort', onAbort);
  document.addEventListener('keydown', onKey, true);
  document.body.classList.add('dialog-open');
  document.body.append(parts.backdrop);
  parts.focus.focus();
  return { done, close };
}

/**
 * A confirmation sheet over the page, in the page's own large type (the browser's `confirm()` is tiny
 * on phones and cannot be translated). Resolves when the user confirms or cancels.
 */
export function openDialog(options: DialogOptions): Promise<DialogResult> {
  const id = `dialog-${++openCount}`;

  const field = options.input
    ? el('textarea', {
        id: `${id}-input`,
        class: 'dialog-input',
        rows: '3',
        maxlength: String(options.input.maxLength),
        placeholder: options.input.placeholder,
        'aria-describedby': `${id}-count ${id}-error`,
      })
    : null;
  const count = options.input ? el('span', { id: `${id}-count`, class: 'dialog-count' }) : null;
  const error = el('p', { id: `${id}-error`, class: 'dialog-error', role: 'alert', hidden: '' });
  const cancel = el(
    'button',
    { type: 'button', class: 'button secondary dialog-cancel' },
    options.cancelLabel,
  );
  const confirm = el(
    'button',
    { type: 'submit', class: `button dialog-confirm${options.danger ? ' danger' : ''}` },
    options.confirmLabel,
  );
  const form = el(
    'form',
    {
      class: 'dialog',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': `${id}-title`,
      'aria-describedby': `${id}-text`,
      novalidate: '',
    },
    el('h2', { id: `${id}-title`, class: 'dialog-title' }, options.title),
    el('p', { id: `${id}-text`, class: 'dialog-text' }, options.text),
    field &&
      options.input &&
      el(
        'div',
        { class: 'dialog-field' },
        el('label', { for: field.id, class: 'dialog-label' }, options.input.label),
        field,
        count,
      ),
    error,
    el('div', { class: 'dialog-actions' }, cancel, confirm),
  );
  const backdrop = el('div', { class: 'dialog-backdrop' }, form);

  const value = () => field?.value.trim() ?? '';
  function refresh() {
    if (!options.input || !field || !count) return;
    count.textContent = options.input.counter(field.value.length);
    if (value()) error.hidden = true;
  }
  refresh();
  field?.addEventListener('input', refresh);

  const sheet = presentSheet<DialogResult>({
    backdrop,
    cancel,
    focus: field ?? confirm,
    signal: options.signal,
    cancelled: { confirmed: false },
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (options.input && !options.input.optional && !value()) {
      error.textContent = options.input.requiredMessage;
      error.hidden = false;
      field?.focus();
      return;
    }
    sheet.close({ confirmed: true, value: value() });
  });
  return sheet.done;
}
