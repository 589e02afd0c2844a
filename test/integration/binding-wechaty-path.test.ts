import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { mock } from 'wechaty-puppet-mock';
import { startTestEngine, type TestEngine } from '../../server/db/test-engine.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import type { MeView } from '../../shared/schemas/resident.js';
import { apiClient } from '../support/api-client.js';
import { startMockWechat } from '../support/mock-wechat.js';
import { eventually, type TestServer } from '../support/test-server.js';

/**
 * Binding from WeChat, end to end: a resident says `#绑定 3-2-501` in a mock-puppet group, the building
 * lead answers `#同意 1` in the same chat, both go mock WeChat → Wechaty → adapter → gateway → binding
 * service → outbox → delivery loop → the room; the new resident's `/api/me` then shows the household.
 */

/** Long enough for a wrongly doubled message to come through the whole loop with zero pacing. */
const QUIET_MS = 500;

let engine: TestEngine;
const servers: TestServer[] = [];

beforeAll(async () => {
  engine = await startTestEngine();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A mock WeChat and a real server on a fresh database with one compound, two buildings and two leads. */
async function startPath() {
  const { mocker, log, server, room } = await startMockWechat({ engine, dbPrefix: 'nbtest_bind' });
  servers.push(server);

  const { communities, households, residents } = server.container.repositories;
  const community = await communities.create({
    code: 'lingshan',
    name: '灵山社区',
    compounds: [
      {
        code: 'garden',
        name: '灵山花园',
        buildings: ['3', '5'].map((b) => ({ code: b, name: `${b}栋`, units: ['1', '2'] })),
      },
    ],
  });
  const home = await households.ensure({
    communityId: community.id,
    compound: 'garden',
    building: '3',
    unit: '2',
    room: '501',
  });

  /** A WeChat contact bound, as staff would have done, as building lead of `building`. */
  const leadOf = async (building: string, name: string) => {
    const contact = mocker.createContact({ name });
    await residents.create({
      communityId: community.id,
      name,
      roles: [assignment('buildingLead', scopeId.building(community.id, 'garden', building))],
      identities: [{ channel: 'wechat', kind: 'contactId', platformId: contact.id }],
    });
    return contact;
  };

  /** `GET /api/me` over HTTP as whoever the contact is now bound to. */
  const meOf = async (contact: mock.ContactMock): Promise<MeView> => {
    const resident = await residents.findByIdentity('wechat', contact.id);
    expect(resident).not.toBeNull();
    const res = await apiClient(server).call<MeView>('/api/me', { as: resident!.id });
    expect(res.status).toBe(200);
    return res.json;
  };

  return { mocker, log, server, home, leadOf, room, meOf };
}

describe('binding from a WeChat group', () => {
  it('a resident asks, the building lead approves in chat, the resident is told and has the household', async () => {
    const path = await startPath();
    const liu = await path.leadOf('3', '刘楼长');
    const zhou = await path.leadOf('5', '周楼长');
    const wang = path.mocker.createContact({ name: '王阿姨' });
    const group = path.room('3栋邻里群', [wang, liu, zhou]);

    wang.say('#绑定 3-2-501').to(group.chat);
    await eventually(() => group.botTexts().length >= 1);
    expect(group.botTexts()).toEqual(['@王阿姨 已提交绑定申请 B1（3-2-501），楼道长或社区书记确认后生效']);

    // Asking again while the first is pending is refused, naming the pending one.
    wang.say('#绑定 3栋2单元501').to(group.chat);
    await eventually(() => group.botTexts().length >= 2);
    expect(group.botTexts()[1]).toBe(
      '@王阿姨 您已有待确认的绑定申请 B1（3-2-501），请等楼道长或社区书记确认',
    );

    // The lead of building 5 may not decide for building 3.
    zhou.say('#同意 1').to(group.chat);
    await eventually(() => group.botTexts().length >= 3);
    expect(group.botTexts()[2]).toBe('@周楼长 您没有权限审批绑定申请');

    liu.say('#同意 1').to(group.chat);
    await eventually(() => group.botTexts().length >= 5);
    expect(group.botTexts().slice(3).sort()).toEqual(
      ['@刘楼长 已同意 B1：王** 绑定到 3-2-501', '@王阿姨 您的绑定申请 B1 已通过，已绑定到 3-2-501'].sort(),
    );

    const me = await path.meOf(wang);
    expect(me.resident).toMatchObject({
      name: '王阿姨',
      household: { address: '3-2-501', relation: 'family' },
    });
    expect(me.platforms).toEqual([expect.objectContaining({ channel: 'wechat', kind: 'contactId' })]);

    // Approving again changes nothing and says who decided.
    liu.say('#同意 1').to(group.chat);
    await eventually(() => group.botTexts().length >= 6);
    await sleep(QUIET_MS);
    expect(group.botTexts().slice(5)).toEqual(['@刘楼长 绑定申请 B1 已由刘楼长处理：已通过']);
    expect(await path.server.container.repositories.residents.listByHousehold(path.home.id)).toHaveLength(1);
    expect(path.log.error).not.toHaveBeenCalled();
  });

  it('a rejection with a reason is told in the group’s own language', async () => {
    const path = await startPath();
    const liu = await path.leadOf('3', '刘楼长');
    const emma = path.mocker.createContact({ name: 'Emma Chen' });
    const group = path.room('Lingshan International', [emma, liu]);

    emma.say('#bind 3-2-501').to(group.chat);
    await eventually(() => group.botTexts().length >= 1);
    expect(group.botTexts()[0]).toBe(
      '@Emma Chen Binding request B1 for 3-2-501 sent; a building lead or the secretary will confirm it',
    );

    liu.say('#拒绝 1 查无此人').to(group.chat);
    await eventually(() => group.botTexts().length >= 3);
    await sleep(QUIET_MS);
    expect(group.botTexts().slice(1).sort()).toEqual(
      [
        '@刘楼长 Rejected B1 (3-2-501)',
        '@Emma Chen Your binding request B1 for 3-2-501 was not approved: 查无此人',
      ].sort(),
    );
    expect(await path.server.container.repositories.residents.findByIdentity('wechat', emma.id)).toBeNull();
  });
});
