import { describe, expect, it } from 'vitest';
import { inboundMessageSchema } from '../../../shared/messages.js';
import { DINGTALK_DOWNLOAD_REF, robotMessageSchema, toInboundMessage } from './dingtalk-message.js';

const CREATED = Date.UTC(2025, 5, 1, 8, 30, 0);

/** Shaped like DingTalk's sample robot message, group chat by default. */
function robotMessage(fields: Record<string, unknown> = {}) {
  return robotMessageSchema.parse({
    msgId: 'msgBjXREkdlZkfTfrIiQomjAw==',
    msgtype: 'text',
    text: { content: ' 你好' },
    conversationId: 'cidh6ezDLHQau9V23Es/xSLNoiDDmPuN354KylQ2BaIhuM=',
    conversationType: '2',
    conversationTitle: '机器人测试-TEST',
    senderId: '$:LWCP_v1:$gzXDEXQDiM8piyLH4HRRcg==',
    senderStaffId: '032615015535634423',
    senderNick: '赵文浩',
    chatbotCorpId: 'dinge19e25c0b3f73fd635c2f4657eb6378f',
    isInAtList: true,
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=3dc9981636af125faaf72220d6242ff7',
    sessionWebhookExpiredTime: CREATED + 90 * 60_000,
    createAt: CREATED,
    ...fields,
  });
}

describe('toInboundMessage', () => {
  it('maps a group message; robots only get messages that @-mention them', () => {
    const inbound = toInboundMessage(robotMessage({ isInAtList: undefined }), 'dt-main');
    expect(inbound).toEqual({
      channel: 'dingtalk',
      accountId: 'dt-main',
      channelMessageId: 'msgBjXREkdlZkfTfrIiQomjAw==',
      groupId: 'cidh6ezDLHQau9V23Es/xSLNoiDDmPuN354KylQ2BaIhuM=',
      groupName: '机器人测试-TEST',
      senderId: '032615015535634423',
      senderName: '赵文浩',
      text: '你好',
      mentionsBot: true,
      attachments: [],
      receivedAt: new Date(CREATED).toISOString(),
    });
    expect(inboundMessageSchema.safeParse(inbound).success).toBe(true);
  });

  it('maps a private chat without a group, and falls back to senderId outside the organisation', () => {
    const inbound = toInboundMessage(
      robotMessage({ conversationType: '1', conversationTitle: undefined, senderStaffId: undefined }),
      'dt',
    );
    expect(inbound).toMatchObject({
      groupId: null,
      groupName: null,
      senderId: '$:LWCP_v1:$gzXDEXQDiM8piyLH4HRRcg==',
      mentionsBot: true,
    });
  });

  it('accepts numbers where DingTalk documents strings and the reverse', () => {
    const inbound = toInboundMessage(robotMessage({ conversationType: 1, createAt: String(CREATED) }), 'dt');
    expect(inbound).toMatchObject({ groupId: null, receivedAt: new Date(CREATED).toISOString() });
  });

  it('uses the time of arrival when DingTalk gives none', () => {
    const now = Date.UTC(2025, 0, 2);
    expect(toInboundMessage(robotMessage({ createAt: undefined }), 'dt', now)?.receivedAt).toBe(
      new Date(now).toISOString(),
    );
  });

  it('reads rich text with pictures, pictures and recognised voice', () => {
    const rich = toInboundMessage(
      robotMessage({
        msgtype: 'richText',
        text: undefined,
        content: {
          richText: [{ text: '楼道灯坏了 ' }, { type: 'picture', downloadCode: 'code-1' }, { text: '3单元' }],
        },
      }),
      'dt',
    );
    expect(rich).toMatchObject({
      text: '楼道灯坏了 3单元',
      attachments: [{ kind: 'image', url: `${DINGTALK_DOWNLOAD_REF}code-1` }],
    });

    const picture = toInboundMessage(
      robotMessage({ msgtype: 'picture', text: undefined, content: { downloadCode: 'code-2' } }),
      'dt',
    );
    expect(picture).toMatchObject({
      text: '',
      attachments: [{ kind: 'image', url: `${DINGTALK_DOWNLOAD_REF}code-2` }],
    });

    const voice = toInboundMessage(
      robotMessage({
        msgtype: 'audio',
        text: undefined,
        content: { recognition: '电梯又坏了', duration: 3 },
      }),
      'dt',
    );
    expect(voice).toMatchObject({ text: '电梯又坏了', attachments: [] });
  });

  it('skips what the bot cannot read: files, empty text', () => {
    expect(
      toInboundMessage(robotMessage({ msgtype: 'file', text: undefined, content: {} }), 'dt'),
    ).toBeNull();
    expect(toInboundMessage(robotMessage({ text: { content: '   ' } }), 'dt')).toBeNull();
  });

  it('caps text and names at what the gateway accepts', () => {
    const inbound = toInboundMessage(
      robotMessage({ text: { content: '长'.repeat(30_000) }, senderNick: 'n'.repeat(600) }),
      'dt',
    );
    expect(inbound?.text).toHaveLength(20_000);
    expect(inbound?.senderName).toHaveLength(256);
  });
});

describe('robotMessageSchema', () => {
  it('refuses messages without the fields replies and deduplication depend on', () => {
    for (const missing of ['msgId', 'conversationId', 'conversationType', 'senderId', 'msgtype']) {
      const body: Record<string, unknown> = { ...robotMessage() };
      delete body[missing];
      expect(robotMessageSchema.safeParse(body).success, missing).toBe(false);
    }
  });

  it('refuses a text message without text', () => {
    expect(robotMessageSchema.safeParse({ ...robotMessage(), text: undefined }).success).toBe(false);
  });
});
