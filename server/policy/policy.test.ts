import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, translator } from '../../shared/i18n/index.js';
import { ROLES, type Role } from '../../shared/schemas/community.js';
import type { AppError } from '../errors.js';
import { ACTIONS, type Action } from './actions.js';
import { authorize } from './authorize.js';
import { can, grantedScopes, guestActor, type Actor } from './policy.js';
import { assignment } from './roles.js';
import { covers, parseScope, scopeId, type ScopeId } from './scope.js';

const C1 = 'c1c1c1c1c1c1c1c1c1c1c1c1';
const C2 = 'c2c2c2c2c2c2c2c2c2c2c2c2';
const H1 = 'a1a1a1a1a1a1a1a1a1a1a1a1';
const H2 = 'a2a2a2a2a2a2a2a2a2a2a2a2';
const HOME = scopeId.household(C1, 'garden', '3', H1);

/**
 * Where each role is held in the matrix ("own"), and a sibling place of the same kind ("other"):
 * another community for community roles, another compound, building or household otherwise.
 */
const PLACES: Record<Role, { own: ScopeId; other: ScopeId }> = {
  resident: { own: scopeId.community(C1), other: scopeId.community(C2) },
  owner: { own: HOME, other: scopeId.household(C1, 'garden', '3', H2) },
  tenant: { own: HOME, other: scopeId.household(C1, 'garden', '3', H2) },
  buildingLead: { own: scopeId.building(C1, 'garden', '3'), other: scopeId.building(C1, 'garden', '5') },
  gridWorker: { own: scopeId.compound(C1, 'garden'), other: scopeId.compound(C1, 'orchard') },
  volunteer: { own: scopeId.community(C1), other: scopeId.community(C2) },
  partyMember: { own: scopeId.community(C1), other: scopeId.community(C2) },
  secretary: { own: scopeId.community(C1), other: scopeId.community(C2) },
  committeeMember: { own: scopeId.community(C1), other: scopeId.community(C2) },
  propertyStaff: { own: scopeId.community(C1), other: scopeId.community(C2) },
  merchant: { own: scopeId.community(C1), other: scopeId.community(C2) },
  admin: { own: scopeId.community(C1), other: scopeId.community(C2) },
};

const ALL = [...ACTIONS];
const NONE: Action[] = [];
/** What every resident of C1 may do anywhere in C1: raise binding requests and read the opinion wall. */
const SELF_IN_COMMUNITY: Action[] = ['binding.request', 'opinion.read'];
const SECRETARY: Action[] = ALL.filter(
  (a) =>
    a !== 'audit.read' &&
    a !== 'resident.grantAdmin' &&
    a !== 'open311.keys' &&
    a !== 'points.reconcile' &&
    a !== 'channel.manage',
);
const LEAD: Action[] = [
  'binding.decide',
  'resident.read',
  'household.read',
  'opinion.read',
  'opinion.adopt',
  'notice.send',
  'notice.read',
  'report.manage',
];
const GRID: Action[] = [
  'resident.read',
  'household.read',
  'opinion.read',
  'notice.send',
  'notice.read',
  'report.manage',
];

/** The expected answer for every role × action, on its own scope and on the other one. */
const EXPECTED: Record<Role, { own: readonly Action[]; other: readonly Action[] }> = {
  resident: { own: SELF_IN_COMMUNITY, other: NONE },
  // Own household: what one may see of one's own home, plus the community-wide resident rights.
  owner: { own: [...SELF_IN_COMMUNITY, 'household.read'], other: SELF_IN_COMMUNITY },
  tenant: { own: [...SELF_IN_COMMUNITY, 'household.read'], other: SELF_IN_COMMUNITY },
  buildingLead: { own: [...new Set([...LEAD, ...SELF_IN_COMMUNITY])], other: SELF_IN_COMMUNITY },
  gridWorker: { own: [...new Set([...GRID, ...SELF_IN_COMMUNITY])], other: SELF_IN_COMMUNITY },
  volunteer: { own: SELF_IN_COMMUNITY, other: NONE },
  partyMember: { own: SELF_IN_COMMUNITY, other: NONE },
  secretary: { own: SECRETARY, other: NONE },
  committeeMember: {
    own: [...SELF_IN_COMMUNITY, 'opinion.adopt', 'poll.create', 'report.manage'],
    other: NONE,
  },
  propertyStaff: { own: [...SELF_IN_COMMUNITY, 'report.manage'], other: NONE },
  merchant: { own: [...SELF_IN_COMMUNITY, 'reward.manage', 'redemption.confirm'], other: NONE },
  admin: { own: ALL, other: NONE },
};

