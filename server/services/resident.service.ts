import type {
  DemoResidentList,
  MeView,
  ResidentView,
  UpdateRolesBody,
} from '../../shared/schemas/resident.js';
import { assertCan } from '../policy/authorize.js';
import type { Actor, RoleAssignment, Target } from '../policy/policy.js';
import {
  assignment,
  assignmentKey,
  roleFitsScope,
  scopeFromInput,
  uniqueRoles,
  withMembershipRoles,
} from '../policy/roles.js';
import { scopeId, scopeKindOf } from '../policy/scope.js';
import type { CommunityRepository } from '../repositories/community.repository.js';
import type { HouseholdRecord, HouseholdRepository } from '../repositories/household.repository.js';
import type { ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import type { AuditService } from './audit.service.js';
import { residentNotFound, roleScopeMismatch, rolesChanged, unknownScope } from './directory-errors.js';
import { presentResident, presentRole } from './resident.presenter.js';

/** Where a resident sits, for permission checks: their household, or the community if they have none. */
export const residentTarget = (r: ResidentRecord): Target => ({
  scope: r.householdScope ?? scopeId.community(r.communityId),
  residentId: r.id,
});

/** Residents as the mini-app and staff see them. */
export class ResidentService {
  constructor(
    private readonly deps: {
      residents: ResidentRepository;
      households: HouseholdRepository;
      communities: CommunityRepository;
      audit: AuditService;
    },
  ) {}

  /** The signed-in resident's own page: household, roles and the platforms they are bound on. */
  async me(actor: ResidentRecord): Promise<MeView> {
    assertCan(actor, 'resident.read', residentTarget(actor));
    const [household, community, identities] = await Promise.all([
      this.householdOf(actor),
      this.deps.communities.findTree(actor.communityId),
      this.deps.residents.identitiesOf(actor.id),
    ]);
    return {
      resident: presentResident(actor, household),
      community: community && { id: community.id, code: community.code, name: community.name },
      platforms: identities.map((i) => ({
        channel: i.channel,
        kind: i.kind,
        linkedAt: i.linkedAt.toISOString(),
      })),
    };
  }

  async get(actor: Actor, id: string): Promise<ResidentView> {
    const resident = await this.deps.residents.findById(id);
    if (!resident) throw residentNotFound();
    assertCan(actor, 'resident.read', residentTarget(resident));
    return presentResident(resident, await this.householdOf(resident));
  }

  /**
   * Replaces a resident's roles. The actor must be allowed to change roles where the resident lives
   * and in every scope whose roles change; only admins touch the admin role. Owner and tenant roles
   * follow the household membership and cannot be set here.
   */
  async updateRoles(actor: ResidentRecord, id: string, body: UpdateRolesBody): Promise<ResidentView> {
    const resident = await this.deps.residents.findById(id, { fresh: true });
    if (!resident) throw residentNotFound();
    const target = residentTarget(resident);
    assertCan(actor, 'resident.updateRoles', target);

    const next = withMembershipRoles(
      uniqueRoles(await Promise.all(body.roles.map((r) => this.resolve(resident, r)))),
      resident.householdScope && resident.relation
        ? { householdScope: resident.householdScope, relation: resident.relation }
        : null,
    );
    const before = new Set(resident.roles.map(assignmentKey));
    const after = new Set(next.map(assignmentKey));
    const changed = [
      ...resident.roles.filter((r) => !after.has(assignmentKey(r))),
      ...next.filter((r) => !before.has(assignmentKey(r))),
    ];
    for (const r of changed) {
      assertCan(actor, 'resident.updateRoles', { scope: r.scopeId });
      if (r.role === 'admin') assertCan(actor, 'resident.grantAdmin', { scope: r.scopeId });
    }
    const household = await this.householdOf(resident);
    if (changed.length === 0) return presentResident(resident, household);

    const updated = await this.deps.residents.setRoles(resident.id, next, resident.version);
    if (!updated) throw rolesChanged();
    await this.deps.audit.record({
      actor: { id: actor.id, name: actor.name },
      action: 'resident.updateRoles',
      target: { kind: 'resident', id: resident.id, label: resident.name, scope: target.scope },
      before: { roles: resident.roles.map(presentRole) },
      after: { roles: updated.roles.map(presentRole) },
    });
    return presentResident(updated, household);
  }

  /** Demo mode: the seeded residents one may sign in as. */
  async demoResidents(): Promise<DemoResidentList> {
    const [community] = await this.deps.communities.list(1);
    if (!community) return { residents: [] };
    const residents = await this.deps.residents.listByCommunity(community.id, 100);
    const households = await this.deps.households.findByIds([
      ...new Set(residents.flatMap((r) => (r.householdId ? [r.householdId] : []))),
    ]);
    const addressOf = new Map(households.map((h) => [h.id, h.address]));
    return {
      residents: residents.map((r) => ({
        id: r.id,
        name: r.name,
        address: r.householdId ? (addressOf.get(r.householdId) ?? null) : null,
        roles: [...new Set(r.roles.map((a) => a.role))],
      })),
    };
  }

  private householdOf(resident: ResidentRecord): Promise<HouseholdRecord | null> {
    return resident.householdId ? this.deps.households.findById(resident.householdId) : Promise.resolve(null);
  }

  /** A requested assignment as a scope id in the resident's community; 400 when the place or level is wrong. */
  private async resolve(
    resident: ResidentRecord,
    input: UpdateRolesBody['roles'][number],
  ): Promise<RoleAssignment> {
    const tree = await this.deps.communities.findTree(resident.communityId);
    const household =
      input.scope.kind === 'household' ? await this.deps.households.findById(input.scope.householdId) : null;
    const scope = tree && scopeFromInput(input.scope, tree, household);
    if (!scope) throw unknownScope();
    if (!roleFitsScope(input.role, scope)) throw roleScopeMismatch(input.role, scopeKindOf(scope));
    return assignment(input.role, scope);
  }
}
