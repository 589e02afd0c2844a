import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScanStatus, types } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import type { InboundMessage, OutboundMessage } from '../../../shared/messages.js';
import type { BotLogger } from '../../runtime/bot.js';
import { WECHATY_MESSAGE_REF, WechatyAdapter, type WechatyAdapterOptions } from './wechaty-adapter.js';

const BOT_NAME = '社区小助手';

function silentLog() {
  return {
    info: vi.fn<BotLogger['info']>(),
    warn: vi.fn<BotLogger['warn']>(),
    error: vi.fn<BotLogger['error']>(),
  };
}

/** A mock WeChat: the bot account, two residents and one group; the bot logs in when the puppet starts. */
function createWorld(options: { login?: boolean; scan?: string } = {}) {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const botUser = mocker.createContact({ name: BOT_NAME });
  const alice = mocker.createContact({ name: '王阿姨' });
  const bob = mocker.createContact({ name: 'Bob Li' });
  const room = mocker.createRoom({ topic: '3栋邻里群', memberIdList: [botUser.id, alice.id, bob.id] });
  mocker.use((m) => {
    if (options.scan) m.scan(options.scan, ScanStatus.Waiting);
    if (options.login !== false) m.login(botUser);
    return () => undefined;
  });
  return { mocker, puppet, botUser, alice, bob, room };
}

type World = ReturnType<typeof createWorld>;

const started: WechatyAdapter[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((a) => a.stop()));
});

async function startAdapter(world: World, extra: Partial<WechatyAdapterOptions> = {}) {
  const log = silentLog();
  const adapter = new WechatyAdapter({
    accountId: 'wx-test',
    puppet: world.puppet,
    pacing: { minDelayMs: 0, maxDelayMs: 0 },
    log,
    ...extra,
  });
  const inbox: InboundMessage[] = [];
  started.push(adapter);
  await adapter.start((m) => inbox.push(m));
  return { adapter, inbox, log };
}

/** What the mock room (or contact) receives: the puppet turns the bot's sends into mock messages. */
function received(target: mock.RoomMock | mock.ContactMock) {
  const texts: { text: string | undefined; talkerId: string; at: number }[] = [];
  // Under NodeNext the mock's `typed-emitter` typings lose `on`; at runtime both are EventEmitters.
  const emitter = target as unknown as MessageEmitter;
  emitter.on('message', (m) => texts.push({ text: m.text(), talkerId: m.talker().id, at: Date.now() }));
  return texts;
}

interface MessageEmitter {
  on(event: 'message', listener: (message: mock.MessageMock) => void): unknown;
}

function outbound(fields: Partial<OutboundMessage>): OutboundMessage {
  return {
    channel: 'wechat',
    accountId: 'wx-test',
    groupId: null,
    content: { kind: 'text', text: '收到' },
    mentions: [],
    replyTo: null,
    ...fields,
  };
}

