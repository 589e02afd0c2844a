/**
 * `attachment` with the name in UTF-8 (RFC 6266 with RFC 5987 `filename*`) and an ASCII `filename`
 * for clients that read only that, so Chinese file names survive every browser.
 */
export function attachment(filename: string, asciiFallback: string): string {
  const safe = Array.from(filename, (c) => (isControl(c) || c === '/' || c === '\\' ? '_' : c)).join('');
  const ascii = Array.from(asciiFallback, (c) => (/^[\x20-\x7e]$/.test(c) && !'"\\/'.includes(c) ? c : '_'));
  return `attachment; filename="${ascii.join('')}"; filename*=UTF-8''${encodeRfc5987(safe)}`;
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}

/** Percent-encodes everything outside RFC 5987's attr-char; encodeURIComponent leaves `'()*` as they are. */
function encodeRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
