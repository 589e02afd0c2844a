import type { OutboundContent } from '../../../shared/messages.js';

/** Group-robot limits (消息推送配置说明): text content at most 2048 bytes, markdown at most 4096, UTF-8. */
export const TEXT_MAX_BYTES = 2048;
export const MARKDOWN_MAX_BYTES = 4096;

const ELLIPSIS = '…';

export type RobotPayload = (
  | { msgtype: 'text'; text: { content: string; mentioned_list?: string[] } }
  | { msgtype: 'markdown'; markdown: { content: string } }
) & { chatid?: string };

/** Cuts to at most `maxBytes` of UTF-8 between whole code points, ending with `…` when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (used + size > budget) break;
    used += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

const escapeParen = (ch: string) => (ch === '(' ? '%28' : '%29');

/** `[title](url)`, with brackets in the title and parentheses or spaces in the URL made harmless. */
export function markdownLink(title: string, url: string): string {
  const label = title.trim().replace(/\[/g, '［').replace(/\]/g, '］') || url;
  const target = url.trim().replace(/[()\s]/g, (ch) => encodeURIComponent(ch).replace(/[()]/g, escapeParen));
  return `[${label}](${target})`;
}

/** Markdown body for content that is not plain text; the title leads unless the body already starts with it. */
export function renderMarkdown(content: OutboundContent): string {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'markdown': {
      const title = content.title.trim();
      const firstLine = content.markdown.trimStart().split('\n', 1)[0] ?? '';
      if (!title || firstLine.replace(/^#+\s*|\*\*/g, '').trim() === title) return content.markdown;
      return `**${title}**\n${content.markdown}`;
    }
    case 'link': {
      const description = content.description.trim();
      return description
        ? `${markdownLink(content.title, content.url)}\n${description}`
        : markdownLink(content.title, content.url);
    }
    case 'image':
      return content.url;
  }
}

/**
 * A group-robot webhook body. Text keeps `mentioned_list`; markdown mentions with the documented
 * `<@userid>` syntax. Images are not among the robot's markdown features, so they go as their URL.
 */
export function renderForRobot(content: OutboundContent, mentions: readonly string[]): RobotPayload {
  if (content.kind === 'text' || content.kind === 'image') {
    const text = content.kind === 'text' ? content.text : content.url;
    return {
      msgtype: 'text',
      text: {
        content: truncateUtf8(text, TEXT_MAX_BYTES),
        ...(mentions.length > 0 ? { mentioned_list: [...mentions] } : {}),
      },
    };
  }
  const prefix = mentions.length > 0 ? `${mentions.map((id) => `<@${id}>`).join(' ')}\n` : '';
  const body = truncateUtf8(renderMarkdown(content), MARKDOWN_MAX_BYTES - Buffer.byteLength(prefix, 'utf8'));
  return { msgtype: 'markdown', markdown: { content: `${prefix}${body}` } };
}

/** An intelligent-robot `response_url` reply, which takes markdown (主动回复消息). */
export function renderForResponseUrl(content: OutboundContent): RobotPayload {
  return {
    msgtype: 'markdown',
    markdown: { content: truncateUtf8(renderMarkdown(content), MARKDOWN_MAX_BYTES) },
  };
}
