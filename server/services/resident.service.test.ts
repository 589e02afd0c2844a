import { describe, expect, it, vi } from 'vitest';
import type { Role } from '../../shared/schemas/community.js';
import type { AppError } from '../errors.js';
import type { RoleAssignment } from '../policy/policy.js';
import { assignment } from '../policy/roles.js';
import { scopeId } from '../policy/scope.js';
import type { CommunityRepository, CommunityTree } from '../repositories/community.repository.js';
import type { HouseholdRecord, HouseholdRepository } from '../repositories/household.repository.js';
import type { ResidentRecord, ResidentRepository } from '../repositories/resident.repository.js';
import type { AuditInput, AuditService } from './audit.service.js';
import { ResidentService } from './resident.service.js';

const C = 'c0c0c0c0c0c0c0c0c0c0c0c0';
const OTHER_C = 'c9c9c9c9c9c9c9c9c9c9c9c9';
const TREE: CommunityTree = {
  id: C,
  code: 'lingshan',
  name: '灵山社区',
  compounds: [
    {
      code: 'garden',
      name: '灵山花园',
      buildings: ['3', '5'].map((b) => ({ code: b, name: `${b}栋`, units: ['1'] })),
    },
  ],
};

const household = (id: string, building: string, room = '501'): HouseholdRecord => ({
  id,
  communityId: C,
  compound: 'garden',
  building,
  unit: '1',
  room,
  address: `${building}-1-${room}`,
  scope: scopeId.household(C, 'garden', building, id),
});
const H3 = household('a3a3a3a3a3a3a3a3a3a3a3a3', '3');
const H5 = household('a5a5a5a5a5a5a5a5a5a5a5a5', '5');

let seq = 0;
/** A resident factory: everyone lives in C unless told otherwise. */
function resident(
  roles: { role: Role; scope: string }[],
  home: HouseholdRecord | null = null,
  overrides: Partial<ResidentRecord> = {},
): ResidentRecord {
  seq++;
  return {
    id: `${String(seq).padStart(2, '0')}${'b'.repeat(22)}`,
    communityId: C,
    householdId: home?.id ?? null,
    householdScope: home?.scope ?? null,
    relation: home ? 'owner' : null,
    floorArea: home ? 88.5 : null,
    name: `居民${seq}`,
    phoneMasked: '138****1234',
    roles: [
      ...roles.map((r) => assignment(r.role, r.scope)),
      ...(home ? [assignment('owner', home.scope)] : []),
    ],
    version: 0,
    ...overrides,
  };
}

const community = scopeId.community(C);
const building3 = scopeId.building(C, 'garden', '3');

/** In-memory repositories with the real ones' contracts: conditional role writes on `version`. */
function setup(
  people: ResidentRecord[],
  afterRead: (id: string, rows: Map<string, ResidentRecord>) => void = () => undefined,
) {
  const rows = new Map(people.map((p) => [p.id, { ...p }]));
  const residents = {
    findById: async (id: string) => {
      const row = rows.get(id) ?? null;
      afterRead(id, rows);
      return row;
    },
    setRoles: async (id: string, roles: RoleAssignment[], expected: number) => {
      const row = rows.get(id);
      if (!row || row.version !== expected) return null;
      const next = { ...row, roles, version: row.version + 1 };
      rows.set(id, next);
      return next;
    },
    identitiesOf: async () => [
      { channel: 'simulator', kind: 'simulator', platformId: 'sim-x', residentId: '', linkedAt: new Date(0) },
    ],
    listByCommunity: async (communityId: string) =>
      [...rows.values()].filter((r) => r.communityId === communityId),
  } as unknown as ResidentRepository;
  const households = {
    findById: async (id: string) => [H3, H5].find((h) => h.id === id) ?? null,
    findByIds: async (ids: string[]) => [H3, H5].filter((h) => ids.includes(h.id)),
  } as unknown as HouseholdRepository;
  const communities = {
    findTree: async (id: string) => (id === C ? TREE : null),
    list: async () => [TREE],
  } as unknown as CommunityRepository;
  const recorded: AuditInput[] = [];
  const audit = { record: vi.fn(async (e: AuditInput) => void recorded.push(e)) } as unknown as AuditService;
  return { rows, recorded, service: new ResidentService({ residents, households, communities, audit }) };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a failure');
}

