import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/i18n/index.js';
import {
  commandErrorText,
  commandWord,
  helpText,
  notYetAvailableText,
  opinionRecordedText,
  unknownCommandText,
} from './talkers.js';

const zh = translator('zh-CN');
const tw = translator('zh-TW');
const en = translator('en');

describe('talkers', () => {
  it('names the command word in the reply language', () => {
    expect(commandWord(zh, 'signup')).toBe('#报名');
    expect(commandWord(tw, 'signup')).toBe('#報名');
    expect(commandWord(en, 'signup')).toBe('#signup');
  });

  it('confirms an opinion with its code and translated category', () => {
    expect(opinionRecordedText(zh, 12, 'transport')).toBe('已记下您的意见（Y12，交通），谢谢！');
    expect(opinionRecordedText(en, 12, 'lowCarbon')).toBe('Noted your opinion (Y12, Low-carbon). Thank you!');
  });

  it('explains a bad argument with an example of the right form', () => {
    expect(commandErrorText(zh, 'signup', 'badNumber')).toBe('格式不对，例如：#报名 7');
    expect(commandErrorText(en, 'status', 'missingArgument')).toBe(
      'Something is missing, e.g. #status R1024',
    );
    expect(commandErrorText(zh, 'opinion', 'empty')).toContain('#意见');
  });

  it('keeps chat replies to one line except help', () => {
    for (const t of [zh, tw, en]) {
      expect(unknownCommandText(t, '不存在')).not.toContain('\n');
      expect(notYetAvailableText(t, 'points')).not.toContain('\n');
      expect(helpText(t).split('\n').length).toBeGreaterThan(5);
    }
  });
});
