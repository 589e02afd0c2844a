import { presentSheet } from '../dialog.js';
import { el } from '../dom.js';

/** A field of the sheet: free text (required or not) or a choice from a list. */
export type SheetField =
  | {
      kind: 'text';
      name: string;
      label: string;
      placeholder?: string;
      maxLength: number;
      /** Shown when submitted empty; the field is optional when absent. */
      requiredMessage?: string;
      /** Only values this accepts may be submitted; it returns the message to show otherwise. */
      check?: (value: string) => string | null;
      multiline?: boolean;
      suggestions?: string[];
    }
  | {
      kind: 'choice';
      name: string;
      label: string;
      options: { value: string; label: string }[];
      value?: string;
    };

export interface SheetOptions {
  title: string;
  text?: string;
  fields: SheetField[];
  confirmLabel: string;
  cancelLabel: string;
  danger?: boolean;
  signal?: AbortSignal;
}

export type SheetResult = { confirmed: false } | { confirmed: true; values: Record<string, string> };

let opened = 0;

/**
 * A bottom sheet with several fields (note, reason, party, original ticket) in the same large type and
 * classes as dialog.ts's confirmation sheet, which holds one field at most.
 */
export function openActionSheet(options: SheetOptions): Promise<SheetResult> {
  const id = `sheet-${++opened}`;
  const error = el('p', { id: `${id}-error`, class: 'dialog-error', role: 'alert', hidden: '' });
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>();

  const fields = options.fields.map((field) => {
    const fieldId = `${id}-${field.name}`;
    let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    let extra: HTMLElement | null = null;
    if (field.kind === 'choice') {
      input = el(
        'select',
        { id: fieldId, name: field.name, class: 'dialog-select' },
        ...field.options.map((o) => el('option', { value: o.value }, o.label)),
      );
      if (field.value) input.value = field.value;
    } else if (field.multiline) {
      input = el('textarea', {
        id: fieldId,
        name: field.name,
        class: 'dialog-input',
        rows: '3',
        maxlength: String(field.maxLength),
        placeholder: field.placeholder ?? '',
      });
    } else {
      input = el('input', {
        id: fieldId,
        name: field.name,
        class: 'dialog-line',
        type: 'text',
        maxlength: String(field.maxLength),
        placeholder: field.placeholder ?? '',
        autocomplete: 'off',
      });
      if (field.suggestions?.length) {
        input.setAttribute('list', `${fieldId}-list`);
        extra = el(
          'datalist',
          { id: `${fieldId}-list` },
          ...field.suggestions.map((s) => el('option', { value: s })),
        );
      }
    }
    inputs.set(field.name, input);
    return el(
      'div',
      { class: 'dialog-field', 'data-field': field.name },
      el('label', { for: fieldId, class: 'dialog-label' }, field.label),
      input,
      extra,
    );
  });

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
      class: 'dialog report-sheet',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': `${id}-title`,
      novalidate: '',
    },
    el('h2', { id: `${id}-title`, class: 'dialog-title' }, options.title),
    options.text ? el('p', { class: 'dialog-text' }, options.text) : null,
    ...fields,
    error,
    el('div', { class: 'dialog-actions' }, cancel, confirm),
  );
  const backdrop = el('div', { class: 'dialog-backdrop' }, form);

  const sheet = presentSheet<SheetResult>({
    backdrop,
    cancel,
    focus: inputs.values().next().value ?? confirm,
    signal: options.signal,
    cancelled: { confirmed: false },
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values: Record<string, string> = {};
    for (const field of options.fields) {
      const input = inputs.get(field.name)!;
      const value = input.value.trim();
      const problem =
        field.kind === 'text'
          ? !value
            ? (field.requiredMessage ?? null)
            : (field.check?.(value) ?? null)
          : null;
      if (problem) {
        error.textContent = problem;
        error.hidden = false;
        input.focus();
        return;
      }
      values[field.name] = value;
    }
    sheet.close({ confirmed: true, values });
  });
  return sheet.done;
}
