import { describe, expect, it } from 'vitest';
import { renderForWechat, stripMarkdown, textMentionsAny } from './render.js';

describe('renderForWechat', () => {
  it('sends text unchanged', () => {
    expect(renderForWechat({ kind: 'text', text: '#积分 **不是** markdown' })).toBe(
      '#积分 **不是** markdown',
    );
  });

  it('puts the markdown title first unless the body already starts with it', () => {
    expect(renderForWechat({ kind: 'markdown', title: '停水通知', markdown: '周六 **9:00** 停水' })).toBe(
      '停水通知\n周六 9:00 停水',
    );
    expect(renderForWechat({ kind: 'markdown', title: '停水通知', markdown: '### 停水通知\n周六停水' })).toBe(
      '停水通知\n周六停水',
    );
    expect(renderForWechat({ kind: 'markdown', title: ' ', markdown: '周六停水' })).toBe('周六停水');
  });

  it('turns a link card into title, description and URL lines', () => {
    expect(
      renderForWechat({
        kind: 'link',
        title: '业主大会投票',
        description: '截止本月30日',
        url: 'https://app.test/p/12',
      }),
    ).toBe('业主大会投票\n截止本月30日\nhttps://app.test/p/12');
    expect(
      renderForWechat({ kind: 'link', title: '投票', description: '', url: 'https://app.test/p/12' }),
    ).toBe('投票\nhttps://app.test/p/12');
  });

  it('sends an image as its URL', () => {
    expect(renderForWechat({ kind: 'image', url: 'https://app.test/i/1.png' })).toBe(
      'https://app.test/i/1.png',
    );
  });
});

describe('stripMarkdown', () => {
  it('drops headings, emphasis, quotes and strike-through', () => {
    expect(stripMarkdown('# 通知\n> **重要**：本周*六*停水\n~~周日~~ __全天__')).toBe(
      '通知\n重要：本周六停水\n周日 全天',
    );
  });

  it('writes links as text then URL, keeping URL characters intact', () => {
    expect(stripMarkdown('[点此确认](https://app.test/a_b_c?x=*1*) 或 <https://app.test/x_y_z>')).toBe(
      '点此确认 https://app.test/a_b_c?x=*1* 或 https://app.test/x_y_z',
    );
    expect(stripMarkdown('[https://app.test/n](https://app.test/n)')).toBe('https://app.test/n');
    expect(stripMarkdown('![门禁照片](https://img.test/gate_1.jpg)')).toBe(
      '门禁照片 https://img.test/gate_1.jpg',
    );
    expect(stripMarkdown('see https://app.test/__init__ now')).toBe('see https://app.test/__init__ now');
  });

  it('turns list items into bullets and keeps numbered lists', () => {
    expect(stripMarkdown('- 带身份证\n* 带户口本\n+ [x] 已缴费\n1. 先登记\n2. 再领取')).toBe(
      '• 带身份证\n• 带户口本\n• 已缴费\n1. 先登记\n2. 再领取',
    );
  });

  it('keeps code content and escaped characters, drops fences and HTML tags', () => {
    expect(
      stripMarkdown(
        '用 `#报事` 上报\n```\n#报事 3栋电梯\n```\n\\*不是强调\\* <font color="warning">紧急</font>',
      ),
    ).toBe('用 #报事 上报\n#报事 3栋电梯\n*不是强调* 紧急');
  });

  it('flattens tables and rules, and keeps snake_case words', () => {
    expect(stripMarkdown('| 楼栋 | 时间 |\n|---|:---:|\n| 3栋 | 9:00 |\n\n---\n\n\n\nfile_name_here')).toBe(
      '楼栋  时间\n3栋  9:00\n\nfile_name_here',
    );
  });
});

describe('textMentionsAny', () => {
  const names = ['社区小助手', 'Community Helper'];

  it('finds @name at the start, after a space, and before U+2005, a space or the end', () => {
    expect(textMentionsAny('@社区小助手\u2005电梯坏了', names)).toBe(true);
    expect(textMentionsAny('电梯坏了 @社区小助手', names)).toBe(true);
    expect(textMentionsAny('@community helper #points', names)).toBe(true);
  });

  it('ignores other names, names glued to text, and e-mail addresses', () => {
    expect(textMentionsAny('@社区小助手们 大家好', names)).toBe(false);
    expect(textMentionsAny('mail me@社区小助手 now', names)).toBe(false);
    expect(textMentionsAny('@王阿姨 收到', names)).toBe(false);
    expect(textMentionsAny('@ 电梯', ['', ' '])).toBe(false);
  });
});
