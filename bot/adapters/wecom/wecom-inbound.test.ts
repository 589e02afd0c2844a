import { describe, expect, it } from 'vitest';
import { inboundMessageSchema } from '../../../shared/messages.js';
import {
  MalformedMessageError,
  normaliseAppMessage,
  normaliseRobotMessage,
  stripLeadingMention,
} from './wecom-inbound.js';

const NOW = Date.parse('2025-06-01T08:00:00Z');
const appFields = (extra: Record<string, string>) =>
  new Map(
    Object.entries({ ToUserName: 'corp', FromUserName: 'zhangsan', CreateTime: '1748764800', ...extra }),
  );

describe('normaliseAppMessage', () => {
  it('turns a text message into a private, addressed InboundMessage', () => {
    const result = normaliseAppMessage(
      appFields({ MsgType: 'text', Content: '#积分', MsgId: '4561255354251345929' }),
      'wecom',
      NOW,
    );
    expect(result).toEqual({
      responseUrl: null,
      message: {
        channel: 'wecom',
        accountId: 'wecom',
        channelMessageId: '4561255354251345929',
        groupId: null,
        groupName: null,
        senderId: 'zhangsan',
        senderName: 'zhangsan',
        text: '#积分',
        mentionsBot: true,
        attachments: [],
        receivedAt: '2025-06-01T08:00:00.000Z',
      },
    });
    if ('message' in result) expect(inboundMessageSchema.safeParse(result.message).success).toBe(true);
  });

  it('keeps a chat id and an image URL, and falls back to now for a bad CreateTime', () => {
    const result = normaliseAppMessage(
      appFields({
        MsgType: 'image',
        PicUrl: 'https://wework.qpic.cn/p/1',
        MediaId: 'm',
        MsgId: '7',
        ChatId: 'wrChat',
        CreateTime: 'x',
      }),
      'wecom',
      NOW,
    );
    expect(result).toMatchObject({
      message: {
        groupId: 'wrChat',
        text: '',
        attachments: [{ kind: 'image', url: 'https://wework.qpic.cn/p/1' }],
        receivedAt: new Date(NOW).toISOString(),
      },
    });
  });

  it('ignores events and other message types, and refuses text without sender or id', () => {
    expect(normaliseAppMessage(appFields({ MsgType: 'event', Event: 'enter_agent' }), 'wecom', NOW)).toEqual({
      ignored: 'app event message',
    });
    expect(() => normaliseAppMessage(appFields({ MsgType: 'text', Content: 'x' }), 'wecom', NOW)).toThrow(
      MalformedMessageError,
    );
    expect(() =>
      normaliseAppMessage(
        new Map([
          ['MsgType', 'text'],
          ['MsgId', '1'],
        ]),
        'wecom',
        NOW,
      ),
    ).toThrow(MalformedMessageError);
  });
});

describe('normaliseRobotMessage', () => {
  const robot = (extra: object) => ({
    msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
    aibotid: 'AIBOTID',
    from: { userid: 'lisi' },
    response_url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC',
    msgtype: 'text',
    text: { content: '@RobotA hello robot' },
    ...extra,
  });

  it('takes the documented group text message, strips the mention and keeps the response_url', () => {
    const result = normaliseRobotMessage(robot({ chatid: 'CHATID', chattype: 'group' }), 'wecom', [], NOW);
    expect(result).toEqual({
      responseUrl: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC',
      message: {
        channel: 'wecom',
        accountId: 'wecom',
        channelMessageId: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
        groupId: 'CHATID',
        groupName: null,
        senderId: 'lisi',
        senderName: 'lisi',
        text: 'hello robot',
        mentionsBot: true,
        attachments: [],
        receivedAt: new Date(NOW).toISOString(),
      },
    });
  });

  it('treats a single chat as private and ignores non-text messages', () => {
    expect(
      normaliseRobotMessage(robot({ chattype: 'single', text: { content: '#积分' } }), 'wecom', [], NOW),
    ).toMatchObject({ message: { groupId: null, text: '#积分' } });
    expect(normaliseRobotMessage(robot({ msgtype: 'image', image: { url: 'u' } }), 'wecom', [], NOW)).toEqual(
      {
        ignored: 'robot image message',
      },
    );
  });

  it('refuses a message that does not match the documented shape', () => {
    for (const bad of [null, 'text', robot({ from: {} }), robot({ msgid: '' }), robot({ text: undefined })]) {
      expect(() => normaliseRobotMessage(bad, 'wecom', [], NOW)).toThrow(MalformedMessageError);
    }
  });
});

describe('stripLeadingMention', () => {
  it('removes the first leading @word when the robot name is unknown', () => {
    expect(stripLeadingMention('@社区小助手\u2005#报事 3栋电梯坏了', [])).toBe('#报事 3栋电梯坏了');
    expect(stripLeadingMention('  @RobotA   hello', [])).toBe('hello');
    expect(stripLeadingMention('@RobotA', [])).toBe('');
    expect(stripLeadingMention('hello @RobotA', [])).toBe('hello @RobotA');
  });

  it('removes a known name even with spaces or text glued on, and nothing else', () => {
    const names = ['Community Helper', '小助手'];
    expect(stripLeadingMention('@community helper #points', names)).toBe('#points');
    expect(stripLeadingMention('@小助手电梯坏了', names)).toBe('电梯坏了');
    expect(stripLeadingMention('@王阿姨 收到', names)).toBe('@王阿姨 收到');
  });
});
