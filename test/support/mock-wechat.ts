import { randomUUID } from 'node:crypto';
import { vi } from 'vitest';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { WechatyAdapter } from '../../bot/adapters/wechaty/wechaty-adapter.js';
import type { Pacing } from '../../bot/runtime/adapter.js';
import type { BotLogger } from '../../bot/runtime/bot.js';
import type { TestEngine } from '../../server/db/test-engine.js';
import { startTestServer } from './test-server.js';

export const MOCK_BOT_NAME = '社区小助手';

export interface Said {
  id: string;
  talkerId: string;
  text: string;
  at: number;
}

// Under NodeNext the mock's `typed-emitter` typings lose `on`; at runtime rooms are EventEmitters.
interface MessageEmitter {
  on(event: 'message', listener: (message: mock.MessageMock) => void): unknown;
}

/**
 * A mock WeChat whose bot account logs in when the puppet starts, served through the real Wechaty
 * adapter by a real server (embedded bot, no demo data) on a fresh database of `engine`.
 */
export async function startMockWechat(options: { engine: TestEngine; dbPrefix: string; pacing?: Pacing }) {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const botUser = mocker.createContact({ name: MOCK_BOT_NAME });
  mocker.use((m) => {
    m.login(botUser);
    return () => undefined;
  });
  const log = {
    info: vi.fn<BotLogger['info']>(),
    warn: vi.fn<BotLogger['warn']>(),
    error: vi.fn<BotLogger['error']>(),
  };
  const adapter = new WechatyAdapter({
    accountId: 'wx-helper',
    puppet,
    pacing: options.pacing ?? { minDelayMs: 0, maxDelayMs: 0 },
    log,
  });
  const server = await startTestServer({
    engine: options.engine,
    dbName: `${options.dbPrefix}_${randomUUID().slice(0, 8)}`,
    demo: false,
    embedBot: true,
    adapters: [adapter],
  });

  /** A group with the bot in it, and everything said there from now on. */
  const room = (topic: string, members: mock.ContactMock[]) => {
    const chat = mocker.createRoom({ topic, memberIdList: [botUser.id, ...members.map((c) => c.id)] });
    const said: Said[] = [];
    (chat as unknown as MessageEmitter).on('message', (m) =>
      said.push({ id: m.id, talkerId: m.talker().id, text: m.text() ?? '', at: Date.now() }),
    );
    const botSaid = () => said.filter((s) => s.talkerId === botUser.id);
    const botTexts = () => botSaid().map((s) => s.text);
    return { chat, said, botSaid, botTexts };
  };

  return { mocker, puppet, botUser, log, adapter, server, room };
}