describe('WechatyAdapter inbound', () => {
  it('hands a room text message on with group, sender and time', async () => {
    const world = createWorld();
    const { inbox } = await startAdapter(world);
    const before = Date.now();

    world.alice.say('#意见 楼下路灯坏了').to(world.room);

    await vi.waitFor(() => expect(inbox).toHaveLength(1));
    const [message] = inbox;
    expect(message).toMatchObject({
      channel: 'wechat',
      accountId: 'wx-test',
      groupId: world.room.id,
      groupName: '3栋邻里群',
      senderId: world.alice.id,
      senderName: '王阿姨',
      text: '#意见 楼下路灯坏了',
      mentionsBot: false,
      attachments: [],
    });
    expect(message?.channelMessageId).toMatch(/\S/);
    expect(Date.parse(message?.receivedAt ?? '')).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('marks a message that @-mentions the bot, and not one that mentions someone else', async () => {
    const world = createWorld();
    const { inbox } = await startAdapter(world);

    world.alice.say(`@${BOT_NAME}\u2005垃圾房味道很大`, [world.botUser]).to(world.room);
    await vi.waitFor(() => expect(inbox).toHaveLength(1));
    world.alice.say('@Bob Li\u2005明天一起去', [world.bob]).to(world.room);
    await vi.waitFor(() => expect(inbox).toHaveLength(2));

    expect(inbox.map((m) => [m.text, m.mentionsBot])).toEqual([
      [`@${BOT_NAME}\u2005垃圾房味道很大`, true],
      ['@Bob Li\u2005明天一起去', false],
    ]);
  });

  it('treats a typed @name as a mention when the puppet reports no mention list', async () => {
    const world = createWorld();
    const { inbox } = await startAdapter(world, { botNames: ['小助手'] });

    world.alice.say(`@${BOT_NAME} 电梯坏了`).to(world.room);
    world.bob.say('@小助手 #积分').to(world.room);
    world.bob.say('email me at bob@小助手.cn').to(world.room);
    await vi.waitFor(() => expect(inbox).toHaveLength(3));

    const byText = Object.fromEntries(inbox.map((m) => [m.text, m.mentionsBot]));
    expect(byText).toEqual({
      [`@${BOT_NAME} 电梯坏了`]: true,
      '@小助手 #积分': true,
      'email me at bob@小助手.cn': false,
    });
  });

  it('gives private messages a null group', async () => {
    const world = createWorld();
    const { inbox } = await startAdapter(world);

    world.alice.say('#积分').to(world.botUser);

    await vi.waitFor(() => expect(inbox).toHaveLength(1));
    expect(inbox[0]).toMatchObject({
      groupId: null,
      groupName: null,
      senderId: world.alice.id,
      senderName: '王阿姨',
      text: '#积分',
      mentionsBot: false,
    });
  });

  it("ignores the bot's own messages", async () => {
    const world = createWorld();
    const { inbox } = await startAdapter(world);

    world.botUser.say('本周六消防演练').to(world.room);
    world.alice.say('收到').to(world.room);

    await vi.waitFor(() => expect(inbox).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(inbox.map((m) => m.senderId)).toEqual([world.alice.id]);
  });

  it('passes images on as a reference to the message and drops other media', async () => {
    const world = createWorld();
    const { inbox } = await startAdapter(world);
    const emit = (id: string, type: types.Message) => {
      world.mocker.MessageMock.create({
        id,
        type,
        talkerId: world.alice.id,
        roomId: world.room.id,
        mentionIdList: [],
        timestamp: Date.now(),
      });
      world.puppet.emit('message', { messageId: id });
    };

    emit('voice-1', types.Message.Audio);
    emit('photo-1', types.Message.Image);

    await vi.waitFor(() => expect(inbox).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      channelMessageId: 'photo-1',
      groupId: world.room.id,
      text: '',
      attachments: [{ kind: 'image', url: `${WECHATY_MESSAGE_REF}photo-1` }],
    });
  });
});

describe('WechatyAdapter send', () => {
  it('says the text in the room', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);
    const roomLog = received(world.room);

    const result = await adapter.send(
      outbound({ groupId: world.room.id, content: { kind: 'text', text: '收到' } }),
    );

    expect(result).toEqual({ ok: true });
    expect(roomLog).toEqual([expect.objectContaining({ text: '收到', talkerId: world.botUser.id })]);
  });

  it('@-mentions the people named in mentions', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);
    const roomLog = received(world.room);
    const sendText = vi.spyOn(world.puppet, 'messageSendText');

    const result = await adapter.send(
      outbound({
        groupId: world.room.id,
        content: { kind: 'text', text: '您的报事已受理' },
        mentions: [world.alice.id, 'somebody-gone'],
      }),
    );

    expect(result).toEqual({ ok: true });
    expect(roomLog.map((m) => m.text)).toEqual(['@王阿姨 您的报事已受理']);
    // Real puppets turn the id list into a WeChat mention (the red "someone @ you" notice).
    expect(sendText).toHaveBeenCalledWith(world.room.id, '@王阿姨 您的报事已受理', [world.alice.id]);
  });

  it('degrades markdown and link cards to plain text', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);
    const roomLog = received(world.room);

    await adapter.send(
      outbound({
        groupId: world.room.id,
        content: { kind: 'markdown', title: '停水通知', markdown: '## 停水通知\n**周六** 9:00-12:00 停水' },
      }),
    );
    await adapter.send(
      outbound({
        groupId: world.room.id,
        content: { kind: 'link', title: '消防演练', description: '点此确认', url: 'https://x.test/n/7' },
      }),
    );

    expect(roomLog.map((m) => m.text)).toEqual([
      '停水通知\n周六 9:00-12:00 停水',
      '消防演练\n点此确认\nhttps://x.test/n/7',
    ]);
  });

  it('sends a private message to the first mention when there is no group', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);
    const aliceLog = received(world.alice);

    const result = await adapter.send(outbound({ groupId: null, mentions: [world.alice.id] }));

    expect(result).toEqual({ ok: true });
    expect(aliceLog).toEqual([expect.objectContaining({ text: '收到', talkerId: world.botUser.id })]);
  });

  it('fails for good when the room is unknown', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);

    const result = await adapter.send(outbound({ groupId: 'no-such-room@chatroom' }));

    expect(result).toEqual({ ok: false, retryable: false, error: 'room not found' });
  });

  it('fails for good when a private message has nobody to go to', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);

    expect(await adapter.send(outbound({ groupId: null, mentions: [] }))).toMatchObject({
      ok: false,
      retryable: false,
    });
    expect(await adapter.send(outbound({ groupId: null, mentions: ['no-such-person'] }))).toEqual({
      ok: false,
      retryable: false,
      error: 'contact not found',
    });
  });

  it('asks for a retry when the puppet fails', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);
    vi.spyOn(world.puppet, 'messageSendText').mockRejectedValueOnce(new Error('socket hang up'));

    const result = await adapter.send(outbound({ groupId: world.room.id }));

    expect(result).toEqual({ ok: false, retryable: true, error: 'socket hang up' });
  });

  it('never sends two messages closer than the minimum pause', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world, { pacing: { minDelayMs: 150, maxDelayMs: 300 } });
    const roomLog = received(world.room);

    const results = await Promise.all([
      adapter.send(outbound({ groupId: world.room.id, content: { kind: 'text', text: 'one' } })),
      adapter.send(outbound({ groupId: world.room.id, content: { kind: 'text', text: 'two' } })),
    ]);

    expect(results).toEqual([{ ok: true }, { ok: true }]);
    expect(roomLog.map((m) => m.text)).toEqual(['one', 'two']);
    const [first, second] = roomLog;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('refuses to send after stop', async () => {
    const world = createWorld();
    const { adapter } = await startAdapter(world);
    await adapter.stop();

    expect(await adapter.send(outbound({ groupId: world.room.id }))).toMatchObject({
      ok: false,
      retryable: true,
    });
  });
});

