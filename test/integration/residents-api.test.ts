import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditList } from '../../shared/schemas/audit.js';
import type { ResidentView } from '../../shared/schemas/resident.js';
import { apiClient, errorOf, residentIds, type ApiClient } from '../support/api-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Staff endpoints on the demo community: reading residents, changing roles, the audit log. */

let server: TestServer;
let ids: Record<string, string>;
let call: ApiClient['call'];
/** Every response body seen, to check afterwards that no full phone number ever left the server. */
const bodies: string[] = [];
const SEEDED_PHONES = [
  '13812345001',
  '13912345002',
  '15012345003',
  '18612345004',
  '17712345005',
  '13612345006',
];

beforeAll(async () => {
  server = await startTestServer({ demo: true, env: { DATA_KEY: Buffer.alloc(32, 6).toString('base64') } });
  ids = await residentIds(server, [
    'sim-wang',
    'sim-li',
    'sim-zhang',
    'sim-liu',
    'sim-emma',
    'sim-chen',
    'sim-admin',
  ]);
  ({ call } = apiClient(server, { ids, onBody: (text) => bodies.push(text) }));
});

afterAll(async () => {
  await server?.close();
});

describe('GET /api/residents/:id', () => {
  it('401 without a session', async () => {
    expect((await call(`/api/residents/${ids['sim-wang']}`)).status).toBe(401);
  });

  it('400 for a malformed id', async () => {
    const res = await call('/api/residents/123', { as: 'sim-chen', language: 'en' });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).message).toContain('id');
  });

  it('403 for a building lead reading a resident of another building', async () => {
    // 张老师 lives in building 1; 刘楼长 leads building 3.
    const res = await call(`/api/residents/${ids['sim-zhang']}`, { as: 'sim-liu' });
    expect(res.status).toBe(403);
    expect(errorOf(res.json)).toEqual({ code: 'forbidden', message: '您没有权限查看该居民的信息' });
  });

  it('403 for a resident reading a neighbour', async () => {
    expect((await call(`/api/residents/${ids['sim-li']}`, { as: 'sim-wang' })).status).toBe(403);
  });

  it('200 for a building lead reading a resident of their building, phone masked', async () => {
    const res = await call(`/api/residents/${ids['sim-wang']}`, { as: 'sim-liu' });
    expect(res.status).toBe(200);
    expect(res.json as ResidentView).toMatchObject({
      name: '王秀英',
      phone: '138****5001',
      household: { address: '3-2-501', relation: 'owner', floorArea: 89.56 },
    });
  });

  it('200 for a resident reading themselves, and for the secretary reading anyone', async () => {
    expect((await call(`/api/residents/${ids['sim-emma']}`, { as: 'sim-emma' })).status).toBe(200);
    expect((await call(`/api/residents/${ids['sim-zhang']}`, { as: 'sim-chen' })).status).toBe(200);
  });
});

