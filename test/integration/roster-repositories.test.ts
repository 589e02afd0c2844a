import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Models } from '../../server/models/index.js';
import { assignment } from '../../server/policy/roles.js';
import { scopeId } from '../../server/policy/scope.js';
import { CommunityRepository, type CommunityRecord } from '../../server/repositories/community.repository.js';
import { HouseholdRepository, type HouseholdRecord } from '../../server/repositories/household.repository.js';
import { ImportJobRepository } from '../../server/repositories/import-job.repository.js';
import { ResidentRepository } from '../../server/repositories/resident.repository.js';
import type { RowError } from '../../server/roster/roster-format.js';
import { PhoneProtector } from '../../server/services/phone-protector.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';

/** What roster import and export store and read, against the real engine. */

let db: TestDatabase;
let models: Models;
let communities: CommunityRepository;
let households: HouseholdRepository;
let residents: ResidentRepository;
let jobs: ImportJobRepository;
let community: CommunityRecord;
const phones = new PhoneProtector(Buffer.alloc(32, 5));

beforeAll(async () => {
  db = await openTestDatabase();
  models = db.models;
  communities = new CommunityRepository(models);
  households = new HouseholdRepository(models);
  residents = new ResidentRepository(models);
  jobs = new ImportJobRepository(models);
  community = await communities.create({
    code: 'roster-repo',
    name: '测试社区',
    compounds: [
      { code: 'east', name: '东区', buildings: [] },
      { code: 'west', name: '西区', buildings: [] },
    ],
  });
});

afterAll(async () => {
  await db?.close();
});

const newJob = () =>
  jobs.create({
    communityId: community.id,
    compound: 'east',
    scopeId: community.id,
    actorId: null,
    actorName: '陈书记',
    bytes: 1234,
  });

describe('ImportJobRepository', () => {
  it('creates a queued job, patches it, and reads it back by id', async () => {
    const job = await newJob();
    expect(job).toMatchObject({
      status: 'queued',
      progress: { done: 0, total: null },
      counts: { created: 0, updated: 0, unchanged: 0, errors: 0 },
      fileError: null,
      failure: null,
      errorsRecorded: false,
    });
    await jobs.update(job.id, {
      status: 'failed',
      progress: { done: 20_001, total: 20_001 },
      fileError: { code: 'tooManyRows', maxRows: 20_000 },
      finishedAt: new Date('2026-03-05T00:00:00Z'),
    });
    expect(await jobs.findById(job.id)).toMatchObject({
      status: 'failed',
      progress: { done: 20_001, total: 20_001 },
      fileError: { code: 'tooManyRows', maxRows: 20_000 },
      finishedAt: new Date('2026-03-05T00:00:00Z'),
    });
    expect(await jobs.findById('0'.repeat(24))).toBeNull();
    expect(await jobs.findById('nope')).toBeNull();
  });

  it('stores row errors in chunks and reads them back in order; saving again replaces them', async () => {
    const job = await newJob();
    const errors: RowError[] = Array.from({ length: 2_345 }, (_, i) => ({
      rowNumber: i + 2,
      field: i % 2 ? 'phone' : null,
      code: i % 2 ? 'badPhone' : 'duplicateRow',
      value: i % 2 ? '123****7890' : null,
      ...(i % 2 ? {} : { duplicateOf: 1 }),
    }));
    expect(await jobs.errorsOf(job.id)).toEqual([]);
    await jobs.saveErrors(job.id, errors);
    expect((await jobs.findById(job.id))?.errorsRecorded).toBe(true);
    expect(await jobs.errorsOf(job.id)).toEqual(errors);
    await jobs.saveErrors(job.id, errors.slice(0, 3));
    expect(await jobs.errorsOf(job.id)).toEqual(errors.slice(0, 3));

    const clean = await newJob();
    await jobs.saveErrors(clean.id, []);
    expect((await jobs.findById(clean.id))?.errorsRecorded).toBe(true);
    expect(await jobs.errorsOf(clean.id)).toEqual([]);
  });

  it('failUnfinished fails queued and running jobs and leaves finished ones alone', async () => {
    const [queued, parsing, applying, done] = await Promise.all([newJob(), newJob(), newJob(), newJob()]);
    await jobs.update(parsing.id, { status: 'parsing' });
    await jobs.update(applying.id, { status: 'applying' });
    await jobs.update(done.id, { status: 'done' });
    const at = new Date('2026-03-05T08:00:00Z');
    expect(await jobs.failUnfinished('interrupted', at)).toBeGreaterThanOrEqual(3);
    for (const job of [queued, parsing, applying])
      expect(await jobs.findById(job.id)).toMatchObject({
        status: 'failed',
        failure: 'interrupted',
        finishedAt: at,
      });
    expect(await jobs.findById(done.id)).toMatchObject({ status: 'done', failure: null });
  });
});

