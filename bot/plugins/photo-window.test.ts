import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../shared/messages.js';
import { PHOTO_WINDOW_MS, PhotoWindow } from './gateway-forwarder.js';

const message = (text: string, overrides: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'wechat',
  accountId: 'wx',
  channelMessageId: 'm',
  groupId: 'g1',
  groupName: 'g',
  senderId: 'alice',
  senderName: 'Alice',
  text,
  mentionsBot: false,
  attachments: [],
  receivedAt: new Date().toISOString(),
  ...overrides,
});
const photo = (overrides: Partial<InboundMessage> = {}) =>
  message('', { attachments: [{ kind: 'image', url: 'wechaty-message:1' }], ...overrides });

describe('PhotoWindow', () => {
  it('forwards a sender’s photos only within two minutes after their report in the same group', () => {
    let now = 1_000_000;
    const window = new PhotoWindow(() => now);
    expect(window.admits(photo())).toBe(false);
    expect(window.admits(message('#报事 电梯坏了'))).toBe(false);
    expect(window.admits(photo())).toBe(true);
    expect(window.admits(photo({ senderId: 'bob' }))).toBe(false);
    expect(window.admits(photo({ groupId: 'g2' }))).toBe(false);
    now += PHOTO_WINDOW_MS + 1;
    expect(window.admits(photo())).toBe(false);
  });
});
