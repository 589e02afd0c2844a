import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/i18n/index.js';
import { parseDeadline, parsePollDraft, voteReplyText } from './poll.command.js';

// 2026-11-25 10:00 in China.
const NOW = new Date('2026-11-25T02:00:00Z');

describe('parsePollDraft', () => {
  it('reads question, lettered options, deadline in China time and bracketed flags', () => {
    const draft = parsePollDraft(
      '小区是否加装充电桩？ A.同意 B、反对 C：弃权 截止 12月1日 18:00 [业主]【匿名】[多选2]',
      NOW,
    );
    expect(draft).toEqual({
      question: '小区是否加装充电桩？',
      options: ['同意', '反对', '弃权'],
      closesAt: new Date('2026-12-01T10:00:00Z'),
      kind: 'poll',
      eligibility: 'owners',
      anonymous: true,
      multi: { max: 2 },
      resultsVisibility: 'afterClose',
      buildings: [],
    });
  });

  it("an owners' vote is per household, never anonymous, and major when flagged", () => {
    const draft = parsePollDraft('续聘物业？ A.同意 B.反对 截止 2026-12-20 [业主表决][重大][匿名][3栋]', NOW);
    expect(draft).toMatchObject({
      kind: 'ownersVote',
      matter: 'major',
      eligibility: 'owners',
      anonymous: false,
      buildings: ['3'],
      closesAt: new Date('2026-12-20T15:59:00Z'),
    });
  });

  it('accepts traditional and English words and full-width punctuation', () => {
    expect(parsePollDraft('要不要？ Ａ．要 Ｂ．不要 截止 12/2 9:30 ［每戶］［黨員］', NOW)).toMatchObject({
      options: ['要', '不要'],
      eligibility: 'household',
    });
    expect(parsePollDraft('Picnic? A. yes B. no closes 12/2 09:30 [party][live]', NOW)).toMatchObject({
      question: 'Picnic?',
      eligibility: 'partyMembers',
      resultsVisibility: 'live',
      closesAt: new Date('2026-12-02T01:30:00Z'),
    });
  });

  it('names what is wrong', () => {
    expect(parsePollDraft('问题 A.是 B.否', NOW)).toBe('badDeadline');
    expect(parsePollDraft('问题 A.是 B.否 截止 明天', NOW)).toBe('badDeadline');
    expect(parsePollDraft('问题 A.是 截止 12月1日', NOW)).toBe('grammar');
    expect(parsePollDraft('问题 A.是 C.否 截止 12月1日', NOW)).toBe('grammar');
    expect(parsePollDraft('A.是 B.否 截止 12月1日', NOW)).toBe('grammar');
    expect(parsePollDraft('问题 A.是 B.否 截止 12月1日 [多选5]', NOW)).toBe('grammar');
    expect(parsePollDraft('问题 A.是 B.否 截止 2025-1-1 10:00', NOW)).toBe('pastDeadline');
  });
});

describe('parseDeadline', () => {
  it('rolls a date without a year that has passed into next year, and refuses impossible dates', () => {
    expect(parseDeadline('1月5日 08:00', NOW)).toEqual(new Date('2027-01-05T00:00:00Z'));
    expect(parseDeadline('2月31日', NOW)).toBeNull();
    expect(parseDeadline('12-1 24:00', NOW)).toBeNull();
  });
});

describe('voteReplyText', () => {
  const t = translator('zh-CN');
  const link = 'https://x/app/#/polls/12';
  it('echoes choices of named polls, never of anonymous ones', () => {
    const cast = { kind: 'cast' as const, choices: ['A', 'C'] };
    expect(voteReplyText(t, { number: 12, anonymous: false }, cast, link)).toBe(
      '已记录您对投票 12 的选择：A、C',
    );
    expect(voteReplyText(t, { number: 12, anonymous: true }, cast, link)).toBe(
      '已记录您对投票 12 的匿名投票',
    );
  });

  it('gives each rejection its own reply', () => {
    const reply = (rejection: Parameters<typeof voteReplyText>[2] & { kind: 'rejected' }) =>
      voteReplyText(t, { number: 12, anonymous: false }, rejection, link);
    expect(reply({ kind: 'rejected', rejection: { kind: 'closed' } })).toBe('投票 12 已经截止');
    expect(reply({ kind: 'rejected', rejection: { kind: 'tooMany', max: 2 } })).toBe('投票 12 最多选 2 项');
    expect(reply({ kind: 'rejected', rejection: { kind: 'badOption', letters: ['X'] } })).toBe(
      '投票 12 没有选项 X',
    );
    expect(reply({ kind: 'rejected', rejection: { kind: 'ineligible', reason: 'notOwner' } })).toBe(
      '投票 12 仅限业主参与',
    );
    expect(reply({ kind: 'rejected', rejection: { kind: 'anonymousInApp' } })).toContain(link);
  });
});