describe('PUT /api/residents/:id/roles', () => {
  const makeLead = {
    roles: [
      { role: 'resident', scope: { kind: 'community' } },
      { role: 'buildingLead', scope: { kind: 'building', compound: 'lingshan-garden', building: '5' } },
    ],
  };

  it('401 without a session', async () => {
    expect(
      (await call(`/api/residents/${ids['sim-li']}/roles`, { method: 'PUT', body: makeLead })).status,
    ).toBe(401);
  });

  it('400 for an unknown role, naming the field', async () => {
    const res = await call(`/api/residents/${ids['sim-li']}/roles`, {
      method: 'PUT',
      as: 'sim-chen',
      body: { roles: [{ role: 'mayor', scope: { kind: 'community' } }] },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.json).message).toContain('roles.0.role');
  });

  it('400 for a building that does not exist, translated', async () => {
    const res = await call(`/api/residents/${ids['sim-li']}/roles`, {
      method: 'PUT',
      as: 'sim-chen',
      language: 'en',
      body: {
        roles: [
          { role: 'buildingLead', scope: { kind: 'building', compound: 'lingshan-garden', building: '99' } },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.json)).toEqual({
      code: 'unknown_scope',
      message: 'There is no such place in this community',
    });
  });

  it('403 for a building lead, and for a secretary granting admin', async () => {
    const lead = await call(`/api/residents/${ids['sim-wang']}/roles`, {
      method: 'PUT',
      as: 'sim-liu',
      body: makeLead,
    });
    expect(lead.status).toBe(403);
    const admin = await call(`/api/residents/${ids['sim-li']}/roles`, {
      method: 'PUT',
      as: 'sim-chen',
      language: 'en',
      body: { roles: [{ role: 'admin', scope: { kind: 'community' } }] },
    });
    expect(admin.status).toBe(403);
    expect(errorOf(admin.json).message).toBe('You are not allowed to appoint or remove admins');
  });

  it('200 for the secretary: 李建国 becomes building lead of building 5, which takes effect at once', async () => {
    const before = await call(`/api/residents/${ids['sim-emma']}`, { as: 'sim-li' });
    expect(before.status).toBe(403);

    const res = await call(`/api/residents/${ids['sim-li']}/roles`, {
      method: 'PUT',
      as: 'sim-chen',
      body: makeLead,
    });
    expect(res.status).toBe(200);
    const view = res.json as ResidentView;
    expect(view.roles.map((r) => `${r.role}:${r.building ?? ''}`).sort()).toEqual([
      'buildingLead:5',
      'owner:5',
      'resident:',
    ]);
    // The partyMember role was not in the new list, so it is gone.
    expect(view.roles.some((r) => r.role === 'partyMember')).toBe(false);
    expect(view.phone).toBe('139****5002');
    // Emma lives in building 5: the new lead may now read her.
    expect((await call(`/api/residents/${ids['sim-emma']}`, { as: 'sim-li' })).status).toBe(200);
  });
});

describe('GET /api/audit', () => {
  it('401 without a session', async () => {
    expect((await call('/api/audit')).status).toBe(401);
  });

  it('400 for a bad limit', async () => {
    expect((await call('/api/audit?limit=0', { as: 'sim-admin' })).status).toBe(400);
  });

  it('403 for the secretary and for residents', async () => {
    const res = await call('/api/audit', { as: 'sim-chen', language: 'zh-TW' });
    expect(res.status).toBe(403);
    expect(errorOf(res.json)).toEqual({ code: 'forbidden', message: '您沒有權限查看操作紀錄' });
    expect((await call('/api/audit', { as: 'sim-wang' })).status).toBe(403);
  });

  it('200 for the admin: the role change with who, what, when, target, before and after', async () => {
    const res = await call('/api/audit?limit=10', { as: 'sim-admin' });
    expect(res.status).toBe(200);
    const { items } = res.json as AuditList;
    const change = items.find((i) => i.action === 'resident.updateRoles' && i.target.id === ids['sim-li']);
    expect(change).toMatchObject({
      actor: { id: ids['sim-chen'], name: '陈书记' },
      target: { kind: 'resident', label: '李建国' },
    });
    expect(Date.now() - Date.parse(change!.at)).toBeLessThan(60_000);
    const roles = (side: unknown) => (side as { roles: { role: string }[] }).roles.map((r) => r.role).sort();
    expect(roles(change!.before)).toEqual(['owner', 'partyMember', 'resident']);
    expect(roles(change!.after)).toEqual(['buildingLead', 'owner', 'resident']);
  });

  it('pages with before', async () => {
    for (const role of ['volunteer', 'merchant'] as const)
      await call(`/api/residents/${ids['sim-zhang']}/roles`, {
        method: 'PUT',
        as: 'sim-admin',
        body: { roles: [{ role, scope: { kind: 'community' } }] },
      });
    const first = (await call('/api/audit?limit=1', { as: 'sim-admin' })).json as AuditList;
    expect(first.items).toHaveLength(1);
    const second = (await call(`/api/audit?limit=5&before=${first.nextBefore}`, { as: 'sim-admin' }))
      .json as AuditList;
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
    expect(second.items.length).toBeGreaterThanOrEqual(2);
  });
});

describe('phone numbers', () => {
  it('no response above contained a full phone number, and none is stored in clear', async () => {
    expect(bodies.length).toBeGreaterThan(15);
    for (const body of bodies) for (const phone of SEEDED_PHONES) expect(body).not.toContain(phone);
    const raw = JSON.stringify(await server.container.models.resident.find().lean());
    for (const phone of SEEDED_PHONES) expect(raw).not.toContain(phone);
  });
});
