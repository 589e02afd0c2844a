import type { OutboundContent } from '../../../shared/messages.js';

interface At {
  at?: { atUserIds: string[] };
}
export type DingTalkPayload =
  | ({ msgtype: 'text'; text: { content: string } } & At)
  | ({ msgtype: 'markdown'; markdown: { title: string; text: string } } & At)
  | { msgtype: 'link'; link: { title: string; text: string; messageUrl: string } };

/** DingTalk refuses request bodies over 20,000 bytes (errcode 460101, "message too long"). */
export const MAX_BODY_BYTES = 20_000;
/**
 * What the delivery side may hand over in one message: 6,000 Chinese characters are 18,000 bytes
 * of UTF-8, which leaves room for the JSON around them within MAX_BODY_BYTES.
 */
export const MAX_TEXT_LENGTH = 6_000;

const TITLE_GRAPHEMES = 64;
const ELLIPSIS = '…';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The JSON body for a custom robot or a session webhook. Mentions go both into `at.atUserIds` and
 * into the text as `@id`, which DingTalk requires for the mention to show. Link cards cannot carry
 * mentions, so a link with mentions becomes markdown. Text that would not fit is cut between
 * characters (never inside one) and ends with an ellipsis.
 */
export function renderForDingTalk(
  content: OutboundContent,
  mentions: readonly string[],
  maxBodyBytes = MAX_BODY_BYTES,
): DingTalkPayload {
  const ids = [...new Set(mentions.map((m) => m.trim()).filter(Boolean))];
  const at = ids.length > 0 ? { at: { atUserIds: ids } } : {};
  const missing = (body: string) => ids.filter((id) => !body.includes(`@${id}`)).map((id) => `@${id}`);

  switch (content.kind) {
    case 'text':
    case 'image': {
      const body = content.kind === 'text' ? content.text : content.url;
      const prefix = missing(body).join(' ');
      return fit(body, maxBodyBytes, (text) => ({
        msgtype: 'text',
        text: { content: prefix ? `${prefix} ${text}` : text },
        ...at,
      }));
    }
    case 'markdown':
      return markdown(titleFor(content.title, content.markdown), content.markdown, missing, at, maxBodyBytes);
    case 'link': {
      const title = content.title.trim() || content.url;
      if (ids.length > 0) {
        const label = title.replace(/[[\]]/g, '');
        const body = [`[${label}](${content.url})`, content.description.trim()].filter(Boolean).join('\n\n');
        return markdown(truncateGraphemes(title, TITLE_GRAPHEMES), body, missing, at, maxBodyBytes);
      }
      return fit(content.description.trim() || content.url, maxBodyBytes, (text) => ({
        msgtype: 'link',
        link: { title: truncateGraphemes(title, TITLE_GRAPHEMES), text, messageUrl: content.url },
      }));
    }
  }
}

function markdown(
  title: string,
  body: string,
  missing: (body: string) => string[],
  at: At,
  maxBodyBytes: number,
): DingTalkPayload {
  const tags = missing(body);
  const suffix = tags.length > 0 ? `\n\n${tags.join(' ')}` : '';
  return fit(body, maxBodyBytes, (text) => ({
    msgtype: 'markdown',
    markdown: { title, text: text + suffix },
    ...at,
  }));
}

/** The title shows in the notification and the chat list; DingTalk requires one. */
function titleFor(title: string, markdownText: string): string {
  const fromBody = markdownText
    .split('\n')
    .map((line) => line.replace(/^[\s#>*+-]+/, '').trim())
    .find(Boolean);
  return truncateGraphemes(title.trim() || fromBody || ELLIPSIS, TITLE_GRAPHEMES);
}

function fit(text: string, maxBytes: number, build: (text: string) => DingTalkPayload): DingTalkPayload {
  const size = (payload: DingTalkPayload) => Buffer.byteLength(JSON.stringify(payload), 'utf8');
  const whole = build(text);
  if (size(whole) <= maxBytes) return whole;
  const cut = (end: number) => text.slice(0, end).trimEnd() + ELLIPSIS;
  // The longest prefix that fits; JSON escapes make bytes per character uneven, hence the search.
  let low = 0;
  let high = text.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (size(build(cut(mid))) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  // Moving the cut back to the start of the character it falls in only makes the text shorter.
  return build(cut(graphemeStartAtOrBefore(text, low)));
}

/** The grapheme boundary at or before `index`; segmenting only nearby text keeps long texts cheap. */
function graphemeStartAtOrBefore(text: string, index: number): number {
  const from = Math.max(0, index - 128);
  let start = from;
  for (const { index: offset } of segmenter.segment(text.slice(from, index + 64))) {
    if (from + offset > index) break;
    start = from + offset;
  }
  return start;
}

export function truncateGraphemes(text: string, max: number): string {
  // A grapheme is at least one UTF-16 unit, so short strings need no segmenting.
  if (text.length <= max) return text;
  const kept: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    if (kept.length === max) return kept.slice(0, -1).join('') + ELLIPSIS;
    kept.push(segment);
  }
  return text;
}
