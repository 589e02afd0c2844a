import { describe, expect, it, vi } from 'vitest';
import type { ImportStatus } from '../../shared/schemas/roster.js';
import type { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { RoleAssignment } from '../policy/policy.js';
import { assignment, withMembershipRoles } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import type { CommunityTree } from '../repositories/community.repository.js';
import type { HouseholdRecord, NewHousehold } from '../repositories/household.repository.js';
import type { ImportJobPatch, ImportJobRecord, NewImportJob } from '../repositories/import-job.repository.js';
import type {
  NewRosterMember,
  RosterMember,
  RosterMemberChanges,
  RosterMemberExpected,
} from '../repositories/resident.repository.js';
import type { RowError } from '../roster/roster-format.js';
import { generatedRows, loadWorkbook, residentRow, rosterBuffer } from '../roster/roster.factories.js';
import type { AuditInput } from './audit.service.js';
import { PhoneProtector } from './phone-protector.js';
import { RosterService, type RosterActor, type RosterServiceDeps } from './roster.service.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const OTHER_C = 'c9c9c9c9c9c9c9c9c9c9c9c9';
const TREE: CommunityTree = {
  id: C,
  code: 'lingshan',
  name: '灵山社区',
  compounds: [{ code: 'garden', name: '灵山花园', buildings: [{ code: '3', name: '3栋', units: ['2'] }] }],
};
const TWO_COMPOUNDS: CommunityTree = {
  ...TREE,
  compounds: [...TREE.compounds, { code: 'east', name: '东区', buildings: [] }],
};

const actor = (role: 'secretary' | 'admin' | 'buildingLead' | 'resident', communityId = C): RosterActor => ({
  id: 'a0a0a0a0a0a0a0a0a0a0a0a0',
  communityId,
  householdScope: null,
  name: '陈书记',
  roles: [
    assignment(
      role,
      role === 'buildingLead' ? scopeId.building(communityId, 'garden', '3') : scopeId.community(communityId),
    ),
  ],
});
const SECRETARY = actor('secretary');

/** In-memory repositories with the real ones' contracts: conditional updates on version and values. */
function setup(options: { tree?: CommunityTree; deps?: Partial<RosterServiceDeps> } = {}) {
  const tree = options.tree ?? TREE;
  let seq = 0;
  const nextId = () => (++seq).toString(16).padStart(24, '0');
  const households = new Map<string, HouseholdRecord>();
  const members = new Map<string, RosterMember>();
  const jobs = new Map<string, ImportJobRecord>();
  const jobErrors = new Map<string, RowError[]>();
  const statuses = new Map<string, ImportStatus[]>();
  const audits: AuditInput[] = [];
  const phones = new PhoneProtector(Buffer.alloc(32, 3));

  const addHousehold = (input: NewHousehold): HouseholdRecord => {
    const address = `${input.building}-${input.unit}-${input.room}`;
    const found = [...households.values()].find(
      (h) => h.compound === input.compound && h.address === address,
    );
    if (found) return found;
    const id = nextId();
    const record = {
      ...input,
      id,
      address,
      scope: scopeId.household(input.communityId, input.compound, input.building, id),
    };
    households.set(id, record);
    return record;
  };

  const addMember = (input: NewRosterMember): RosterMember => {
    const m: RosterMember = {
      id: nextId(),
      householdId: input.membership.householdId,
      householdScope: input.membership.householdScope,
      name: input.name,
      phoneHash: input.phone?.hash ?? null,
      phoneMasked: input.phone?.masked ?? null,
      relation: input.membership.relation,
      floorArea: input.membership.relation === 'owner' ? input.membership.floorArea : null,
      note: input.note,
      roles: withMembershipRoles(input.roles, input.membership),
      version: 0,
    };
    members.set(m.id, m);
    return m;
  };

  const matches = (m: RosterMember, expected: RosterMemberExpected): boolean =>
    m.version === expected.version &&
    (expected.phoneHash === undefined || m.phoneHash === expected.phoneHash) &&
    (expected.relation === undefined || m.relation === expected.relation) &&
    (expected.floorArea === undefined || m.floorArea === expected.floorArea) &&
    (expected.note === undefined || m.note === expected.note);

  const deps: RosterServiceDeps = {
    jobs: {
      create: async (input: NewImportJob) => {
        const job: ImportJobRecord = {
          ...input,
          id: nextId(),
          status: 'queued',
          progress: { done: 0, total: null },
          counts: { created: 0, updated: 0, unchanged: 0, errors: 0 },
          fileError: null,
          failure: null,
          errorsRecorded: false,
          createdAt: new Date('2026-03-05T02:00:00Z'),
          finishedAt: null,
        };
        jobs.set(job.id, job);
        statuses.set(job.id, ['queued']);
        return { ...job };
      },
      findById: async (id) => {
        const job = jobs.get(id);
        return job ? structuredClone(job) : null;
      },
      update: async (id, patch: ImportJobPatch) => {
        Object.assign(jobs.get(id)!, structuredClone(patch));
        if (patch.status) statuses.get(id)!.push(patch.status);
      },
      saveErrors: async (id, errors) => {
        jobErrors.set(id, [...errors]);
        jobs.get(id)!.errorsRecorded = true;
      },
      errorsOf: async (id) => jobErrors.get(id) ?? [],
      failUnfinished: vi.fn(async () => 2),
    },
    residents: {
      listRosterMembers: async (communityId) =>
        [...members.values()]
          .filter((m) => households.get(m.householdId)?.communityId === communityId)
          .map((m) => structuredClone(m)),
      rosterMember: async (id) => {
        const m = members.get(id);
        return m ? structuredClone(m) : null;
      },
      createRosterMembers: async (inputs) => {
        for (const input of inputs) addMember(input);
      },
      updateRosterMember: async (id, expected, changes: RosterMemberChanges) => {
        const m = members.get(id);
        if (!m || !matches(m, expected)) return false;
        if (changes.phone)
          Object.assign(m, { phoneHash: changes.phone.hash, phoneMasked: changes.phone.masked });
        if (changes.relation) m.relation = changes.relation;
        if (changes.floorArea !== undefined) m.floorArea = changes.floorArea;
        if (changes.note !== undefined) m.note = changes.note;
        if (changes.roles) m.roles = [...changes.roles];
        m.version += 1;
        return true;
      },
    },
    households: {
      ensureMany: async (inputs) => inputs.map(addHousehold),
      listByCommunity: async (communityId, compound) =>
        [...households.values()].filter(
          (h) => h.communityId === communityId && (!compound || h.compound === compound),
        ),
    },
    communities: { findTree: async (id) => (id === tree.id ? tree : null) },
    audit: { record: async (input) => void audits.push(input) },
    phones,
    log: createLogger('silent'),
    progressIntervalMs: 0,
    now: () => new Date('2026-03-05T18:30:00Z'),
    ...options.deps,
  };
  const service = new RosterService(deps);

  /** Uploads as the secretary and waits for the job to end. */
  const importFile = async (file: Buffer) => {
    const { jobId } = await service.startImport(SECRETARY, { file, language: 'en' });
    await service.whenIdle();
    return jobs.get(jobId)!;
  };
  const byName = (name: string) => [...members.values()].find((m) => m.name === name);
  return {
    service,
    deps,
    households,
    members,
    jobs,
    statuses,
    audits,
    phones,
    addHousehold,
    addMember,
    importFile,
    byName,
  };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a failure');
}

const resident = (role: RoleAssignment['role'], at: string) => [assignment(role, at)];

describe('RosterService.startImport', () => {
  it('403 for a building lead and a resident, before reading the file', async () => {
    const { service, jobs } = setup();
    const file = await rosterBuffer([residentRow()]);
    for (const who of [actor('buildingLead'), actor('resident')]) {
      const err = await failure(service.startImport(who, { file, language: 'en' }));
      expect([err.status, err.code]).toEqual([403, 'forbidden']);
    }
    expect(jobs.size).toBe(0);
  });

  it('400 at once for a file that is not a roster, with the reason in the caller language', async () => {
    const { service, jobs } = setup();
    const notXlsx = await failure(
      service.startImport(SECRETARY, { file: Buffer.from('a,b'), language: 'en' }),
    );
    expect([notXlsx.status, notXlsx.code]).toEqual([400, 'not_xlsx']);
    const headers = await failure(
      service.startImport(SECRETARY, { file: await rosterBuffer([['3']], ['楼栋']), language: 'en' }),
    );
    expect(headers.code).toBe('missing_headers');
    expect(headers.params.reason).toBe('Missing required columns: Unit, Room, Name, and Relation');
    expect(jobs.size).toBe(0);
  });

  it('asks which compound when the community has several, and refuses an unknown one', async () => {
    const { service } = setup({ tree: TWO_COMPOUNDS });
    const file = await rosterBuffer([residentRow()]);
    expect((await failure(service.startImport(SECRETARY, { file, language: 'en' }))).code).toBe(
      'compound_required',
    );
    expect(
      (await failure(service.startImport(SECRETARY, { file, compound: 'west', language: 'en' }))).code,
    ).toBe('unknown_compound');
    const { jobId } = await service.startImport(SECRETARY, { file, compound: 'east', language: 'en' });
    await service.whenIdle();
    expect((await service.getImport(SECRETARY, jobId, 'en')).status).toBe('done');
  });

  it('503 when too many uploads wait', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { service, jobs, deps } = setup({ deps: { maxQueued: 1 } });
    const realList = deps.residents.listRosterMembers;
    deps.residents.listRosterMembers = async (id) => {
      await gate;
      return realList(id);
    };
    const file = await rosterBuffer([residentRow()]);
    await service.startImport(SECRETARY, { file, language: 'en' });
    await service.startImport(SECRETARY, { file, language: 'en' });
    const err = await failure(service.startImport(SECRETARY, { file, language: 'en' }));
    expect([err.status, err.code]).toEqual([503, 'import_queue_full']);
    release();
    await service.whenIdle();
    expect([...jobs.values()].map((j) => j.status)).toEqual(['done', 'done']);
  });
});

