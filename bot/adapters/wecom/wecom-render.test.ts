import { describe, expect, it } from 'vitest';
import {
  markdownLink,
  MARKDOWN_MAX_BYTES,
  renderForResponseUrl,
  renderForRobot,
  renderMarkdown,
  TEXT_MAX_BYTES,
  truncateUtf8,
} from './wecom-render.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('truncateUtf8', () => {
  it('leaves text within the limit alone', () => {
    expect(truncateUtf8('停水通知', 12)).toBe('停水通知');
  });

  it('cuts between whole characters, never inside a CJK character or an emoji, and ends with …', () => {
    expect(truncateUtf8('停水通知', 11)).toBe('停水…');
    const cut = truncateUtf8('a🚧🚧🚧', 10);
    expect(cut).toBe('a🚧…');
    expect(bytes(cut)).toBeLessThanOrEqual(10);
    const long = truncateUtf8('电'.repeat(1_000), TEXT_MAX_BYTES);
    expect(bytes(long)).toBeLessThanOrEqual(TEXT_MAX_BYTES);
    expect(long.endsWith('电…')).toBe(true);
  });
});

describe('markdownLink', () => {
  it('writes [title](url), keeping brackets in the title and parentheses in the URL harmless', () => {
    expect(markdownLink('业主大会投票', 'https://app.test/p/12')).toBe(
      '[业主大会投票](https://app.test/p/12)',
    );
    expect(markdownLink('[重要] 通知', 'https://app.test/a (1)')).toBe(
      '[［重要］ 通知](https://app.test/a%20%281%29)',
    );
    expect(markdownLink(' ', 'https://app.test/x')).toBe('[https://app.test/x](https://app.test/x)');
  });
});

describe('renderMarkdown', () => {
  it('puts the title first in bold unless the body already starts with it', () => {
    expect(renderMarkdown({ kind: 'markdown', title: '停水通知', markdown: '周六 **9:00** 停水' })).toBe(
      '**停水通知**\n周六 **9:00** 停水',
    );
    expect(renderMarkdown({ kind: 'markdown', title: '停水通知', markdown: '### 停水通知\n周六停水' })).toBe(
      '### 停水通知\n周六停水',
    );
    expect(renderMarkdown({ kind: 'markdown', title: '', markdown: '周六停水' })).toBe('周六停水');
  });

  it('renders a link card as a markdown link with its description below', () => {
    expect(
      renderMarkdown({
        kind: 'link',
        title: '投票',
        description: '截止本月30日',
        url: 'https://app.test/p/12',
      }),
    ).toBe('[投票](https://app.test/p/12)\n截止本月30日');
    expect(
      renderMarkdown({ kind: 'link', title: '投票', description: ' ', url: 'https://app.test/p/12' }),
    ).toBe('[投票](https://app.test/p/12)');
  });
});

describe('renderForRobot', () => {
  it('sends text with mentioned_list, and without it when nobody is mentioned', () => {
    expect(renderForRobot({ kind: 'text', text: '收到' }, ['zhangsan'])).toEqual({
      msgtype: 'text',
      text: { content: '收到', mentioned_list: ['zhangsan'] },
    });
    expect(renderForRobot({ kind: 'text', text: '收到' }, [])).toEqual({
      msgtype: 'text',
      text: { content: '收到' },
    });
  });

  it('mentions in markdown with <@userid>, and renders links and titles as markdown', () => {
    expect(
      renderForRobot({ kind: 'link', title: '确认', description: '', url: 'https://app.test/a' }, ['a', 'b']),
    ).toEqual({
      msgtype: 'markdown',
      markdown: { content: '<@a> <@b>\n[确认](https://app.test/a)' },
    });
  });

  it('sends an image as its URL in text', () => {
    expect(renderForRobot({ kind: 'image', url: 'https://img.test/1.png' }, [])).toEqual({
      msgtype: 'text',
      text: { content: 'https://img.test/1.png' },
    });
  });

  it('keeps text within 2048 bytes and markdown within 4096, mentions included', () => {
    const text = renderForRobot({ kind: 'text', text: '楼'.repeat(3_000) }, []);
    expect(text.msgtype === 'text' && bytes(text.text.content)).toBeLessThanOrEqual(TEXT_MAX_BYTES);
    const md = renderForRobot({ kind: 'markdown', title: '', markdown: '楼'.repeat(3_000) }, ['zhangsan']);
    expect(md.msgtype === 'markdown' && md.markdown.content.startsWith('<@zhangsan>\n楼')).toBe(true);
    expect(md.msgtype === 'markdown' && bytes(md.markdown.content)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
  });
});

describe('renderForResponseUrl', () => {
  it('answers in markdown whatever the content', () => {
    expect(renderForResponseUrl({ kind: 'text', text: '已记录您的意见' })).toEqual({
      msgtype: 'markdown',
      markdown: { content: '已记录您的意见' },
    });
  });
});