describe('WechatyAdapter start', () => {
  it('logs the QR code URL and gives up with a clear error when nobody logs in', async () => {
    const world = createWorld({ login: false, scan: 'https://login.weixin.qq.com/l/abc' });
    const log = silentLog();
    const adapter = new WechatyAdapter({
      accountId: 'wx-test',
      puppet: world.puppet,
      loginTimeoutMs: 200,
      log,
    });

    await expect(adapter.start(() => undefined)).rejects.toThrow(/wx-test did not log in within/);

    expect(log.info).toHaveBeenCalledWith(
      expect.objectContaining({
        status: 'Waiting',
        qrcodeUrl: expect.stringContaining(encodeURIComponent('https://login.weixin.qq.com/l/abc')),
      }),
      expect.any(String),
    );
  });

  it('keeps the login session in memoryDir when given, and in memory otherwise', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wechaty-memory-'));
    const cardInCwd = () =>
      readdir(process.cwd()).then((names) => names.filter((n) => n.endsWith('.memory-card.json')));
    try {
      const cardsBefore = await cardInCwd();
      // Real puppets (wechat4u, padlocal) save their session like this after login.
      const saveSession = async (world: World) => {
        await world.puppet.memory.set('session', { token: 'x' });
        await world.puppet.memory.save();
      };

      const inMemory = createWorld();
      await startAdapter(inMemory);
      await saveSession(inMemory);
      const onDisk = createWorld();
      await startAdapter(onDisk, { accountId: 'wx/1', memoryDir: path.join(dir, 'memory') });
      await saveSession(onDisk);

      expect(await cardInCwd()).toEqual(cardsBefore);
      expect(await readdir(path.join(dir, 'memory'))).toEqual(['wx_1.memory-card.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('declares plain-text WeChat capabilities and the default pacing', () => {
    const adapter = new WechatyAdapter({ accountId: 'wx-1', log: silentLog() });
    expect(adapter.channel).toBe('wechat');
    expect(adapter.capabilities).toMatchObject({
      markdown: false,
      linkCard: false,
      image: false,
      mentions: true,
      seesAllGroupMessages: true,
    });
    expect(adapter.pacing).toEqual({ minDelayMs: 3_000, maxDelayMs: 6_000 });
  });
});
