import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { GatewayClient, type ClaimedEntry } from '../../bot/runtime/gateway-client.js';
import type { AuditList } from '../../shared/schemas/audit.js';
import type { AdoptOpinionResult, OpinionList, OpinionView } from '../../shared/schemas/opinion.js';
import type { HistoryView } from '../../shared/schemas/points.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { deliverAll, replyText, simulatorMessage } from '../support/chat.js';
import { startTestServer, TEST_GATEWAY_SECRET, type TestServer } from '../support/test-server.js';

/**
 * Adopting opinions (意见采纳) on the demo community: 陈书记 is the secretary, 刘楼长 leads building 3,
 * 王秀英 (3-2-501) and Emma are plain residents, 管理员 reads the audit log. Opinions are typed into the
 * seeded groups: 3栋邻里群 (building 3), 灵山小区居民群 (community) and Lingshan International (en).
 */

let server: TestServer;
let client: GatewayClient;
let call: ApiClient['call'];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  client = new GatewayClient(server.url, TEST_GATEWAY_SECRET);
  const ids = await residentIds(server, ['sim-wang', 'sim-liu', 'sim-chen', 'sim-emma', 'sim-admin']);
  ({ call } = apiClient(server, { ids }));
  await deliverAll(client);
});

afterAll(async () => {
  await server?.close();
});

/** Files an opinion from a simulated group message and returns it as the opinion wall shows it. */
async function fileOpinion(
  text: string,
  who: { senderId: string; senderName: string; groupId: string } = {
    senderId: 'sim-wang',
    senderName: '王秀英',
    groupId: 'sim-group-b3',
  },
): Promise<OpinionView> {
  const message = simulatorMessage(text, { ...who, groupName: '' });
  await client.postMessage(message);
  const reply = replyText((await deliverAll(client)).find((e) => e.replyTo === message.channelMessageId));
  const code = /Y\d+/.exec(reply)?.[0];
  expect(code, reply).toBeDefined();
  const opinion = (await list('sim-chen')).items.find((o) => o.code === code);
  expect(opinion).toBeDefined();
  return opinion!;
}

async function list(as?: string): Promise<OpinionList> {
  const res = await call<OpinionList>('/api/opinions?community=lingshan&limit=100', { as });
  expect(res.status).toBe(200);
  return res.json;
}

const adopt = (id: string, as?: string, body: unknown = {}, language?: string) =>
  call<AdoptOpinionResult>(`/api/opinions/${id}/adopt`, { method: 'POST', as, body, language });

/** What the bot was given to post after the adoption, in the opinion's group. */
const adoptionMessages = (entries: ClaimedEntry[], code: string) =>
  entries.filter((e) => e.replyTo === null && new RegExp(`${code}(?!\\d)`).test(replyText(e)));

async function opinionCredits(as: string, code: string) {
  const history = (await call<HistoryView>('/api/points/history', { as })).json;
  return history.items.filter((e) => e.rule === 'opinionAdopted' && e.memo?.startsWith(`${code} `));
}