describe('ResidentService.updateRoles', () => {
  it('a secretary appoints a building lead in their community; the change is audited with before and after', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const target = resident([{ role: 'resident', scope: community }], H3);
    const { service, recorded, rows } = setup([secretary, target]);

    const view = await service.updateRoles(secretary, target.id, {
      roles: [
        { role: 'resident', scope: { kind: 'community' } },
        { role: 'buildingLead', scope: { kind: 'building', compound: 'garden', building: '3' } },
      ],
    });

    expect(view.roles.map((r) => `${r.role}@${r.scopeKind}`).sort()).toEqual([
      'buildingLead@building',
      'owner@household',
      'resident@community',
    ]);
    expect(view.phone).toBe('138****1234');
    expect(rows.get(target.id)!.version).toBe(1);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      actor: { id: secretary.id, name: secretary.name },
      action: 'resident.updateRoles',
      target: { kind: 'resident', id: target.id, scope: H3.scope },
    });
    const roleNames = (v: unknown) => (v as { roles: { role: string }[] }).roles.map((r) => r.role).sort();
    expect(roleNames(recorded[0]!.before)).toEqual(['owner', 'resident']);
    expect(roleNames(recorded[0]!.after)).toEqual(['buildingLead', 'owner', 'resident']);
  });

  it('owner and tenant roles follow the household and cannot be dropped or added here', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const target = resident([], H3);
    const { service } = setup([secretary, target]);
    const view = await service.updateRoles(secretary, target.id, {
      roles: [{ role: 'tenant', scope: { kind: 'household', householdId: H5.id } }],
    });
    expect(view.roles.map((r) => `${r.role}@${r.householdId}`)).toEqual([`owner@${H3.id}`]);
  });

  it('changes nothing and records nothing when the roles are the same', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const target = resident([{ role: 'volunteer', scope: community }]);
    const { service, recorded, rows } = setup([secretary, target]);
    await service.updateRoles(secretary, target.id, {
      roles: [{ role: 'volunteer', scope: { kind: 'community' } }],
    });
    expect(recorded).toHaveLength(0);
    expect(rows.get(target.id)!.version).toBe(0);
  });

  it('403 for a building lead, even on a resident of their own building', async () => {
    const lead = resident([{ role: 'buildingLead', scope: building3 }]);
    const target = resident([], H3);
    const { service, recorded } = setup([lead, target]);
    const err = await failure(
      service.updateRoles(lead, target.id, { roles: [{ role: 'volunteer', scope: { kind: 'community' } }] }),
    );
    expect([err.status, err.code, err.params.action]).toEqual([
      403,
      'forbidden',
      'access.actions.resident.updateRoles',
    ]);
    expect(recorded).toHaveLength(0);
  });

  it('403 for a secretary of another community', async () => {
    const secretary = resident([{ role: 'secretary', scope: scopeId.community(OTHER_C) }], null, {
      communityId: OTHER_C,
    });
    const target = resident([], H3);
    const { service } = setup([secretary, target]);
    const err = await failure(service.updateRoles(secretary, target.id, { roles: [] }));
    expect(err.status).toBe(403);
  });

  it('only an admin grants or removes the admin role', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const admin = resident([{ role: 'admin', scope: community }]);
    const target = resident([]);
    const { service, rows } = setup([secretary, admin, target]);
    const grant = { roles: [{ role: 'admin' as const, scope: { kind: 'community' as const } }] };

    const err = await failure(service.updateRoles(secretary, target.id, grant));
    expect([err.status, err.params.action]).toEqual([403, 'access.actions.resident.grantAdmin']);
    await service.updateRoles(admin, target.id, grant);
    expect(rows.get(target.id)!.roles.map((r) => r.role)).toEqual(['admin']);
    // Removing it again is the same admin-only action.
    expect((await failure(service.updateRoles(secretary, target.id, { roles: [] }))).status).toBe(403);
  });

  it('400 for a place that does not exist in the community', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const target = resident([]);
    const { service } = setup([secretary, target]);
    const err = await failure(
      service.updateRoles(secretary, target.id, {
        roles: [{ role: 'buildingLead', scope: { kind: 'building', compound: 'garden', building: '9' } }],
      }),
    );
    expect([err.status, err.code]).toEqual([400, 'unknown_scope']);
  });

  it('400 for a role held at a level where it makes no sense, naming both', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const target = resident([]);
    const { service } = setup([secretary, target]);
    const err = await failure(
      service.updateRoles(secretary, target.id, {
        roles: [{ role: 'buildingLead', scope: { kind: 'community' } }],
      }),
    );
    expect([err.status, err.code]).toEqual([400, 'role_scope_mismatch']);
    expect(err.params).toEqual({ role: 'directory.roles.buildingLead', scope: 'directory.scopes.community' });
  });

  it('409 when someone changed the roles between read and write, and nothing is recorded', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const target = resident([]);
    // Another staff member's write lands right after this service read the resident.
    const { service, recorded } = setup([secretary, target], (id, rows) => {
      if (id === target.id) rows.set(id, { ...rows.get(id)!, version: 1 });
    });
    const err = await failure(
      service.updateRoles(secretary, target.id, {
        roles: [{ role: 'volunteer', scope: { kind: 'community' } }],
      }),
    );
    expect([err.status, err.code]).toEqual([409, 'roles_changed']);
    expect(recorded).toHaveLength(0);
  });

  it('404 for an unknown resident', async () => {
    const secretary = resident([{ role: 'secretary', scope: community }]);
    const { service } = setup([secretary]);
    expect((await failure(service.updateRoles(secretary, 'f'.repeat(24), { roles: [] }))).status).toBe(404);
  });
});

