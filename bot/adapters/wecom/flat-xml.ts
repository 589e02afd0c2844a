/**
 * WeCom's callback XML is one `<xml>` element holding named fields, each CDATA or plain text. This reads
 * exactly that and nothing more: no DTD, no custom entities (only the five predefined ones and numeric
 * references), no attributes. Nested elements (some event types have them) are skipped, not read.
 */

const NAME = /^[A-Za-z_][\w.-]{0,63}/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MAX_DEPTH = 8;
const MARKUP = /[<&]/g;

export class FlatXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlatXmlError';
  }
}

/** Field name → text of the `<xml>` root's children; throws FlatXmlError on anything unexpected. */
export function parseFlatXml(input: string): Map<string, string> {
  let at = 0;
  const fail = (what: string): never => {
    throw new FlatXmlError(`${what} at ${at}`);
  };
  const skipSpace = () => {
    while (at < input.length && /\s/.test(input[at]!)) at++;
  };
  const expect = (literal: string) => {
    if (!input.startsWith(literal, at)) fail(`expected ${literal}`);
    at += literal.length;
  };
  const name = (): string => {
    const match = NAME.exec(input.slice(at, at + 64));
    if (!match) return fail('expected an element name');
    at += match[0].length;
    return match[0];
  };

  /** Reads `<name>…</name>` content after the open tag; returns the text, or null for nested elements. */
  const content = (tag: string, depth: number): string | null => {
    let text = '';
    let nested = false;
    for (;;) {
      if (at >= input.length) fail(`unclosed <${tag}>`);
      if (input.startsWith('<![CDATA[', at)) {
        const end = input.indexOf(']]>', at + 9);
        if (end < 0) fail('unclosed CDATA');
        text += input.slice(at + 9, end);
        at = end + 3;
      } else if (input.startsWith('</', at)) {
        at += 2;
        if (name() !== tag) fail(`mismatched </…> for <${tag}>`);
        skipSpace();
        expect('>');
        return nested ? null : text;
      } else if (input[at] === '<') {
        if (input.startsWith('<!--', at)) {
          const end = input.indexOf('-->', at + 4);
          if (end < 0) fail('unclosed comment');
          at = end + 3;
          continue;
        }
        if (input[at + 1] === '!' || input[at + 1] === '?') fail('declarations are not allowed');
        if (depth >= MAX_DEPTH) fail('too deeply nested');
        nested = true;
        element(depth + 1);
      } else if (input[at] === '&') {
        text += entity();
      } else {
        MARKUP.lastIndex = at;
        const end = MARKUP.exec(input)?.index ?? input.length;
        text += input.slice(at, end);
        at = end;
      }
    }
  };

  const entity = (): string => {
    const end = input.indexOf(';', at);
    if (end < 0 || end - at > 10) fail('bad entity');
    const ref = input.slice(at + 1, end);
    at = end + 1;
    const predefined = PREDEFINED[ref];
    if (predefined !== undefined) return predefined;
    const code = /^#x[0-9a-f]{1,6}$/i.test(ref)
      ? parseInt(ref.slice(2), 16)
      : /^#\d{1,7}$/.test(ref)
        ? parseInt(ref.slice(1), 10)
        : NaN;
    if (!Number.isInteger(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return fail(`entity &${ref}; is not allowed`);
    }
    return String.fromCodePoint(code);
  };

  /** Reads one element starting at `<`; returns its name and text (null when it has child elements). */
  const element = (depth: number): [string, string | null] => {
    expect('<');
    const tag = name();
    skipSpace();
    if (input.startsWith('/>', at)) {
      at += 2;
      return [tag, ''];
    }
    expect('>');
    return [tag, content(tag, depth)];
  };

  skipSpace();
  if (input.startsWith('<?xml', at)) {
    const end = input.indexOf('?>', at);
    if (end < 0) fail('unclosed declaration');
    at = end + 2;
    skipSpace();
  }
  expect('<xml>');
  const fields = new Map<string, string>();
  const seen = new Set<string>();
  for (;;) {
    skipSpace();
    if (input.startsWith('</xml>', at)) {
      at += 6;
      break;
    }
    if (input.startsWith('<!--', at)) {
      const end = input.indexOf('-->', at + 4);
      if (end < 0) fail('unclosed comment');
      at = end + 3;
      continue;
    }
    if (input[at] !== '<' || input[at + 1] === '!' || input[at + 1] === '?' || input[at + 1] === '/') {
      fail('expected a field element');
    }
    const [tag, text] = element(1);
    if (seen.has(tag)) fail(`duplicate <${tag}>`);
    seen.add(tag);
    if (text !== null) fields.set(tag, text);
  }
  skipSpace();
  if (at !== input.length) fail('content after </xml>');
  return fields;
}
