import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Models } from '../../server/models/index.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import { AuditRepository } from '../../server/repositories/audit.repository.js';
import { CommunityRepository, type CommunityRecord } from '../../server/repositories/community.repository.js';
import { GroupRepository } from '../../server/repositories/group.repository.js';
import { HouseholdRepository } from '../../server/repositories/household.repository.js';
import { ResidentRepository } from '../../server/repositories/resident.repository.js';
import { PhoneProtector } from '../../server/services/phone-protector.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The community repositories against the real engine (FerretDB unless TEST_ENGINE says otherwise). */

let db: TestDatabase;
let models: Models;
let communities: CommunityRepository;
let households: HouseholdRepository;
let residents: ResidentRepository;
let audit: AuditRepository;
let groups: GroupRepository;
let community: CommunityRecord;
const phones = new PhoneProtector(Buffer.alloc(32, 9));

beforeAll(async () => {
  db = await openTestDatabase();
  models = db.models;
  communities = new CommunityRepository(models);
  households = new HouseholdRepository(models);
  residents = new ResidentRepository(models);
  audit = new AuditRepository(models);
  groups = new GroupRepository(models);
  community = await communities.create({
    code: 'repo-test',
    name: '测试社区',
    compounds: [
      { code: 'east', name: '东区', buildings: [{ code: '3', name: '3栋', units: ['1', '2'] }] },
      { code: 'west', name: '西区', buildings: [{ code: '3', name: '3栋' }] },
    ],
  });
});

afterAll(async () => {
  await db?.close();
});

/** A fresh household per test, so tests never share rows. */
let room = 100;
const newHousehold = (compound = 'east', building = '3') =>
  households.ensure({ communityId: community.id, compound, building, unit: '2', room: String(++room) });

describe('CommunityRepository', () => {
  it('returns the whole tree by id, units included, and null for an unknown id', async () => {
    const tree = await communities.findTree(community.id);
    expect(tree?.compounds.map((c) => c.code)).toEqual(['east', 'west']);
    expect(tree?.compounds[0]!.buildings[0]).toEqual({ code: '3', name: '3栋', units: ['1', '2'] });
    expect(tree?.compounds[1]!.buildings[0]!.units).toEqual([]);
    expect(await communities.findTree('0'.repeat(24))).toBeNull();
    expect(await communities.findTree('not-an-id')).toBeNull();
  });

  it('refuses a compound code that could not be a scope id segment', async () => {
    await expect(
      communities.create({ code: 'bad', name: 'x', compounds: [{ code: 'a/b', name: 'x', buildings: [] }] }),
    ).rejects.toThrow();
  });
});

describe('HouseholdRepository', () => {
  it('ensure is idempotent, also when racing itself, and yields the household scope id', async () => {
    const input = { communityId: community.id, compound: 'east', building: '3', unit: '1', room: '501' };
    const all = await Promise.all(Array.from({ length: 5 }, () => households.ensure(input)));
    expect(new Set(all.map((h) => h.id)).size).toBe(1);
    expect(all[0]).toMatchObject({
      address: '3-1-501',
      scope: scopeId.household(community.id, 'east', '3', all[0]!.id),
    });
    expect(await models.household.countDocuments({ address: '3-1-501', compound: 'east' })).toBe(1);
  });

  it('finds an address in every compound that has it, or in one compound when asked', async () => {
    const east = await households.ensure({
      communityId: community.id,
      compound: 'east',
      building: '3',
      unit: '2',
      room: '808',
    });
    const west = await households.ensure({
      communityId: community.id,
      compound: 'west',
      building: '3',
      unit: '2',
      room: '808',
    });
    expect((await households.findByAddress(community.id, '3-2-808')).map((h) => h.id)).toEqual([
      east.id,
      west.id,
    ]);
    expect((await households.findByAddress(community.id, '3-2-808', 'west')).map((h) => h.id)).toEqual([
      west.id,
    ]);
    expect(await households.findByAddress(community.id, '9-9-999')).toEqual([]);
    expect((await households.findByIds([east.id, west.id])).length).toBe(2);
  });
});