describe('POST /api/opinions/:id/adopt', () => {
  it('401 without a session', async () => {
    const opinion = await fileOpinion('#意见 楼道灯太暗了');
    const res = await adopt(opinion.id);
    expect(res.status).toBe(401);
    expect(errorOf(res.json).code).toBe('session_missing');
  });

  it('400 for a malformed id or a note over 200 characters, translated', async () => {
    const opinion = await fileOpinion('#意见 垃圾桶不够用');
    const badId = await adopt('Y1', 'sim-chen');
    expect(badId.status).toBe(400);
    expect(errorOf(badId.json).code).toBe('validation_failed');
    const longNote = await adopt(opinion.id, 'sim-chen', { note: '字'.repeat(201) }, 'en');
    expect(longNote.status).toBe(400);
    expect(errorOf(longNote.json).message).toMatch(/note/);
    const notText = await adopt(opinion.id, 'sim-chen', { note: 42 });
    expect(notText.status).toBe(400);
    expect((await list('sim-chen')).items.find((o) => o.id === opinion.id)?.adopted).toBeNull();
  });

  it('403 for a resident, and for a building lead on an opinion from outside their building', async () => {
    const inBuilding = await fileOpinion('#意见 电梯按钮不灵');
    const communityWide = await fileOpinion('#意见 小区门口需要减速带', {
      senderId: 'sim-wang',
      senderName: '王秀英',
      groupId: 'sim-group-all',
    });
    const resident = await adopt(inBuilding.id, 'sim-wang', {}, 'en');
    expect(resident.status).toBe(403);
    expect(errorOf(resident.json)).toEqual({
      code: 'forbidden',
      message: "You are not allowed to adopt residents' opinions",
    });
    const lead = await adopt(communityWide.id, 'sim-liu');
    expect(lead.status).toBe(403);
    expect(errorOf(lead.json).message).toBe('您没有权限采纳居民意见');
    const shown = (await list('sim-chen')).items.filter((o) =>
      [inBuilding.id, communityWide.id].includes(o.id),
    );
    expect(shown.map((o) => o.adopted)).toEqual([null, null]);
    expect(await opinionCredits('sim-wang', inBuilding.code)).toEqual([]);
  });

  it('404 for an opinion that does not exist', async () => {
    const res = await adopt('0123456789abcdef01234567', 'sim-chen', {}, 'en');
    expect(res.status).toBe(404);
    expect(errorOf(res.json).code).toBe('not_found');
  });

  it('200: adopts once with a note, credits the author once, tells the group once; a repeat is a no-op', async () => {
    const opinion = await fileOpinion('#意见 3栋楼下的路灯坏了');
    expect(opinion).toMatchObject({ adopted: null, mayAdopt: true, status: 'received' });

    const first = await adopt(opinion.id, 'sim-chen', { note: '  已列入本月议事会  ' });
    expect(first.status).toBe(200);
    expect(first.json.outcome).toBe('adopted');
    expect(first.json.opinion).toMatchObject({
      id: opinion.id,
      code: opinion.code,
      status: 'adopted',
      adopted: { note: '已列入本月议事会' },
      mayAdopt: false,
    });
    const sent = adoptionMessages(await deliverAll(client), opinion.code);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ groupId: 'sim-group-b3', mentions: ['sim-wang'] });
    expect(replyText(sent[0])).toBe(
      `【意见采纳】${opinion.code} 已被社区采纳，谢谢您的建议！\n说明：已列入本月议事会`,
    );
    const credits = await opinionCredits('sim-wang', opinion.code);
    expect(credits).toHaveLength(1);
    expect(credits[0]).toMatchObject({ kind: 'earn', amount: 10, currency: 'points' });

    const again = await adopt(opinion.id, 'sim-chen', { note: '另一条说明' });
    expect(again.status).toBe(200);
    expect(again.json.outcome).toBe('unchanged');
    expect(again.json.opinion.adopted).toEqual(first.json.opinion.adopted);
    expect(adoptionMessages(await deliverAll(client), opinion.code)).toEqual([]);
    expect(await opinionCredits('sim-wang', opinion.code)).toHaveLength(1);

    const audit = (await call<AuditList>('/api/audit?limit=200', { as: 'sim-admin' })).json;
    const entries = audit.items.filter((e) => e.action === 'opinion.adopt' && e.target.id === opinion.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { name: '陈书记' },
      target: { kind: 'opinion', label: opinion.code },
      after: { status: 'adopted', note: '已列入本月议事会' },
    });
  });

  it('two staff adopting at the same moment: one adopts, the other is told it already was', async () => {
    const opinion = await fileOpinion('#意见 希望增加共享单车停放点');
    const results = await Promise.all([adopt(opinion.id, 'sim-chen'), adopt(opinion.id, 'sim-liu')]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.json.outcome).sort()).toEqual(['adopted', 'unchanged']);
    expect(adoptionMessages(await deliverAll(client), opinion.code)).toHaveLength(1);
    expect(await opinionCredits('sim-wang', opinion.code)).toHaveLength(1);
  });

  it('the group hears it in its own language; an unbound author is adopted without a credit', async () => {
    const english = await fileOpinion('#opinion more bike racks near the gate', {
      senderId: 'sim-emma',
      senderName: 'Emma',
      groupId: 'sim-group-intl',
    });
    expect((await adopt(english.id, 'sim-chen')).json.outcome).toBe('adopted');
    const [message] = adoptionMessages(await deliverAll(client), english.code);
    expect(message?.groupId).toBe('sim-group-intl');
    expect(replyText(message)).toBe(
      `[Opinion adopted] ${english.code} has been adopted by the community. Thank you for your suggestion!`,
    );

    const guest = await fileOpinion('#意见 快递柜不够用', {
      senderId: 'stranger-7',
      senderName: '路人甲',
      groupId: 'sim-group-b3',
    });
    const res = await adopt(guest.id, 'sim-liu');
    expect(res.status).toBe(200);
    expect(res.json.outcome).toBe('adopted');
    expect(adoptionMessages(await deliverAll(client), guest.code)).toHaveLength(1);
  });
});

describe('GET /api/opinions: adoption on the wall', () => {
  it('shows everyone the adoption, and the adopt button only to staff who may adopt', async () => {
    const open = await fileOpinion('#意见 健身器材需要维修');
    const done = await fileOpinion('#意见 希望周末开放活动室');
    await adopt(done.id, 'sim-liu', { note: '下周起开放' });

    const flags = async (as?: string) => {
      const items = (await list(as)).items;
      return [open.id, done.id].map((id) => items.find((o) => o.id === id)?.mayAdopt);
    };
    expect(await flags('sim-chen')).toEqual([true, false]);
    expect(await flags('sim-liu')).toEqual([true, false]);
    expect(await flags('sim-wang')).toEqual([false, false]);
    expect(await flags(undefined)).toEqual([false, false]);

    const shown = (await list()).items.find((o) => o.id === done.id);
    expect(shown).toMatchObject({ status: 'adopted', adopted: { note: '下周起开放' } });
    expect(Date.parse(shown!.adopted!.at)).not.toBeNaN();
    // The wall is public: it never says which staff member adopted it.
    expect(JSON.stringify(shown)).not.toContain('刘楼长');
  });
});

describe('OpinionRepository.markAdopted', () => {
  it('adopts an opinion stored before adoption existed (no `adopted` field), once', async () => {
    const { models, repositories } = server.container;
    const communityId = (await repositories.communities.findByCode('lingshan'))!.id;
    const { insertedId } = await models.opinion.collection.insertOne({
      communityId: new Types.ObjectId(communityId),
      number: 990_001,
      text: '旧意见',
      category: 'governance',
      categorySource: 'default',
      status: 'received',
      channel: 'simulator',
      groupId: null,
      groupName: '',
      senderId: 'old',
      senderName: '',
      residentId: null,
      language: 'zh-CN',
      sourceKey: `simulator:old-${Date.now()}`,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const id = String(insertedId);
    expect((await repositories.opinions.findById(id))?.adopted).toBeNull();
    const adoption = { at: new Date(), note: null, byId: null, byName: '' };
    expect((await repositories.opinions.markAdopted(id, adoption))?.status).toBe('adopted');
    expect(await repositories.opinions.markAdopted(id, adoption)).toBeNull();
  });
});