/** A resident of C1 living in HOME, holding just `role` at its matrix place. */
const actorWith = (role: Role): Actor => ({
  id: 'r0r0r0r0r0r0r0r0r0r0r0r0',
  communityId: C1,
  householdScope: HOME,
  roles: [assignment(role, PLACES[role].own)],
});

/** Someone else, so the self rules about one's own record never apply in the matrix. */
const OTHER_RESIDENT = 'r9r9r9r9r9r9r9r9r9r9r9r9';

const matrix = ROLES.flatMap((role) =>
  (['own', 'other'] as const).flatMap((where) =>
    ACTIONS.map((action) => ({
      role,
      where,
      action,
      allowed: EXPECTED[role][where].includes(action),
    })),
  ),
);

describe('permission matrix: each role × each action, on its own scope and on another', () => {
  it('covers every role and action', () => {
    expect(matrix).toHaveLength(ROLES.length * ACTIONS.length * 2);
  });

  it.each(matrix)('$role on $where scope: $action → $allowed', ({ role, where, action, allowed }) => {
    expect(can(actorWith(role), action, { scope: PLACES[role][where], residentId: OTHER_RESIDENT })).toBe(
      allowed,
    );
  });
});

describe('scope containment', () => {
  const lead = actorWith('buildingLead');

  it('a building lead decides bindings for households in their building, not next door', () => {
    expect(can(lead, 'binding.decide', { scope: scopeId.household(C1, 'garden', '3', H2) })).toBe(true);
    expect(can(lead, 'binding.decide', { scope: scopeId.household(C1, 'garden', '5', H2) })).toBe(false);
    // A building code that merely starts with "3" is another building.
    expect(can(lead, 'binding.decide', { scope: scopeId.household(C1, 'garden', '30', H2) })).toBe(false);
  });

  it('a building lead adopts opinions raised in their building, not community-wide or next door', () => {
    expect(can(lead, 'opinion.adopt', { scope: scopeId.building(C1, 'garden', '3') })).toBe(true);
    expect(can(lead, 'opinion.adopt', { scope: scopeId.community(C1) })).toBe(false);
    expect(can(lead, 'opinion.adopt', { scope: scopeId.building(C1, 'garden', '5') })).toBe(false);
  });

  it('a building lead reads residents of their building, but not the community above it', () => {
    expect(can(lead, 'resident.read', { scope: HOME, residentId: OTHER_RESIDENT })).toBe(true);
    expect(can(lead, 'resident.read', { scope: scopeId.community(C1), residentId: OTHER_RESIDENT })).toBe(
      false,
    );
  });

  it('a secretary acts anywhere below their community but never on the admin-only actions', () => {
    const secretary = actorWith('secretary');
    expect(can(secretary, 'resident.updateRoles', { scope: HOME })).toBe(true);
    expect(can(secretary, 'audit.read', { scope: scopeId.community(C1) })).toBe(false);
    expect(can(secretary, 'resident.grantAdmin', { scope: scopeId.community(C1) })).toBe(false);
    expect(can(secretary, 'channel.manage', { scope: scopeId.community(C1) })).toBe(false);
  });

  it('an admin manages the channels of their community only', () => {
    const admin = actorWith('admin');
    expect(can(admin, 'channel.manage', { scope: scopeId.community(C1) })).toBe(true);
    expect(can(admin, 'channel.manage', { scope: scopeId.community(C2) })).toBe(false);
  });

  it('an admin reads the audit log of their community only', () => {
    const admin = actorWith('admin');
    expect(can(admin, 'audit.read', { scope: scopeId.community(C1) })).toBe(true);
    expect(can(admin, 'audit.read', { scope: scopeId.community(C2) })).toBe(false);
  });
});