describe('an import job', () => {
  it('parses, plans and applies: new households and residents, protected phones, owner roles', async () => {
    const { importFile, statuses, households, byName, phones } = setup();
    const job = await importFile(
      await rosterBuffer([
        residentRow(),
        residentRow({ name: '李娜', relation: '家庭成员', phone: null, area: null }),
        residentRow({ room: '502', name: '王芳', relation: '租户', area: 70 }),
        residentRow({ room: '503', name: null }),
      ]),
    );
    expect(statuses.get(job.id)).toEqual(['queued', 'parsing', 'applying', 'done']);
    expect(job).toMatchObject({
      status: 'done',
      progress: { done: 3, total: 3 },
      counts: { created: 3, updated: 0, unchanged: 0, errors: 1 },
    });
    expect([...households.values()].map((h) => `${h.compound}/${h.address}`).sort()).toEqual([
      'garden/3-2-501',
      'garden/3-2-502',
    ]);
    const zhang = byName('张伟')!;
    expect(zhang).toMatchObject({
      phoneMasked: '138****8000',
      phoneHash: phones.hashOf('13800138000'),
      relation: 'owner',
      floorArea: 89.5,
    });
    expect(zhang.roles.map((r) => r.role).sort()).toEqual(['owner', 'resident']);
    expect(byName('李娜')!.householdId).toBe(zhang.householdId);
    // Tenants hold no floor area; the cell is ignored rather than stored.
    expect(byName('王芳')).toMatchObject({ relation: 'tenant', floorArea: null });
  });

  it('updates changed rows with a conditional write, moving roles with the relation, and audits them', async () => {
    const { importFile, byName, audits } = setup();
    await importFile(
      await rosterBuffer([residentRow({ relation: '家庭成员', area: null, note: '独居老人' })]),
    );
    const before = byName('张伟')!;
    const job = await importFile(
      await rosterBuffer([residentRow({ phone: '13900139000', relation: '业主', area: 95, note: null })]),
    );
    expect(job.counts).toEqual({ created: 0, updated: 1, unchanged: 0, errors: 0 });
    const after = byName('张伟')!;
    expect(after).toMatchObject({
      phoneMasked: '139****9000',
      relation: 'owner',
      floorArea: 95,
      note: '独居老人',
    });
    expect(after.roles).toContainEqual(assignment('owner', before.householdScope!));
    const entry = audits.find((a) => a.action === 'roster.updateResident')!;
    expect(entry).toMatchObject({
      actor: { id: SECRETARY.id, name: '陈书记' },
      target: { kind: 'resident', id: before.id, label: '张伟', scope: before.householdScope },
      before: { phone: '138****8000', relation: 'family', floorArea: null },
      after: { phone: '139****9000', relation: 'owner', floorArea: 95, importJob: job.id },
    });
    expect(JSON.stringify(audits)).not.toMatch(/1[3-9]\d{9}/);
  });

  it('changes nothing and audits no resident when the same file comes again', async () => {
    const { importFile, members, audits } = setup();
    const file = await rosterBuffer(generatedRows(60));
    await importFile(file);
    const snapshot = structuredClone([...members.values()]);
    const auditsBefore = audits.length;
    const job = await importFile(file);
    expect(job.counts).toEqual({ created: 0, updated: 0, unchanged: 60, errors: 0 });
    expect([...members.values()]).toEqual(snapshot);
    expect(audits.slice(auditsBefore).map((a) => a.action)).toEqual(['roster.import']);
  });

  it('re-plans a row whose resident changed meanwhile, against what is stored now', async () => {
    const ctx = setup();
    await ctx.importFile(await rosterBuffer([residentRow({ note: '旧备注' })]));
    const zhang = ctx.byName('张伟')!;
    const real = ctx.deps.residents.updateRosterMember;
    let raced = false;
    ctx.deps.residents.updateRosterMember = async (id, expected, changes) => {
      if (!raced) {
        raced = true;
        // Staff edit the resident just before the import's write lands: the note as the file has it,
        // the phone differently.
        Object.assign(ctx.members.get(id)!, {
          note: '新备注',
          phoneHash: 'edited',
          phoneMasked: '137****0000',
          version: 7,
        });
      }
      return real(id, expected, changes);
    };
    const job = await ctx.importFile(await rosterBuffer([residentRow({ note: '新备注' })]));
    expect(job.counts).toMatchObject({ updated: 1, unchanged: 0 });
    expect(ctx.members.get(zhang.id)).toMatchObject({
      note: '新备注',
      phoneMasked: '138****8000',
      version: 8,
    });
    const entries = ctx.audits.filter((a) => a.action === 'roster.updateResident');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ before: { phone: '137****0000' }, after: { phone: '138****8000' } });
    expect(entries[0]!.before).not.toHaveProperty('note');
  });

  it('after a crash part-way, importing the same file again finishes the job without twins', async () => {
    const ctx = setup();
    const real = ctx.deps.residents.createRosterMembers;
    let calls = 0;
    ctx.deps.residents.createRosterMembers = async (inputs) => {
      calls += 1;
      if (calls === 2) throw new Error('engine went away');
      return real(inputs);
    };
    const file = await rosterBuffer(generatedRows(450));
    const crashed = await ctx.importFile(file);
    expect(crashed).toMatchObject({ status: 'failed', failure: 'internal', counts: { created: 200 } });
    expect(ctx.audits.at(-1)).toMatchObject({
      action: 'roster.import',
      after: { created: 200, completed: false },
    });

    const rerun = await ctx.importFile(file);
    expect(rerun).toMatchObject({ status: 'done', counts: { created: 250, unchanged: 200, errors: 0 } });
    expect(ctx.members.size).toBe(450);
    expect(new Set([...ctx.members.values()].map((m) => `${m.householdId}/${m.name}`)).size).toBe(450);
  });

  it('records a file refused while parsing (too many rows) on the job, with no changes', async () => {
    const { importFile, members } = setup();
    const job = await importFile(await rosterBuffer(generatedRows(20_001)));
    expect(job).toMatchObject({ status: 'failed', fileError: { code: 'tooManyRows', maxRows: 20_000 } });
    expect(job.errorsRecorded).toBe(false);
    expect(members.size).toBe(0);
  }, 30_000);

  it('stop() interrupts the running job at its next row and fails the waiting ones', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ctx = setup();
    const realList = ctx.deps.residents.listRosterMembers;
    ctx.deps.residents.listRosterMembers = async (id) => {
      await gate;
      return realList(id);
    };
    const file = await rosterBuffer(generatedRows(10));
    const first = await ctx.service.startImport(SECRETARY, { file, language: 'en' });
    const second = await ctx.service.startImport(SECRETARY, { file, language: 'en' });
    await vi.waitFor(() => expect(ctx.jobs.get(first.jobId)!.status).toBe('applying'));
    const stopped = ctx.service.stop();
    release();
    await stopped;
    expect(ctx.jobs.get(first.jobId)).toMatchObject({ status: 'failed', failure: 'interrupted' });
    expect(ctx.jobs.get(second.jobId)).toMatchObject({ status: 'failed', failure: 'interrupted' });
    expect(ctx.members.size).toBe(0);
    const late = await failure(ctx.service.startImport(SECRETARY, { file, language: 'en' }));
    expect(late.code).toBe('shutting_down');
  });

  it('recoverInterrupted fails what the previous process left unfinished', async () => {
    const { service, deps } = setup();
    await service.recoverInterrupted();
    expect(deps.jobs.failUnfinished).toHaveBeenCalledWith('interrupted', new Date('2026-03-05T18:30:00Z'));
  });
});

