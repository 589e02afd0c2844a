const escape = (value: string) =>
  value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

// XML 1.0 cannot carry most control characters at all, escaped or not.
const stripControl = (text: string) =>
  Array.from(text)
    .filter((c) => {
      const code = c.codePointAt(0)!;
      return code >= 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
    })
    .join('');

function element(name: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return `<${name}/>`;
  if (Array.isArray(value))
    return `<${name}>${value.map((v) => element(name.replace(/s$/, ''), v)).join('')}</${name}>`;
  if (typeof value === 'object')
    return `<${name}>${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => element(k, v))
      .join('')}</${name}>`;
  return `<${name}>${escape(stripControl(String(value)))}</${name}>`;
}

/**
 * The spec's XML: `<?xml …?><root><item>…</item>…</root>` for lists, or `<root>…</root>` for one object
 * when `item` is null. Keys come from our own presenters, never from user input.
 */
export function toXml(root: string, item: string | null, body: unknown): string {
  const inner =
    item === null
      ? Object.entries(body as Record<string, unknown>)
          .map(([k, v]) => element(k, v))
          .join('')
      : (body as unknown[]).map((entry) => element(item, entry)).join('');
  return `<?xml version="1.0" encoding="utf-8"?><${root}>${inner}</${root}>`;
}
