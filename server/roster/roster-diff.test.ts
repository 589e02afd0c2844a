import { describe, expect, it } from 'vitest';
import { maskPhone, type RosterRow } from './roster-format.js';
import {
  planRosterImport,
  type ExistingMember,
  type ExistingRoster,
  type RosterPlan,
} from './roster-diff.js';
import { parseRoster } from './roster-parser.js';
import { writeRoster } from './roster-writer.js';
import { generatedRows, residentRow, rosterBuffer } from './roster.factories.js';

function row(overrides: Partial<RosterRow> = {}): RosterRow {
  return {
    rowNumber: 2,
    address: '3-2-501',
    building: '3',
    unit: '2',
    room: '501',
    name: '张伟',
    phone: '13800138000',
    relation: 'owner',
    area: 89.5,
    note: null,
    ...overrides,
  };
}

function member(overrides: Partial<ExistingMember> = {}): ExistingMember {
  return {
    id: 'm1',
    householdId: 'h1',
    name: '张伟',
    phone: '13800138000',
    relation: 'owner',
    area: 89.5,
    note: null,
    ...overrides,
  };
}

/** Applies a plan the way the DB wiring will, to an in-memory copy of the state. */
function apply(state: ExistingRoster, plan: RosterPlan): ExistingRoster {
  const households = [...state.households];
  const members = state.members.map((m) => ({ ...m }));
  for (const household of plan.createHouseholds) {
    households.push({ id: `h${households.length + 1}`, address: household.address });
  }
  const idOf = new Map(households.map((h) => [h.address, h.id]));
  for (const resident of plan.createResidents) {
    const householdId = resident.householdId ?? idOf.get(resident.address);
    if (!householdId) throw new Error(`no household for ${resident.address}`);
    const { name, phone, relation, area, note } = resident;
    members.push({ id: `m${members.length + 1}`, householdId, name, phone, relation, area, note });
  }
  for (const update of plan.updateResidents) {
    const target = members.find((m) => m.id === update.id);
    if (!target) throw new Error(`no member ${update.id}`);
    Object.assign(target, update.changes);
  }
  return { households, members };
}

const EMPTY: ExistingRoster = { households: [], members: [] };

