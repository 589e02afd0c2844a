import { describe, expect, it } from 'vitest';
import { translator } from '../../../shared/i18n/index.js';
import { cancelReplyText, checkinReplyText, signupReplyText } from './event.command.js';

const facts = { number: 7, title: '垃圾分类宣传', time: '2026-12-05 09:00-11:00', place: '社区广场' };
const zh = translator('zh-CN');
const en = translator('en');
const tw = translator('zh-TW');

describe('event talkers', () => {
  it('says signed up, waitlisted with the position, and already signed up', () => {
    expect(signupReplyText(zh, facts, { status: 'confirmed', position: null, duplicate: false })).toBe(
      '已报名活动 7「垃圾分类宣传」：2026-12-05 09:00-11:00，地点：社区广场',
    );
    expect(signupReplyText(zh, facts, { status: 'waitlisted', position: 2, duplicate: false })).toContain(
      '候补第 2 位',
    );
    expect(signupReplyText(en, facts, { status: 'confirmed', position: null, duplicate: true })).toBe(
      'You are already signed up for event 7 "垃圾分类宣传"',
    );
    expect(signupReplyText(tw, facts, { status: 'waitlisted', position: 1, duplicate: true })).toBe(
      '您已在活動 7 的候補第 1 位',
    );
  });

  it('says cancelled, or that there was no sign-up', () => {
    expect(cancelReplyText(zh, facts, { cancelled: true, promoted: true })).toBe(
      '已取消活动 7「垃圾分类宣传」的报名',
    );
    expect(cancelReplyText(en, facts, { cancelled: false, promoted: false })).toBe(
      'You are not signed up for event 7',
    );
  });

  it('gives each check-in refusal its own reason, and the points on success', () => {
    const reasons = (['expired', 'forged', 'reused', 'notSignedUp', 'notOpen', 'closed'] as const).map(
      (reason) => checkinReplyText(zh, facts, { ok: false, reason }),
    );
    expect(new Set(reasons).size).toBe(reasons.length);
    expect(reasons[0]).toBe('活动 7 签到失败：签到码已过期，请扫描最新的二维码');
    expect(checkinReplyText(zh, facts, { ok: true, points: 20, serviceMinutes: 0 })).toBe(
      '签到成功：活动 7「垃圾分类宣传」，获得 20 积分',
    );
    expect(checkinReplyText(en, facts, { ok: true, points: 20, serviceMinutes: 120 })).toContain(
      '120 volunteer minutes',
    );
    expect(checkinReplyText(en, facts, { ok: true, points: 0, serviceMinutes: 0 })).toBe(
      'Checked in: event 7 "垃圾分类宣传"',
    );
  });
});
