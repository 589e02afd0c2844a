import type { Role, RoleAssignmentView } from '../../shared/schemas/community.js';
import { ACTIONS, ADMIN_ONLY, type Action } from './actions.js';
import { communityOf, covers, type ScopeId } from './scope.js';

export interface RoleAssignment {
  role: Role;
  scopeKind: RoleAssignmentView['scopeKind'];
  scopeId: ScopeId;
}

/**
 * Who is acting: a signed-in resident, or a resident known from a chat message. A guest (a platform
 * account not bound yet) has no id and no roles, and belongs to the community of the group it wrote in.
 */
export interface Actor {
  id: string | null;
  communityId: string;
  /** The household the actor lives in, as a scope id; null when they have none. */
  householdScope: ScopeId | null;
  roles: readonly RoleAssignment[];
}

/** A platform account not bound to any resident yet, writing in a group of `communityId`. */
export const guestActor = (communityId: string): Actor => ({
  id: null,
  communityId,
  householdScope: null,
  roles: [],
});

/** What is acted on: where it sits in the tree and, when it is a person, who. */
export interface Target {
  scope: ScopeId;
  residentId?: string;
}

const ALL: readonly Action[] = ACTIONS;

/** What each role grants inside the scope it is held in. Roles not listed grant nothing beyond self. */
export const ROLE_GRANTS: Record<Role, readonly Action[]> = {
  admin: ALL,
  secretary: ALL.filter((a) => !ADMIN_ONLY.includes(a)),
  buildingLead: [
    'binding.decide',
    'resident.read',
    'household.read',
    'opinion.read',
    // Opinions raised in their building's groups: they are its residents' representative.
    'opinion.adopt',
    'notice.send',
    'notice.read',
    'report.manage',
  ],
  gridWorker: [
    'resident.read',
    'household.read',
    'opinion.read',
    'notice.send',
    'notice.read',
    'report.manage',
  ],
  // The deliberation committee (议事会) is where opinions are discussed and adopted.
  committeeMember: ['opinion.read', 'opinion.adopt', 'poll.create', 'report.manage'],
  propertyStaff: ['opinion.read', 'report.manage'],
  resident: [],
  owner: [],
  tenant: [],
  volunteer: [],
  partyMember: [],
  merchant: ['reward.manage', 'redemption.confirm'],
};

/** What anyone may do about themselves, whatever roles they hold. */
function selfAllows(actor: Actor, action: Action, target: Target): boolean {
  const ownCommunity = communityOf(target.scope) === actor.communityId;
  switch (action) {
    case 'resident.read':
      return actor.id !== null && target.residentId === actor.id;
    case 'household.read':
      return actor.householdScope !== null && target.scope === actor.householdScope;
    case 'binding.request':
    case 'opinion.read':
      return ownCommunity;
    default:
      return false;
  }
}

/** May `actor` do `action` on `target`? The one answer every route and staff command asks for. */
export function can(actor: Actor, action: Action, target: Target): boolean {
  if (selfAllows(actor, action, target)) return true;
  return actor.roles.some((r) => ROLE_GRANTS[r.role].includes(action) && covers(r.scopeId, target.scope));
}

/** The scopes in which the actor holds `action` through a role: what a staff list may show them. */
export function grantedScopes(actor: Actor, action: Action): ScopeId[] {
  const scopes = actor.roles.filter((r) => ROLE_GRANTS[r.role].includes(action)).map((r) => r.scopeId);
  // Drop scopes already inside another one, so callers query each place once.
  return [...new Set(scopes)].filter((s) => !scopes.some((o) => o !== s && covers(o, s)));
}
