import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/i18n/index.js';
import { ackReplyText, parseNoticeScope } from './notice.command.js';

describe('parseNoticeScope', () => {
  it('reads the whole community in every language', () => {
    for (const word of ['全部', '全体', '全體', 'ALL'])
      expect(parseNoticeScope(word, '周六消防演练')).toEqual({
        target: { kind: 'community' },
        text: '周六消防演练',
      });
  });

  it('reads buildings in simplified, traditional and English forms', () => {
    expect(parseNoticeScope('3栋', 'x').target).toEqual({ kind: 'building', building: '3' });
    expect(parseNoticeScope('12號樓', 'x').target).toEqual({ kind: 'building', building: '12' });
    expect(parseNoticeScope('Building', '3 lift repair')).toEqual({
      target: { kind: 'building', building: '3' },
      text: 'lift repair',
    });
  });

  it('takes anything else as a group name', () => {
    expect(parseNoticeScope('3栋邻里群', 'x').target).toEqual({ kind: 'group', name: '3栋邻里群' });
    expect(parseNoticeScope('building', 'lift').target).toEqual({ kind: 'group', name: 'building' });
  });
});

describe('ackReplyText', () => {
  const t = translator('zh-CN');

  it('confirms, repeats and hints in the group language', () => {
    expect(ackReplyText(t, { kind: 'acked', number: 3 }, true)).toBe('已确认收到通知 N3，谢谢！');
    expect(ackReplyText(t, { kind: 'duplicate', number: 3 }, false)).toContain('已经确认过通知 N3');
    expect(ackReplyText(translator('en'), { kind: 'unbound' }, true)).toContain('#bind');
  });

  it('stays silent on a bare 1 when the group has no notice', () => {
    expect(ackReplyText(t, { kind: 'noNotice' }, false)).toBeNull();
    expect(ackReplyText(t, { kind: 'noNotice' }, true)).toBe('这个群最近没有需要确认的通知');
  });
});