describe('planRosterImport', () => {
  it('creates each new household once and every resident in it', () => {
    const plan = planRosterImport(
      [
        row(),
        row({ rowNumber: 3, name: '李娜', relation: 'family', phone: null, area: null }),
        row({ rowNumber: 4, address: '4-1-101', building: '4', unit: '1', room: '101', name: '王芳' }),
      ],
      EMPTY,
    );
    expect(plan.createHouseholds).toEqual([
      { address: '3-2-501', building: '3', unit: '2', room: '501' },
      { address: '4-1-101', building: '4', unit: '1', room: '101' },
    ]);
    expect(plan.createResidents.map((r) => [r.rowNumber, r.address, r.householdId, r.name])).toEqual([
      [2, '3-2-501', null, '张伟'],
      [3, '3-2-501', null, '李娜'],
      [4, '4-1-101', null, '王芳'],
    ]);
    expect(plan.updateResidents).toEqual([]);
    expect(plan.unchanged).toEqual([]);
  });

  it('adds a new member to an existing household by its id', () => {
    const plan = planRosterImport([row({ name: '张小明', relation: 'family', area: null })], {
      households: [{ id: 'h1', address: '3-2-501' }],
      members: [member()],
    });
    expect(plan.createHouseholds).toEqual([]);
    expect(plan.createResidents).toEqual([
      {
        rowNumber: 2,
        address: '3-2-501',
        householdId: 'h1',
        name: '张小明',
        phone: '13800138000',
        relation: 'family',
        area: null,
        note: null,
      },
    ]);
  });

  it('updates only the fields that differ, with what they were', () => {
    const plan = planRosterImport([row({ phone: '13900000000', relation: 'tenant', note: '已搬走' })], {
      households: [{ id: 'h1', address: '3-2-501' }],
      members: [member()],
    });
    expect(plan.updateResidents).toEqual([
      {
        rowNumber: 2,
        id: 'm1',
        householdId: 'h1',
        name: '张伟',
        changes: { phone: '13900000000', relation: 'tenant', note: '已搬走' },
        before: { phone: '13800138000', relation: 'owner', note: null },
      },
    ]);
    expect(plan.unchanged).toEqual([]);
  });

  it('keeps stored values where the file leaves a cell empty or masked', () => {
    const plan = planRosterImport([row({ phone: null, area: null, note: null })], {
      households: [{ id: 'h1', address: '3-2-501' }],
      members: [member({ note: '楼道长' })],
    });
    expect(plan.updateResidents).toEqual([]);
    expect(plan.unchanged).toEqual([{ rowNumber: 2, id: 'm1' }]);
  });

  it('matches names ignoring width, case and spaces', () => {
    const plan = planRosterImport([row({ name: 'Ｌｉ  WEI' })], {
      households: [{ id: 'h1', address: '3-2-501' }],
      members: [member({ name: 'li wei' })],
    });
    expect(plan.unchanged).toEqual([{ rowNumber: 2, id: 'm1' }]);
    expect(plan.createResidents).toEqual([]);
  });

  it('refuses rows that repeat an address and name, which the parser never yields', () => {
    expect(() => planRosterImport([row(), row({ rowNumber: 3, name: '张 伟' })], EMPTY)).toThrow(
      /repeat 3-2-501/,
    );
  });

  it('plans nothing but unchanged when the same file is imported again', async () => {
    const file = await rosterBuffer([...generatedRows(600), residentRow({ building: 99, name: '最后一位' })]);
    const first = await parseRoster(file);
    expect(first.errors).toEqual([]);
    const firstPlan = planRosterImport(first.rows, EMPTY);
    expect(firstPlan.createResidents).toHaveLength(601);
    const state = apply(EMPTY, firstPlan);

    const second = planRosterImport((await parseRoster(file)).rows, state);
    expect(second.createHouseholds).toEqual([]);
    expect(second.createResidents).toEqual([]);
    expect(second.updateResidents).toEqual([]);
    expect(second.unchanged).toHaveLength(601);
    expect(apply(state, second)).toEqual(state);
  });

  it('plans nothing but unchanged when staff re-import an export, masked phones and all', async () => {
    const first = await parseRoster(await rosterBuffer(generatedRows(300)));
    const state = apply(EMPTY, planRosterImport(first.rows, EMPTY));
    const exported = await writeRoster(
      first.rows.map((r) => ({ ...r, phone: maskPhone(r.phone) })),
      { language: 'zh-TW' },
    );
    const plan = planRosterImport((await parseRoster(exported)).rows, state);
    expect(plan.createHouseholds).toEqual([]);
    expect(plan.createResidents).toEqual([]);
    expect(plan.updateResidents).toEqual([]);
    expect(plan.unchanged).toHaveLength(300);
    expect(state.members.filter((m) => m.phone !== null).length).toBeGreaterThan(0);
  });

  it('applies an edited file as updates and creations only', async () => {
    const original = [residentRow(), residentRow({ name: '李娜', relation: '家庭成员', area: null })];
    const state = apply(
      EMPTY,
      planRosterImport((await parseRoster(await rosterBuffer(original))).rows, EMPTY),
    );
    const edited = [
      residentRow({ area: 90 }),
      residentRow({ name: '李娜', relation: '家庭成员', area: null }),
      residentRow({ name: '张小明', relation: '家庭成员', phone: null, area: null }),
    ];
    const plan = planRosterImport((await parseRoster(await rosterBuffer(edited))).rows, state);
    expect(plan.createHouseholds).toEqual([]);
    expect(plan.createResidents.map((r) => r.name)).toEqual(['张小明']);
    expect(plan.updateResidents.map((u) => [u.name, u.changes, u.before])).toEqual([
      ['张伟', { area: 90 }, { area: 89.5 }],
    ]);
    expect(plan.unchanged.map((u) => u.rowNumber)).toEqual([3]);
  });
});
