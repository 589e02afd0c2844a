export { ACTIONS, ADMIN_ONLY, type Action } from './actions.js';
export { actorOf, assertCan, authorize, forbiddenAction } from './authorize.js';
export {
  can,
  grantedScopes,
  guestActor,
  ROLE_GRANTS,
  type Actor,
  type RoleAssignment,
  type Target,
} from './policy.js';
export { communityOf, covers, parseScope, scopeId, scopeKindOf, type ScopeId } from './scope.js';
export {
  assignment,
  assignmentKey,
  membershipRoles,
  roleFitsScope,
  scopeFromInput,
  uniqueRoles,
  withMembershipRoles,
  type ScopeTree,
} from './roles.js';
