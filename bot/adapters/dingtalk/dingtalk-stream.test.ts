import type { DWClientDownStream } from 'dingtalk-stream';
import { describe, expect, it, vi } from 'vitest';
import type { InboundMessage } from '../../../shared/messages.js';
import type { BotLogger } from '../../runtime/bot.js';
import { DingTalkAdapter } from './dingtalk-adapter.js';
import type { RobotMessage } from './dingtalk-message.js';
import {
  STREAM_ACK,
  TOPIC_ROBOT,
  handleRobotCallback,
  startDingTalkStream,
  type DingTalkStreamClient,
} from './dingtalk-stream.js';

function silentLog() {
  return {
    info: vi.fn<BotLogger['info']>(),
    warn: vi.fn<BotLogger['warn']>(),
    error: vi.fn<BotLogger['error']>(),
  };
}

/** Stands in for DWClient: records listeners and acks, never opens a connection. */
class FakeStreamClient implements DingTalkStreamClient {
  readonly listeners = new Map<string, (downstream: DWClientDownStream) => void>();
  readonly acks: { messageId: string; result: unknown }[] = [];
  readonly calls: string[] = [];

  registerCallbackListener(topic: string, callback: (downstream: DWClientDownStream) => void): this {
    this.calls.push(`listen ${topic}`);
    this.listeners.set(topic, callback);
    return this;
  }
  socketCallBackResponse(messageId: string, result: unknown): void {
    this.acks.push({ messageId, result });
  }
  async connect(): Promise<void> {
    this.calls.push('connect');
  }
  disconnect(): void {
    this.calls.push('disconnect');
  }

  /** What the DingTalk gateway pushes for a robot message. */
  push(data: unknown, messageId = `stream-${this.acks.length + 1}`): void {
    const listener = this.listeners.get(TOPIC_ROBOT);
    if (!listener) throw new Error('no robot listener');
    listener(downstream(data, messageId));
  }
}

function downstream(data: unknown, messageId: string): DWClientDownStream {
  return {
    specVersion: '1.0',
    type: 'CALLBACK',
    headers: {
      appId: 'app-1',
      connectionId: 'conn-1',
      contentType: 'application/json',
      messageId,
      time: String(Date.now()),
      topic: TOPIC_ROBOT,
    },
    data: typeof data === 'string' ? data : JSON.stringify(data),
  };
}

function robotData(fields: Record<string, unknown> = {}) {
  return {
    msgId: 'msgStream1==',
    msgtype: 'text',
    text: { content: ' #积分' },
    conversationId: 'cidPrivate==',
    conversationType: '1',
    senderId: '$:LWCP_v1:$p==',
    senderStaffId: 'staff777',
    senderNick: '李叔',
    robotCode: 'dingrobot',
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=s1',
    sessionWebhookExpiredTime: Date.now() + 3_600_000,
    createAt: Date.now(),
    ...fields,
  };
}

describe('handleRobotCallback', () => {
  it('hands a valid message on and acks it with its messageId', () => {
    const client = new FakeStreamClient();
    const received: RobotMessage[] = [];
    const outcome = handleRobotCallback(
      client,
      downstream(robotData(), 'm-1'),
      (m) => received.push(m) > 0,
      silentLog(),
    );
    expect(outcome).toBe('accepted');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      msgId: 'msgStream1==',
      conversationType: '1',
      senderStaffId: 'staff777',
    });
    expect(client.acks).toEqual([{ messageId: 'm-1', result: STREAM_ACK }]);
  });

  it('acks what it cannot use, so DingTalk does not push it again, and hands nothing on', () => {
    const client = new FakeStreamClient();
    const receive = vi.fn(() => true);
    const log = silentLog();
    expect(handleRobotCallback(client, downstream('{not json', 'm-2'), receive, log)).toBe('invalid');
    expect(handleRobotCallback(client, downstream({ ...robotData(), msgId: '' }, 'm-3'), receive, log)).toBe(
      'invalid',
    );
    expect(receive).not.toHaveBeenCalled();
    expect(client.acks.map((a) => a.messageId)).toEqual(['m-2', 'm-3']);
    expect(log.warn).toHaveBeenCalled();
  });

  it('acks even when handing on throws or the adapter has stopped', () => {
    const client = new FakeStreamClient();
    const log = silentLog();
    const throwing = () => {
      throw new Error('listener broke');
    };
    expect(handleRobotCallback(client, downstream(robotData(), 'm-4'), throwing, log)).toBe('invalid');
    expect(handleRobotCallback(client, downstream(robotData(), 'm-5'), () => false, log)).toBe('refused');
    expect(client.acks.map((a) => a.messageId)).toEqual(['m-4', 'm-5']);
    expect(log.error).toHaveBeenCalledOnce();
  });
});

describe('startDingTalkStream', () => {
  it('subscribes to robot messages before connecting, and disconnects on stop', async () => {
    const client = new FakeStreamClient();
    const stop = await startDingTalkStream(client, () => true, silentLog());
    expect(client.calls).toEqual([`listen ${TOPIC_ROBOT}`, 'connect']);
    expect(TOPIC_ROBOT).toBe('/v1.0/im/bot/messages/get');
    stop();
    expect(client.calls.at(-1)).toBe('disconnect');
  });
});

describe('DingTalkAdapter in Stream mode', () => {
  it('turns pushed robot messages into InboundMessages through the injected client', async () => {
    const client = new FakeStreamClient();
    const factory = vi.fn(() => client);
    const adapter = new DingTalkAdapter({
      accountId: 'dt-stream',
      appKey: 'dingkey',
      appSecret: 'dingsecret',
      stream: true,
      streamClientFactory: factory,
      log: silentLog(),
    });
    const inbox: InboundMessage[] = [];
    await adapter.start((m) => inbox.push(m));
    expect(factory).toHaveBeenCalledWith({ appKey: 'dingkey', appSecret: 'dingsecret' });

    client.push(robotData(), 'push-1');
    expect(inbox).toEqual([
      expect.objectContaining({
        channel: 'dingtalk',
        accountId: 'dt-stream',
        channelMessageId: 'msgStream1==',
        groupId: null,
        senderId: 'staff777',
        senderName: '李叔',
        text: '#积分',
        mentionsBot: true,
      }),
    ]);
    expect(client.acks).toEqual([{ messageId: 'push-1', result: STREAM_ACK }]);

    await adapter.stop();
    expect(client.calls.at(-1)).toBe('disconnect');
    client.push(robotData({ msgId: 'late' }), 'push-2');
    expect(inbox).toHaveLength(1);
    expect(client.acks.at(-1)?.messageId).toBe('push-2');
  });

  it('refuses Stream mode without both credentials', () => {
    expect(() => new DingTalkAdapter({ stream: true, appKey: 'k', log: silentLog() })).toThrow(
      /DINGTALK_APP_SECRET/,
    );
  });
});
