import type { RoleAssignmentView } from '../../shared/schemas/community.js';
import type { HouseholdView, ResidentView } from '../../shared/schemas/resident.js';
import type { RoleAssignment } from '../policy/policy.js';
import { parseScope } from '../policy/scope.js';
import type { HouseholdRecord } from '../repositories/household.repository.js';
import type { ResidentRecord } from '../repositories/resident.repository.js';

export function presentRole(r: RoleAssignment): RoleAssignmentView {
  const scope = parseScope(r.scopeId);
  return {
    role: r.role,
    scopeKind: r.scopeKind,
    scopeId: r.scopeId,
    compound: scope.compound,
    building: scope.building,
    householdId: scope.householdId,
  };
}

export function presentHousehold(h: HouseholdRecord, resident: ResidentRecord): HouseholdView {
  const member = resident.householdId === h.id;
  return {
    id: h.id,
    address: h.address,
    compound: h.compound,
    building: h.building,
    unit: h.unit,
    room: h.room,
    relation: member ? resident.relation : null,
    floorArea: member ? resident.floorArea : null,
  };
}

/** What anyone allowed to read a resident sees; the phone number only ever masked. */
export function presentResident(resident: ResidentRecord, household: HouseholdRecord | null): ResidentView {
  return {
    id: resident.id,
    name: resident.name,
    phone: resident.phoneMasked,
    communityId: resident.communityId,
    household: household ? presentHousehold(household, resident) : null,
    roles: resident.roles.map(presentRole),
  };
}