describe('RosterService.getImport and errorReport', () => {
  it('404 for an unknown job, 403 for staff of another community and for residents', async () => {
    const { service, importFile } = setup();
    const job = await importFile(await rosterBuffer([residentRow()]));
    expect((await failure(service.getImport(SECRETARY, 'f'.repeat(24), 'en'))).status).toBe(404);
    expect((await failure(service.getImport(actor('admin', OTHER_C), job.id, 'en'))).status).toBe(403);
    expect((await failure(service.getImport(actor('resident'), job.id, 'en'))).status).toBe(403);
  });

  it('presents failures in the viewer language', async () => {
    const { service, jobs, importFile } = setup();
    const job = await importFile(await rosterBuffer([residentRow()]));
    Object.assign(jobs.get(job.id)!, { status: 'failed', failure: 'interrupted' });
    const view = await service.getImport(SECRETARY, job.id, 'zh-CN');
    expect(view.failure).toEqual({
      code: 'interrupted',
      message: expect.stringContaining('请再导入一次同一个文件') as unknown,
    });
  });

  it('409 before parsing is over; then every row error, named in the caller language', async () => {
    const { service, jobs, importFile } = setup();
    const job = await importFile(await rosterBuffer([residentRow({ relation: '邻居' })]));
    Object.assign(jobs.get(job.id)!, { errorsRecorded: false });
    expect((await failure(service.errorReport(SECRETARY, job.id, 'en'))).status).toBe(409);
    Object.assign(jobs.get(job.id)!, { errorsRecorded: true });
    const report = await service.errorReport(SECRETARY, job.id, 'zh-TW');
    expect(report.filename).toBe('匯入錯誤-2026-03-05.xlsx');
    expect(report.asciiFilename).toBe('roster-import-errors-2026-03-05.xlsx');
    const sheet = (await loadWorkbook(report.body)).worksheets[0]!;
    expect(sheet.getRow(2).getCell(4).text).toBe('身分應為 業主、租戶 或 家庭成員');
  });
});

