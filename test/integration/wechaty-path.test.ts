import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { types } from 'wechaty';
import type { Pacing } from '../../bot/runtime/adapter.js';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { translator } from '../../shared/i18n/index.js';
import type { OpinionList } from '../../shared/schemas/opinion.js';
import { apiClient } from '../support/api-client.js';
import { MOCK_BOT_NAME, startMockWechat } from '../support/mock-wechat.js';
import { eventually, type TestServer } from '../support/test-server.js';

/**
 * The whole WeChat path: mock WeChat → real Wechaty → WechatyAdapter → embedded bot runtime → signed HTTP
 * → gateway → opinion service → outbox → delivery loop → WechatyAdapter → the mock room.
 */

const BOT_NAME = MOCK_BOT_NAME;
const COMMUNITY = 'lingshan';
const NO_PACING: Pacing = { minDelayMs: 0, maxDelayMs: 0 };
/** Long enough for a wrongly doubled reply to come through the whole loop with zero pacing. */
const QUIET_MS = 500;

let engine: TestEngine;
const servers: TestServer[] = [];

beforeAll(async () => {
  engine = await startTestEngine();
});

afterEach(async () => {
  // Stopping the server stops the embedded bot, its delivery loop and the Wechaty adapter.
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A mock WeChat served by a real server on a fresh database of the shared engine. No demo data: the
 * one community is created here, as staff would.
 */
async function startPath(pacing: Pacing = NO_PACING) {
  const { mocker, puppet, botUser, log, adapter, server, room } = await startMockWechat({
    engine,
    dbPrefix: 'nbtest_wx',
    pacing,
  });
  const sendText = vi.spyOn(puppet, 'messageSendText');
  servers.push(server);
  const community = await server.container.repositories.communities.create({
    code: COMMUNITY,
    name: '灵山社区',
    compounds: [],
  });
  // Outside demo mode the opinion wall is for signed-in residents of the community.
  const reader = await server.container.repositories.residents.create({
    communityId: community.id,
    name: '读者',
  });

  const resident = (name: string) => mocker.createContact({ name });

  /** GET /api/opinions over HTTP, as the mini-app reads them. */
  const opinions = async (): Promise<OpinionList> => {
    const res = await apiClient(server).call<OpinionList>(`/api/opinions?community=${COMMUNITY}`, {
      as: reader.id,
    });
    expect(res.status).toBe(200);
    return res.json;
  };

  /** Whether a text was written anywhere in the database, whatever the collection layout. */
  const storedAnywhere = async (text: string): Promise<boolean> => {
    const db = server.container.conn.db;
    if (!db) throw new Error('not connected');
    for (const collection of await db.collections()) {
      const docs = await collection.find().toArray();
      if (docs.some((d) => JSON.stringify(d).includes(text))) return true;
    }
    return false;
  };

  return {
    mocker,
    puppet,
    botUser,
    adapter,
    log,
    sendText,
    server,
    resident,
    room,
    opinions,
    storedAnywhere,
  };
}

describe('an opinion said in a WeChat group', () => {
  it('is stored once under the community with the group name, and answered with its code, @-mentioning the resident', async () => {
    const path = await startPath();
    const wang = path.resident('王阿姨');
    const group = path.room('3栋邻里群', [wang]);

    wang.say('#意见 楼下路灯坏了').to(group.chat);

    const [reply] = await eventually(() => group.botSaid().length > 0 && group.botSaid());
    expect(reply!.text).toBe('@王阿姨 已记下您的意见（Y1，建筑），谢谢！');
    // The id list is what makes a real WeChat show the red "someone @ you" notice.
    expect(path.sendText).toHaveBeenCalledWith(group.chat.id, reply!.text, [wang.id]);

    const list = await path.opinions();
    expect(list.items).toEqual([
      expect.objectContaining({
        code: 'Y1',
        text: '楼下路灯坏了',
        category: 'buildings',
        status: 'received',
        groupName: '3栋邻里群',
        author: '王**',
      }),
    ]);
    await sleep(QUIET_MS);
    expect((await path.opinions()).items).toHaveLength(1);
    expect(group.botSaid()).toHaveLength(1);
    expect(path.log.error).not.toHaveBeenCalled();
  });

  it('is taken from a bare @-mention of the bot; chatter and the bot’s own messages are ignored', async () => {
    const path = await startPath();
    const wang = path.resident('王阿姨');
    const group = path.room('5栋邻里群', [wang]);

    path.botUser.say('#意见 机器人自己发的消息').to(group.chat);
    wang.say('今天天气真好').to(group.chat);
    wang.say(`@${BOT_NAME}\u2005垃圾房味道很大`, [path.botUser]).to(group.chat);

    await eventually(() => group.botSaid().length > 1);
    await sleep(QUIET_MS);
    expect(group.botSaid().map((s) => s.text)).toEqual([
      '#意见 机器人自己发的消息',
      expect.stringMatching(/^@王阿姨 已记下您的意见（Y1，低碳）/),
    ]);
    expect(path.sendText).toHaveBeenCalledTimes(1);

    const list = await path.opinions();
    expect(list.items.map((o) => [o.text, o.category, o.groupName])).toEqual([
      ['垃圾房味道很大', 'lowCarbon', '5栋邻里群'],
    ]);
    expect(await path.storedAnywhere('今天天气真好')).toBe(false);
    expect(await path.storedAnywhere('机器人自己发的消息')).toBe(false);
  });
});

describe('a message WeChat delivers more than once', () => {
  it('is stored and answered once, whether the copy comes at once or after the reply', async () => {
    const path = await startPath();
    const wang = path.resident('王阿姨');
    const group = path.room('1栋邻里群', [wang]);
    const messageId = `wx-msg-${randomUUID()}`;
    path.mocker.MessageMock.create({
      id: messageId,
      type: types.Message.Text,
      text: '#意见 电梯经常停在三楼不动',
      talkerId: wang.id,
      roomId: group.chat.id,
      mentionIdList: [],
      timestamp: Date.now(),
    });

    path.puppet.emit('message', { messageId });
    path.puppet.emit('message', { messageId });
    await eventually(() => group.botSaid().length > 0);
    path.puppet.emit('message', { messageId });
    await sleep(QUIET_MS);
    // A later message still gets through, so the copies were not merely stuck in the pipeline.
    wang.say('#帮助').to(group.chat);
    await eventually(() => group.botSaid().length > 1);
    await sleep(QUIET_MS);

    expect(group.botSaid().map((s) => s.text)).toEqual([
      '@王阿姨 已记下您的意见（Y1，建筑），谢谢！',
      `@王阿姨 ${translator('zh-CN')('bot.help')}`,
    ]);
    const list = await path.opinions();
    expect(list.items.map((o) => [o.code, o.text])).toEqual([['Y1', '电梯经常停在三楼不动']]);
  });
});

describe('the language of a new group', () => {
  it('comes from its first command and stays for later commands in other languages', async () => {
    const path = await startPath();
    const emma = path.resident('Emma Chen');
    const mei = path.resident('林美玲');
    const intl = path.room('Lingshan International', [emma]);
    const taiwan = path.room('灵山台胞联谊群', [mei]);
    const help = (language: 'en' | 'zh-TW') => translator(language)('bot.help');

    emma.say('#help').to(intl.chat);
    mei.say('#幫助').to(taiwan.chat);
    await eventually(() => intl.botSaid().length > 0 && taiwan.botSaid().length > 0);
    // Simplified-Chinese commands in the same groups are answered in the language each group started with.
    emma.say('#帮助').to(intl.chat);
    mei.say('#帮助').to(taiwan.chat);
    await eventually(() => intl.botSaid().length > 1 && taiwan.botSaid().length > 1);

    expect(intl.botSaid().map((s) => s.text)).toEqual([
      `@Emma Chen ${help('en')}`,
      `@Emma Chen ${help('en')}`,
    ]);
    expect(intl.botSaid()[0]!.text).toContain('#opinion');
    expect(intl.botSaid()[0]!.text).not.toMatch(/[\u4e00-\u9fff]/);
    expect(taiwan.botSaid().map((s) => s.text)).toEqual([
      `@林美玲 ${help('zh-TW')}`,
      `@林美玲 ${help('zh-TW')}`,
    ]);
    expect(taiwan.botSaid()[0]!.text).toContain('可用指令');
  });
});

describe('pacing of the WeChat account', () => {
  it('spaces replies at least the minimum pause apart even when commands arrive together', async () => {
    const path = await startPath({ minDelayMs: 300, maxDelayMs: 400 });
    const wang = path.resident('王阿姨');
    const li = path.resident('李建国');
    const group = path.room('2栋邻里群', [wang, li]);

    wang.say('#意见 楼道灯不亮').to(group.chat);
    li.say('#意见 单元门禁坏了').to(group.chat);
    wang.say('#帮助').to(group.chat);

    await eventually(() => group.botSaid().length >= 3, 15_000);
    await sleep(QUIET_MS);
    const replies = group.botSaid();
    expect(replies).toHaveLength(3);
    expect(replies.filter((r) => r.text.startsWith('@王阿姨 已记下您的意见'))).toHaveLength(1);
    expect(replies.filter((r) => r.text.startsWith('@李建国 已记下您的意见'))).toHaveLength(1);
    expect(replies.filter((r) => r.text.includes('可用命令'))).toHaveLength(1);
    const gaps = replies.slice(1).map((r, i) => r.at - replies[i]!.at);
    for (const gap of gaps) {
      // The minimum is the ban guard; the upper bound shows it is this account's pacing, not the 3-6 s default.
      expect(gap).toBeGreaterThanOrEqual(295);
      expect(gap).toBeLessThan(1_500);
    }
  });
});
