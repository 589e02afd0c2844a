import type { OutboundContent } from '../../../shared/messages.js';

/**
 * Personal WeChat shows plain text only: markdown marks are dropped, link cards and images become
 * their text and URL (WeChat makes bare URLs tappable).
 */
export function renderForWechat(content: OutboundContent): string {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'markdown': {
      const body = stripMarkdown(content.markdown);
      const title = content.title.trim();
      // DingTalk-style titles only label the notification; show it unless the body already starts with it.
      if (!title || body.split('\n', 1)[0]?.trim() === title) return body;
      return `${title}\n${body}`;
    }
    case 'link':
      return [content.title, content.description, content.url]
        .map((part) => part.trim())
        .filter(Boolean)
        .join('\n');
    case 'image':
      return content.url;
  }
}

// Private-use characters delimit protected spans (URLs, code, escapes) while emphasis marks are removed.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');

const FENCE = /^\s*(```|~~~)/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Turns markdown into the plain text a WeChat bubble should show. */
export function stripMarkdown(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const raw of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      out.push(raw);
      continue;
    }
    if (RULE.test(raw)) {
      out.push('');
      continue;
    }
    if (TABLE_DIVIDER.test(raw) && raw.includes('-')) continue;
    out.push(stripLine(raw));
  }
  return out
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function stripLine(line: string): string {
  const kept: string[] = [];
  const protect = (text: string) => `${OPEN}${kept.push(text) - 1}${CLOSE}`;
  let s = line.replace(/[\uE000\uE001]/g, '');

  // Block marks at the start of the line.
  s = s.replace(/^(\s*>\s?)+/, '');
  s = s.replace(/^\s{0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/, '$1');
  s = s.replace(/^(\s*)[-*+]\s+(\[[ xX]\]\s+)?/, '$1• ');
  if (/^\s*\|.*\|\s*$/.test(s)) {
    s = s
      .trim()
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim())
      .join('  ');
  }

  // Inline marks; URLs and code are protected so their `_` and `*` survive.
  s = s.replace(/\\([\\`*_{}[\]()#+\-.!|>~<])/g, (_m, ch: string) => protect(ch));
  s = s.replace(/`([^`]+)`/g, (_m, code: string) => protect(code));
  s = s.replace(/!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, alt: string, url: string) =>
    joinLabel(alt, protect(url), url),
  );
  s = s.replace(/\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, text: string, url: string) =>
    joinLabel(text, protect(url), url),
  );
  s = s.replace(/<((?:https?|mailto):[^>\s]+)>/g, (_m, url: string) => protect(url));
  s = s.replace(/\bhttps?:\/\/[^\s<>"'，。、）)]+/g, (url) => protect(url));
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<\/?[a-zA-Z][^>]*>/g, '');
  s = s.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2');
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1');
  s = s.replace(/\*(?=[^\s*])([^*]*?[^\s*])\*/g, '$1');
  s = s.replace(/(^|[^\p{L}\p{N}_])_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])/gu, '$1$2');

  return s.replace(PLACEHOLDER, (_m, index: string) => kept[Number(index)] ?? '');
}

function joinLabel(label: string, protectedUrl: string, url: string): string {
  const text = label.trim();
  return !text || text === url ? protectedUrl : `${text} ${protectedUrl}`;
}

/**
 * Whether the text @-mentions one of the names, for puppets that report mentions only in the text.
 * WeChat puts U+2005 (four-per-em space) after a mention; people typing by hand use a plain space.
 */
export function textMentionsAny(text: string, names: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return names.some((rawName) => {
    const name = rawName.trim().toLowerCase();
    if (!name) return false;
    const token = `@${name}`;
    for (let at = lower.indexOf(token); at !== -1; at = lower.indexOf(token, at + 1)) {
      const before = at === 0 ? '' : lower[at - 1];
      const after = lower[at + token.length];
      if ((before === '' || /\s/.test(before ?? '')) && (after === undefined || /\s/.test(after)))
        return true;
    }
    return false;
  });
}