describe('HouseholdRepository roster methods', () => {
  it('ensureMany creates new addresses in one go and finds those another writer created', async () => {
    const input = (room: string, compound = 'east') => ({
      communityId: community.id,
      compound,
      building: '9',
      unit: '1',
      room,
    });
    const first = await households.ensureMany([input('101'), input('102')]);
    expect(first.map((h) => h.address)).toEqual(['9-1-101', '9-1-102']);
    expect(first[0]!.scope).toBe(scopeId.household(community.id, 'east', '9', first[0]!.id));

    const again = await households.ensureMany([input('102'), input('103'), input('101', 'west')]);
    expect(again.map((h) => `${h.compound}/${h.address}`)).toEqual([
      'east/9-1-102',
      'east/9-1-103',
      'west/9-1-101',
    ]);
    expect(again[0]!.id).toBe(first[1]!.id);
    expect(await households.ensureMany([])).toEqual([]);

    const east = await households.listByCommunity(community.id, 'east');
    expect(east.filter((h) => h.building === '9').map((h) => h.address)).toEqual([
      '9-1-101',
      '9-1-102',
      '9-1-103',
    ]);
    expect((await households.listByCommunity(community.id)).length).toBeGreaterThan(east.length);
  });
});

describe('ResidentRepository roster methods', () => {
  let home: HouseholdRecord;

  beforeAll(async () => {
    home = await households.ensure({
      communityId: community.id,
      compound: 'east',
      building: '8',
      unit: '2',
      room: '501',
    });
  });

  const membership = (relation: 'owner' | 'tenant' | 'family', floorArea: number | null = null) => ({
    householdId: home.id,
    householdScope: home.scope,
    relation,
    floorArea,
  });

  it('creates members in a batch with protected phones, notes and the roles their relation implies', async () => {
    await residents.createRosterMembers([
      {
        communityId: community.id,
        name: '赵敏',
        membership: membership('owner', 100.456),
        phone: phones.protect('13700001111'),
        note: '独居老人',
        roles: [assignment('resident', community.id)],
      },
      {
        communityId: community.id,
        name: '孙强',
        membership: membership('family', 50),
        phone: null,
        note: null,
        roles: [assignment('resident', community.id)],
      },
    ]);
    await residents.create({
      communityId: community.id,
      name: '陈书记',
      roles: [assignment('secretary', community.id)],
    });

    const members = await residents.listRosterMembers(community.id);
    expect(members.map((m) => m.name)).toEqual(['赵敏', '孙强']);
    expect(members[0]).toMatchObject({
      householdId: home.id,
      householdScope: home.scope,
      phoneHash: phones.hashOf('13700001111'),
      phoneMasked: '137****1111',
      relation: 'owner',
      floorArea: 100.46,
      note: '独居老人',
      version: 0,
    });
    expect(members[0]!.roles).toEqual([
      assignment('resident', community.id),
      assignment('owner', home.scope),
    ]);
    expect(members[1]).toMatchObject({ relation: 'family', floorArea: null, phoneHash: null, note: null });
    expect(await residents.rosterMember(members[0]!.id)).toEqual(members[0]);
    const raw = JSON.stringify(await models.resident.find().lean());
    expect(raw).not.toContain('13700001111');
  });

  it('updates only while the stored values and version are what the plan saw', async () => {
    const zhao = (await residents.listRosterMembers(community.id)).find((m) => m.name === '赵敏')!;
    const phone = phones.protect('13999990000')!;

    expect(await residents.updateRosterMember(zhao.id, { version: 1 }, { phone })).toBe(false);
    expect(
      await residents.updateRosterMember(zhao.id, { version: 0, phoneHash: 'someone-else' }, { phone }),
    ).toBe(false);
    expect(await residents.updateRosterMember(zhao.id, { version: 0, note: null }, { note: 'x' })).toBe(
      false,
    );

    const ok = await residents.updateRosterMember(
      zhao.id,
      { version: 0, phoneHash: zhao.phoneHash, relation: 'owner' },
      {
        phone,
        relation: 'tenant',
        floorArea: null,
        roles: [assignment('resident', community.id), assignment('tenant', home.scope)],
      },
    );
    expect(ok).toBe(true);
    expect(await residents.rosterMember(zhao.id)).toMatchObject({
      phoneMasked: '139****0000',
      phoneHash: phones.hashOf('13999990000'),
      relation: 'tenant',
      floorArea: null,
      note: '独居老人',
      version: 1,
    });
    const record = await residents.findById(zhao.id, { fresh: true });
    expect(record?.roles.map((r) => r.role).sort()).toEqual(['resident', 'tenant']);
    expect(await models.resident.countDocuments({ roleKeys: `tenant@${home.scope}` })).toBe(1);
  });

  it('a null expectation matches a resident stored before notes existed', async () => {
    const sun = (await residents.listRosterMembers(community.id)).find((m) => m.name === '孙强')!;
    await models.resident.updateOne({ _id: sun.id }, { $unset: { note: 1 } });
    expect(await residents.updateRosterMember(sun.id, { version: 0, note: null }, { note: '新来的' })).toBe(
      true,
    );
    expect((await residents.rosterMember(sun.id))?.note).toBe('新来的');
  });
});