describe('RosterService.exportRoster', () => {
  it('403 for a building lead', async () => {
    const { service } = setup();
    expect((await failure(service.exportRoster(actor('buildingLead'), {}, 'en'))).status).toBe(403);
  });

  it('lists residents by address with masked phones, named after the community and the China date', async () => {
    const ctx = setup();
    for (const [building, room, name] of [
      ['10', '101', '十号'],
      ['2', '101', '二号'],
      ['2', '101', '二号家属'],
    ] as const) {
      const h = ctx.addHousehold({ communityId: C, compound: 'garden', building, unit: '1', room });
      ctx.addMember({
        communityId: C,
        name,
        membership: { householdId: h.id, householdScope: h.scope, relation: 'owner', floorArea: 80 },
        phone: ctx.phones.protect('13800138000'),
        note: null,
        roles: resident('resident', C),
      });
    }
    const file = await ctx.service.exportRoster(SECRETARY, {}, 'en');
    // 18:30 UTC is already the next day in China.
    expect(file.filename).toBe('灵山社区-roster-2026-03-06.xlsx');
    const sheet = (await loadWorkbook(file.body)).worksheets[0]!;
    const rows = sheet.getRows(2, 3)!.map((r) => [r.getCell(1).text, r.getCell(4).text, r.getCell(5).text]);
    expect(rows).toEqual([
      ['2', '二号', '138****8000'],
      ['2', '二号家属', '138****8000'],
      ['10', '十号', '138****8000'],
    ]);
    expect(ctx.audits).toEqual([
      expect.objectContaining({ action: 'roster.export', after: { residents: 3 } }) as unknown,
    ]);
  });
});