describe('self rules', () => {
  const plain: Actor = { id: 'r0r0r0r0r0r0r0r0r0r0r0r0', communityId: C1, householdScope: HOME, roles: [] };

  it('a resident reads their own record and household, nobody else’s', () => {
    expect(can(plain, 'resident.read', { scope: HOME, residentId: plain.id! })).toBe(true);
    expect(can(plain, 'resident.read', { scope: HOME, residentId: OTHER_RESIDENT })).toBe(false);
    expect(can(plain, 'household.read', { scope: HOME })).toBe(true);
    expect(can(plain, 'household.read', { scope: scopeId.household(C1, 'garden', '3', H2) })).toBe(false);
  });

  it('a resident may not change their own roles', () => {
    expect(can(plain, 'resident.updateRoles', { scope: HOME, residentId: plain.id! })).toBe(false);
  });

  it('a guest (unbound account) may only ask to be bound, in the community of its group', () => {
    const guest = guestActor(C1);
    const allowed = ACTIONS.filter((a) => can(guest, a, { scope: HOME }));
    expect(allowed).toEqual(['binding.request', 'opinion.read']);
    expect(can(guest, 'binding.request', { scope: scopeId.household(C2, 'x', '1', H2) })).toBe(false);
  });
});

describe('grantedScopes', () => {
  it('lists where an action is held through roles, outermost only', () => {
    const actor: Actor = {
      id: null,
      communityId: C1,
      householdScope: null,
      roles: [
        assignment('buildingLead', scopeId.building(C1, 'garden', '3')),
        assignment('gridWorker', scopeId.compound(C1, 'garden')),
        assignment('buildingLead', scopeId.building(C1, 'orchard', '1')),
      ],
    };
    expect(grantedScopes(actor, 'resident.read').sort()).toEqual(
      [scopeId.compound(C1, 'garden'), scopeId.building(C1, 'orchard', '1')].sort(),
    );
    expect(grantedScopes(actor, 'binding.decide').sort()).toEqual(
      [scopeId.building(C1, 'garden', '3'), scopeId.building(C1, 'orchard', '1')].sort(),
    );
    expect(grantedScopes(actor, 'audit.read')).toEqual([]);
  });
});

describe('scope ids', () => {
  it('parse back into their parts and nest by prefix', () => {
    expect(parseScope(HOME)).toEqual({
      kind: 'household',
      communityId: C1,
      compound: 'garden',
      building: '3',
      householdId: H1,
    });
    expect(covers(scopeId.community(C1), HOME)).toBe(true);
    expect(covers(HOME, scopeId.community(C1))).toBe(false);
    expect(() => parseScope(`${C1}//3`)).toThrow();
  });
});

describe('authorize', () => {
  const ctxWith = (actor: Actor | undefined) => ({ actor }) as unknown as Context;

  it('returns the signed-in actor when allowed', () => {
    const admin = actorWith('admin');
    expect(authorize(ctxWith(admin), 'audit.read', { scope: scopeId.community(C1) })).toBe(admin);
  });

  it('throws a 403 naming the action (translated later by the error handler)', () => {
    const err = (() => {
      try {
        authorize(ctxWith(actorWith('secretary')), 'audit.read', { scope: scopeId.community(C1) });
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(err).toMatchObject({ status: 403, code: 'forbidden', messageKey: 'access.forbidden' });
    expect(err?.params).toEqual({ action: 'access.actions.audit.read' });
    expect(err?.translateParams).toEqual(['action']);
  });

  it('throws a 401 when nobody is signed in', () => {
    expect(() => authorize(ctxWith(undefined), 'opinion.read', { scope: C1 })).toThrow(
      expect.objectContaining({ status: 401, code: 'session_missing' }),
    );
  });
});

describe('every action and role has a label in every language', () => {
  it.each(LANGUAGES)('%s', (language) => {
    const t = translator(language);
    for (const action of ACTIONS) expect(t(`access.actions.${action}`)).not.toBe(`access.actions.${action}`);
    for (const role of ROLES) expect(t(`directory.roles.${role}`)).not.toBe(`directory.roles.${role}`);
  });
});