describe('ResidentService.get', () => {
  it('a building lead reads a resident of their building but not of another', async () => {
    const lead = resident([{ role: 'buildingLead', scope: building3 }]);
    const in3 = resident([], H3);
    const in5 = resident([], H5);
    const { service } = setup([lead, in3, in5]);
    expect((await service.get(lead, in3.id)).household?.address).toBe('3-1-501');
    expect((await failure(service.get(lead, in5.id))).status).toBe(403);
  });

  it('a resident reads themselves only', async () => {
    const me = resident([{ role: 'resident', scope: community }], H3);
    const neighbour = resident([], H3);
    const { service } = setup([me, neighbour]);
    expect((await service.get(me, me.id)).id).toBe(me.id);
    expect((await failure(service.get(me, neighbour.id))).status).toBe(403);
  });
});

describe('ResidentService.me', () => {
  it('shows the household with relation and area, roles with scopes, platforms, and a masked phone', async () => {
    const me = resident([{ role: 'resident', scope: community }], H3);
    const { service } = setup([me]);
    const view = await service.me(me);
    expect(view.resident.phone).toBe('138****1234');
    expect(view.resident.household).toMatchObject({ address: '3-1-501', relation: 'owner', floorArea: 88.5 });
    expect(view.resident.roles).toContainEqual(
      expect.objectContaining({ role: 'owner', scopeKind: 'household', householdId: H3.id, building: '3' }),
    );
    expect(view.community).toEqual({ id: C, code: 'lingshan', name: '灵山社区' });
    expect(view.platforms).toEqual([
      { channel: 'simulator', kind: 'simulator', linkedAt: new Date(0).toISOString() },
    ]);
  });
});
