import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_TEXT_LENGTH, renderForDingTalk, truncateGraphemes } from './dingtalk-render.js';

const bytes = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload), 'utf8');

describe('renderForDingTalk', () => {
  it('sends text as is without mentions', () => {
    expect(renderForDingTalk({ kind: 'text', text: '已收到，谢谢' }, [])).toEqual({
      msgtype: 'text',
      text: { content: '已收到，谢谢' },
    });
  });

  it('puts mentions in at.atUserIds and as @id in the text, once', () => {
    expect(
      renderForDingTalk({ kind: 'text', text: '请@staff2 跟进' }, ['staff1', 'staff2', 'staff1']),
    ).toEqual({
      msgtype: 'text',
      text: { content: '@staff1 请@staff2 跟进' },
      at: { atUserIds: ['staff1', 'staff2'] },
    });
  });

  it('sends markdown with its title, or a title taken from the first line', () => {
    expect(
      renderForDingTalk({ kind: 'markdown', title: '停水通知', markdown: '**明天**停水' }, ['u1']),
    ).toEqual({
      msgtype: 'markdown',
      markdown: { title: '停水通知', text: '**明天**停水\n\n@u1' },
      at: { atUserIds: ['u1'] },
    });
    const untitled = renderForDingTalk(
      { kind: 'markdown', title: ' ', markdown: '\n## 业主大会\n15日召开' },
      [],
    );
    expect(untitled).toEqual({
      msgtype: 'markdown',
      markdown: { title: '业主大会', text: '\n## 业主大会\n15日召开' },
    });
  });

  it('sends a link card, or markdown when someone must be mentioned', () => {
    const link = {
      kind: 'link',
      title: '投票',
      description: '点此投票',
      url: 'https://x.example/p/1',
    } as const;
    expect(renderForDingTalk(link, [])).toEqual({
      msgtype: 'link',
      link: { title: '投票', text: '点此投票', messageUrl: 'https://x.example/p/1' },
    });
    expect(renderForDingTalk(link, ['u9'])).toEqual({
      msgtype: 'markdown',
      markdown: { title: '投票', text: '[投票](https://x.example/p/1)\n\n点此投票\n\n@u9' },
      at: { atUserIds: ['u9'] },
    });
  });

  it('turns an image into its link, as the capabilities promise no images', () => {
    expect(renderForDingTalk({ kind: 'image', url: 'https://x.example/a.png' }, [])).toEqual({
      msgtype: 'text',
      text: { content: 'https://x.example/a.png' },
    });
  });

  it('keeps text of the advertised maximum length whole', () => {
    const text = '长'.repeat(MAX_TEXT_LENGTH);
    const payload = renderForDingTalk({ kind: 'text', text }, ['someone']);
    expect(payload).toMatchObject({ text: { content: `@someone ${text}` } });
    expect(bytes(payload)).toBeLessThanOrEqual(MAX_BODY_BYTES);
  });

  it('cuts longer text between characters, ending in an ellipsis, within the body limit', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = `${'通知'.repeat(3_000)}${family.repeat(2_000)}`;
    const payload = renderForDingTalk({ kind: 'text', text }, ['u1']);
    expect(payload.msgtype).toBe('text');
    const content = payload.msgtype === 'text' ? payload.text.content : '';
    expect(bytes(payload)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(bytes(payload)).toBeGreaterThan(MAX_BODY_BYTES - 40);
    expect(content.startsWith('@u1 通知')).toBe(true);
    expect(content.endsWith(`${family}…`)).toBe(true);
    expect(
      content
        .slice(0, -1)
        .split(family)
        .slice(1)
        .every((part) => part === ''),
    ).toBe(true);
  });

  it('never cuts inside a character made of several code points, whatever the budget', () => {
    const family = '👨‍👩‍👧‍👦';
    for (let budget = 60; budget < 400; budget += 1) {
      const payload = renderForDingTalk({ kind: 'text', text: family.repeat(20) }, [], budget);
      const content = payload.msgtype === 'text' ? payload.text.content : '';
      expect(bytes(payload)).toBeLessThanOrEqual(budget);
      expect(content.endsWith('…')).toBe(true);
      expect(content.slice(0, -1).replaceAll(family, ''), `budget ${budget}`).toBe('');
    }
  });

  it('keeps the mentions of cut markdown, which follow the text', () => {
    const payload = renderForDingTalk(
      { kind: 'markdown', title: 't', markdown: 'm'.repeat(30_000) },
      ['u1'],
      2_000,
    );
    expect(bytes(payload)).toBeLessThanOrEqual(2_000);
    expect(payload).toMatchObject({ msgtype: 'markdown', at: { atUserIds: ['u1'] } });
    expect(payload.msgtype === 'markdown' && payload.markdown.text.endsWith('…\n\n@u1')).toBe(true);
  });

  it('counts JSON escapes when cutting', () => {
    const payload = renderForDingTalk({ kind: 'text', text: '\u0001'.repeat(5_000) }, [], 1_000);
    expect(bytes(payload)).toBeLessThanOrEqual(1_000);
  });
});

describe('truncateGraphemes', () => {
  it('never splits a character made of several code points', () => {
    expect(truncateGraphemes('🇨🇳🇨🇳🇨🇳', 2)).toBe('🇨🇳…');
    expect(truncateGraphemes('短', 2)).toBe('短');
  });
});
