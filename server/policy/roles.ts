import {
  ROLE_SCOPE_KINDS,
  type HouseholdRelation,
  type Role,
  type ScopeInput,
} from '../../shared/schemas/community.js';
import type { RoleAssignment } from './policy.js';
import { scopeId, scopeKindOf, type ScopeId } from './scope.js';

/** The community as far as naming a scope needs it. */
export interface ScopeTree {
  id: string;
  compounds: readonly { code: string; buildings: readonly { code: string }[] }[];
}

/**
 * Turns a scope named in a request into a scope id inside `tree`, or null when no such place exists.
 * `household` is the household the input names, already looked up (null if unknown).
 */
export function scopeFromInput(
  input: ScopeInput,
  tree: ScopeTree,
  household: { id: string; communityId: string; scope: ScopeId } | null,
): ScopeId | null {
  switch (input.kind) {
    case 'community':
      return scopeId.community(tree.id);
    case 'compound':
      return tree.compounds.some((c) => c.code === input.compound)
        ? scopeId.compound(tree.id, input.compound)
        : null;
    case 'building': {
      const compound = tree.compounds.find((c) => c.code === input.compound);
      return compound?.buildings.some((b) => b.code === input.building)
        ? scopeId.building(tree.id, input.compound, input.building)
        : null;
    }
    case 'household':
      return household && household.id === input.householdId && household.communityId === tree.id
        ? household.scope
        : null;
  }
}

export const roleFitsScope = (role: Role, scope: ScopeId): boolean =>
  ROLE_SCOPE_KINDS[role].includes(scopeKindOf(scope));

export const assignment = (role: Role, scope: ScopeId): RoleAssignment => ({
  role,
  scopeKind: scopeKindOf(scope),
  scopeId: scope,
});

export const assignmentKey = (a: Pick<RoleAssignment, 'role' | 'scopeId'>) => `${a.role}@${a.scopeId}`;

/** The household roles a relation implies: owners and tenants hold that role in their household. */
export function membershipRoles(householdScope: ScopeId, relation: HouseholdRelation): RoleAssignment[] {
  return relation === 'family' ? [] : [assignment(relation, householdScope)];
}

/**
 * Replaces the owner/tenant assignments with what the new membership implies, keeping every other
 * role, so a resident's household roles always match where they live.
 */
export function withMembershipRoles(
  roles: readonly RoleAssignment[],
  membership: { householdScope: ScopeId; relation: HouseholdRelation } | null,
): RoleAssignment[] {
  const kept = roles.filter(
    (r) => !(r.scopeKind === 'household' && (r.role === 'owner' || r.role === 'tenant')),
  );
  const implied = membership ? membershipRoles(membership.householdScope, membership.relation) : [];
  return uniqueRoles([...kept, ...implied]);
}

export function uniqueRoles(roles: readonly RoleAssignment[]): RoleAssignment[] {
  const seen = new Map<string, RoleAssignment>();
  for (const r of roles) seen.set(assignmentKey(r), r);
  return [...seen.values()];
}
