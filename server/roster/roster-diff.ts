/**
 * Plans what an import changes, so that applying the plan is a list of single-document writes and
 * re-importing the same file plans nothing but `unchanged`. Pure: the caller loads the existing state
 * of one community (two queries), applies the plan, and records it in the audit log.
 *
 * Identity: a household is its address (`3-2-501`) within the community; a member is a name within a
 * household, compared by {@link nameKey} (width, case and spaces ignored). The parser has already
 * rejected rows repeating an address and name (`duplicateRow`).
 *
 * An import adds and updates, never removes: residents missing from the file stay, and an empty phone,
 * area or note cell (or a masked phone from our own export) keeps the stored value rather than
 * erasing it, so exporting, editing and re-importing loses nothing.
 *
 * Applying a plan, one single-document write each, safe to re-run after a crash:
 * - createHouseholds: `updateOne({communityId, address}, {$setOnInsert: {...household, compound}},
 *   {upsert: true})` (unique index communityId+address), then read back the ids by address;
 * - createResidents: insert with the household id (`householdId ?? idByAddress.get(address)`), under a
 *   unique index householdId+nameKey, so a second run hits the index instead of creating twins;
 * - updateResidents: `updateOne({_id: id, ...before}, {$set: changes})`; zero matched means someone
 *   edited the resident meanwhile: re-plan that row rather than overwrite;
 * - unchanged: nothing; audit `{changes, before}` per update and the plan's counts per import.
 */
import { nameKey, type Relation, type RosterRow } from './roster-format.js';

/** A household already stored, as `{ _id, address }` from the households collection. */
export interface ExistingHousehold {
  id: string;
  address: string;
}

/** A member already stored (a resident within a household). */
export interface ExistingMember {
  id: string;
  householdId: string;
  name: string;
  phone: string | null;
  relation: Relation;
  area: number | null;
  note: string | null;
}

export interface ExistingRoster {
  households: readonly ExistingHousehold[];
  members: readonly ExistingMember[];
}

export interface PlannedHousehold {
  address: string;
  building: string;
  unit: string;
  room: string;
}

export interface PlannedMember {
  rowNumber: number;
  /** Always set; the key to find the household once `createHouseholds` has been applied. */
  address: string;
  /** Set when the household already exists; null when it is in `createHouseholds`. */
  householdId: string | null;
  name: string;
  phone: string | null;
  relation: Relation;
  area: number | null;
  note: string | null;
}

export type MemberChanges = Partial<Pick<ExistingMember, 'phone' | 'relation' | 'area' | 'note'>>;

export interface PlannedUpdate {
  rowNumber: number;
  id: string;
  householdId: string;
  name: string;
  /** Only the fields that change: the `$set` of a conditional update. */
  changes: MemberChanges;
  /** The same fields as they are stored now: the audit's "before", and the update's condition. */
  before: MemberChanges;
}

export interface PlannedUnchanged {
  rowNumber: number;
  id: string;
}

export interface RosterPlan {
  createHouseholds: PlannedHousehold[];
  createResidents: PlannedMember[];
  updateResidents: PlannedUpdate[];
  unchanged: PlannedUnchanged[];
}

const UPDATABLE = ['phone', 'relation', 'area', 'note'] as const;

export function planRosterImport(rows: readonly RosterRow[], existing: ExistingRoster): RosterPlan {
  const householdByAddress = new Map(existing.households.map((household) => [household.address, household]));
  const memberByKey = new Map(
    existing.members.map((member) => [memberKey(member.householdId, member.name), member]),
  );
  const plan: RosterPlan = { createHouseholds: [], createResidents: [], updateResidents: [], unchanged: [] };
  const plannedHouseholds = new Set<string>();
  const seen = new Set<string>();

  for (const row of rows) {
    const rowKey = `${row.address}\n${nameKey(row.name)}`;
    if (seen.has(rowKey)) {
      throw new Error(`planRosterImport: rows ${row.rowNumber} and an earlier row repeat ${row.address}`);
    }
    seen.add(rowKey);

    const household = householdByAddress.get(row.address);
    if (!household) {
      if (!plannedHouseholds.has(row.address)) {
        plannedHouseholds.add(row.address);
        plan.createHouseholds.push({
          address: row.address,
          building: row.building,
          unit: row.unit,
          room: row.room,
        });
      }
      plan.createResidents.push(plannedMember(row, null));
      continue;
    }

    const member = memberByKey.get(memberKey(household.id, row.name));
    if (!member) {
      plan.createResidents.push(plannedMember(row, household.id));
      continue;
    }

    const changes: MemberChanges = {};
    const before: MemberChanges = {};
    for (const field of UPDATABLE) {
      const next = row[field];
      // Empty cells keep what is stored; relation is required, so never null here.
      if (next === null || next === member[field]) continue;
      Object.assign(changes, { [field]: next });
      Object.assign(before, { [field]: member[field] });
    }
    if (Object.keys(changes).length === 0) {
      plan.unchanged.push({ rowNumber: row.rowNumber, id: member.id });
    } else {
      plan.updateResidents.push({
        rowNumber: row.rowNumber,
        id: member.id,
        householdId: household.id,
        name: member.name,
        changes,
        before,
      });
    }
  }
  return plan;
}

function memberKey(householdId: string, name: string): string {
  return `${householdId}\n${nameKey(name)}`;
}

function plannedMember(row: RosterRow, householdId: string | null): PlannedMember {
  const { rowNumber, address, name, phone, relation, area, note } = row;
  return { rowNumber, address, householdId, name, phone, relation, area, note };
}