describe('ResidentRepository', () => {
  it('creates a member: owner role implied by the relation, area rounded to two decimals, phone protected', async () => {
    const home = await newHousehold();
    const r = await residents.create({
      communityId: community.id,
      name: '王秀英',
      membership: { householdId: home.id, householdScope: home.scope, relation: 'owner', floorArea: 89.555 },
      phone: phones.protect('13812341234'),
      roles: [assignment('resident', scopeId.community(community.id))],
    });
    expect(r).toMatchObject({
      relation: 'owner',
      floorArea: 89.56,
      householdScope: home.scope,
      phoneMasked: '138****1234',
    });
    expect(r.roles.map((a) => `${a.role}@${a.scopeKind}`).sort()).toEqual([
      'owner@household',
      'resident@community',
    ]);
    const raw = await models.resident.findById(r.id).lean();
    expect(JSON.stringify(raw)).not.toContain('13812341234');
    expect(phones.reveal((await residents.phoneCipherOf(r.id))!)).toBe('13812341234');
    expect((await residents.findByPhoneHash(phones.hashOf('+86 138 1234 1234')!)).map((x) => x.id)).toContain(
      r.id,
    );
  });

  it('a tenant holds no floor area, and family members hold no household role', async () => {
    const home = await newHousehold();
    const membership = { householdId: home.id, householdScope: home.scope, floorArea: 50 };
    const tenant = await residents.create({
      communityId: community.id,
      name: '租户',
      membership: { ...membership, relation: 'tenant' },
    });
    const family = await residents.create({
      communityId: community.id,
      name: '家属',
      membership: { ...membership, relation: 'family' },
    });
    expect(tenant.floorArea).toBeNull();
    expect(tenant.roles.map((a) => a.role)).toEqual(['tenant']);
    expect(family.roles).toEqual([]);
    expect((await residents.listByHousehold(home.id)).map((r) => r.name)).toEqual(['租户', '家属']);
  });

  it('setRoles is conditional on the version read, so a concurrent change is never overwritten', async () => {
    const r = await residents.create({ communityId: community.id, name: '李建国' });
    const volunteer = [assignment('volunteer', scopeId.community(community.id))];
    const party = [assignment('partyMember', scopeId.community(community.id))];
    const [a, b] = await Promise.all([
      residents.setRoles(r.id, volunteer, 0),
      residents.setRoles(r.id, party, 0),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const stored = (await residents.findById(r.id))!;
    expect(stored.version).toBe(1);
    expect(stored.roles).toEqual((a ?? b)!.roles);
  });

  it('listByRole finds the holders of a role at one exact scope', async () => {
    const b3 = scopeId.building(community.id, 'east', '3');
    const lead = await residents.create({
      communityId: community.id,
      name: '楼长',
      roles: [assignment('buildingLead', b3)],
    });
    await residents.create({
      communityId: community.id,
      name: '西区楼长',
      roles: [assignment('buildingLead', scopeId.building(community.id, 'west', '3'))],
    });
    expect((await residents.listByRole('buildingLead', b3)).map((r) => r.id)).toEqual([lead.id]);
  });

  it('setMembership moves a resident and keeps owner/tenant roles in step, other roles kept', async () => {
    const [first, second] = [await newHousehold(), await newHousehold('west')];
    const r = await residents.create({
      communityId: community.id,
      name: '搬家的人',
      membership: { householdId: first.id, householdScope: first.scope, relation: 'owner', floorArea: 70 },
      roles: [assignment('volunteer', scopeId.community(community.id))],
    });
    const moved = await residents.setMembership(r.id, {
      householdId: second.id,
      householdScope: second.scope,
      relation: 'tenant',
      floorArea: 70,
    });
    expect(moved).toMatchObject({ householdId: second.id, relation: 'tenant', floorArea: null, version: 1 });
    expect(moved!.roles.map((a) => `${a.role}@${a.scopeId}`).sort()).toEqual(
      [`tenant@${second.scope}`, `volunteer@${community.id}`].sort(),
    );
    const out = await residents.setMembership(r.id, null);
    expect(out).toMatchObject({ householdId: null, householdScope: null, relation: null });
    expect(out!.roles.map((a) => a.role)).toEqual(['volunteer']);
  });

  it('links identities once; the sender cache learns about a new link at once', async () => {
    const r = await residents.create({ communityId: community.id, name: 'Emma' });
    const other = await residents.create({ communityId: community.id, name: 'Other' });
    const wecom = { channel: 'wecom' as const, kind: 'userid' as const, platformId: 'emma.chen' };
    expect(await residents.findByIdentity('wecom', 'emma.chen')).toBeNull();
    expect(await residents.linkIdentity(r.id, wecom)).toBe('linked');
    expect((await residents.findByIdentity('wecom', 'emma.chen'))?.id).toBe(r.id);
    expect(await residents.linkIdentity(r.id, wecom)).toBe('alreadyLinked');
    expect(await residents.linkIdentity(other.id, wecom)).toBe('linkedToAnother');
    await residents.linkIdentity(r.id, { channel: 'dingtalk', kind: 'staffId', platformId: 'emma-staff' });
    expect((await residents.identitiesOf(r.id)).map((i) => `${i.channel}:${i.kind}`)).toEqual([
      'wecom:userid',
      'dingtalk:staffId',
    ]);
  });

  it('a role change is seen by the next sender lookup, not hidden by the cache', async () => {
    const r = await residents.create({
      communityId: community.id,
      name: '新楼长',
      identities: [{ channel: 'simulator', kind: 'simulator', platformId: 'sim-new-lead' }],
    });
    expect((await residents.findByIdentity('simulator', 'sim-new-lead'))?.roles).toEqual([]);
    await residents.setRoles(
      r.id,
      [assignment('buildingLead', scopeId.building(community.id, 'east', '3'))],
      0,
    );
    expect((await residents.findByIdentity('simulator', 'sim-new-lead'))?.roles.map((a) => a.role)).toEqual([
      'buildingLead',
    ]);
  });

  it('reads roles stored as bare names by earlier releases as held in the community', async () => {
    const doc = await models.resident.collection.insertOne({
      communityId: (await models.community.findById(community.id).lean())!._id,
      name: '老数据',
      roles: ['resident', 'secretary', 'buildingLead'],
    });
    const r = await residents.findById(String(doc.insertedId));
    expect(r?.roles).toEqual([assignment('resident', community.id), assignment('secretary', community.id)]);
  });
});

describe('GroupRepository', () => {
  it('a group speaks for its building when bound to one, else for its community', async () => {
    const b3 = scopeId.building(community.id, 'east', '3');
    const base = { channel: 'wecom' as const, accountId: 'bot', name: '群', language: 'zh-CN' as const };
    const building = await groups.create({
      ...base,
      platformGroupId: 'g-b3',
      communityId: community.id,
      scopeId: b3,
    });
    const whole = await groups.create({ ...base, platformGroupId: 'g-all', communityId: community.id });
    const unbound = await groups.findOrRegister({ ...base, platformGroupId: 'g-new', communityId: null });
    expect([building.scopeId, whole.scopeId, unbound.scopeId]).toEqual([b3, community.id, null]);
  });
});

describe('AuditRepository', () => {
  it('lists a community newest first and pages with the last id seen', async () => {
    const entry = (n: number) => ({
      communityId: community.id,
      at: new Date(),
      actorId: null,
      actorName: 'x',
      action: 'resident.updateRoles',
      targetKind: 'resident',
      targetId: String(n),
      targetLabel: '',
      scopeId: community.id,
      before: { roles: [] },
      after: { roles: [{ role: 'volunteer' }] },
    });
    for (let n = 1; n <= 5; n++) await audit.insert(entry(n));
    await audit.insert({ ...entry(99), communityId: '0'.repeat(24) });
    const first = await audit.list({ communityId: community.id, limit: 3 });
    expect(first.map((e) => e.targetId)).toEqual(['5', '4', '3']);
    const second = await audit.list({ communityId: community.id, limit: 3, before: first[2]!.id });
    expect(second.map((e) => e.targetId)).toEqual(['2', '1']);
    expect(second[0]!.after).toEqual({ roles: [{ role: 'volunteer' }] });
  });
});
