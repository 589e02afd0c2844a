import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import type { MeView, DemoResidentList } from '../../shared/schemas/resident.js';
import type { OpinionList } from '../../shared/schemas/opinion.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Sign-in, sessions and `/api/me` over real HTTP against a real server and engine. */

const KEYS = {
  DATA_KEY: Buffer.alloc(32, 5).toString('hex'),
  SESSION_SECRET: 'auth-api-test-session-secret-0123456789',
};

let demo: TestServer;
let live: TestServer;

beforeAll(async () => {
  demo = await startTestServer({ demo: true, env: KEYS });
  // A second server on the same engine, outside demo mode, with short sessions.
  live = await startTestServer({
    engine: demo.testEngine,
    dbName: `nbtest_live_${randomUUID().slice(0, 8)}`,
    demo: false,
    env: { ...KEYS, SESSION_TTL_HOURS: '2' },
  });
});

afterAll(async () => {
  await live?.close();
  await demo?.close();
});

const residentId = async (server: TestServer, platformId: string) =>
  (await server.container.repositories.residents.findByIdentity('simulator', platformId))!.id;

const cookieFor = (server: TestServer, id: string, now?: number) =>
  `${SESSION_COOKIE}=${server.container.sessionCodec.encode(id, now).value}`;

async function call(
  server: TestServer,
  path: string,
  init: RequestInit & { cookie?: string; language?: string } = {},
) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  if (init.language) headers.set('accept-language', init.language);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(`${server.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : null };
}

const sessionCookieOf = (headers: Headers) =>
  headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? null;

describe('GET /api/me', () => {
  it('401 without a session, in the caller language', async () => {
    const res = await call(demo, '/api/me', { language: 'en' });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: 'session_missing', message: 'Please sign in first' } });
  });

  it('401 with a forged session, and the bad cookie is cleared', async () => {
    const genuine = cookieFor(demo, await residentId(demo, 'sim-wang'));
    const [body] = genuine.slice(SESSION_COOKIE.length + 1).split('.');
    const res = await call(demo, '/api/me', { cookie: `${SESSION_COOKIE}=${body}.${'A'.repeat(43)}` });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: 'session_invalid', message: '登录信息无效，请重新登录' } });
    expect(sessionCookieOf(res.headers)).toMatch(/expires=Thu, 01 Jan 1970/i);
  });

  it('401 with a session signed by another server’s secret', async () => {
    const res = await call(live, '/api/me', { cookie: cookieFor(demo, await residentId(demo, 'sim-wang')) });
    expect(res.status).toBe(401);
  });

  it('401 with an expired session, in Traditional Chinese', async () => {
    const id = await residentId(demo, 'sim-wang');
    const eightDaysAgo = Date.now() - 8 * 24 * 3_600_000;
    const res = await call(demo, '/api/me', { cookie: cookieFor(demo, id, eightDaysAgo), language: 'zh-TW' });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: 'session_expired', message: '登入已過期，請重新登入' } });
  });

  it('200 with a valid session: masked phone, household, roles with scopes, bound platforms', async () => {
    const res = await call(demo, '/api/me', { cookie: cookieFor(demo, await residentId(demo, 'sim-liu')) });
    expect(res.status).toBe(200);
    const me = res.json as MeView;
    expect(me.resident.name).toBe('刘楼长');
    expect(me.resident.phone).toBe('186****5004');
    expect(me.resident.household).toMatchObject({ address: '3-1-203', relation: 'owner', floorArea: 76.8 });
    expect(me.resident.roles.map((r) => `${r.role}:${r.scopeKind}:${r.building ?? ''}`).sort()).toEqual([
      'buildingLead:building:3',
      'owner:household:3',
      'resident:community:',
    ]);
    expect(me.community).toMatchObject({ code: 'lingshan', name: '灵山社区' });
    expect(me.platforms).toEqual([{ channel: 'simulator', kind: 'simulator', linkedAt: expect.any(String) }]);
    expect(JSON.stringify(me)).not.toMatch(/1\d{10}/);
  });
});

describe('demo sign-in', () => {
  it('GET /api/auth/demo/residents lists the seeded cast with addresses and roles, no phones', async () => {
    const res = await call(demo, '/api/auth/demo/residents');
    expect(res.status).toBe(200);
    const { residents } = res.json as DemoResidentList;
    expect(residents.map((r) => r.name)).toEqual([
      '王秀英',
      '李建国',
      '张老师',
      '刘楼长',
      'Emma Chen',
      '陈书记',
      '周管理员',
      '灵山便民超市',
    ]);
    expect(residents.find((r) => r.name === '陈书记')).toMatchObject({ address: null, roles: ['secretary'] });
    expect(residents.find((r) => r.name === '周管理员')?.roles).toEqual(['admin']);
    expect(residents.find((r) => r.name === '王秀英')?.address).toBe('3-2-501');
    expect(JSON.stringify(residents)).not.toContain('phone');
  });

  it('POST /api/auth/demo: 400 for a malformed id', async () => {
    const res = await call(demo, '/api/auth/demo', {
      method: 'POST',
      body: JSON.stringify({ residentId: 'x' }),
    });
    expect(res.status).toBe(400);
    expect((res.json as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('POST /api/auth/demo: 404 for nobody', async () => {
    const res = await call(demo, '/api/auth/demo', {
      method: 'POST',
      body: JSON.stringify({ residentId: 'f'.repeat(24) }),
      language: 'en',
    });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: 'not_found', message: 'The resident was not found' } });
  });

  it('POST /api/auth/demo: 200 signs in with an httpOnly, SameSite=Lax cookie expiring in 7 days', async () => {
    const id = await residentId(demo, 'sim-emma');
    const res = await call(demo, '/api/auth/demo', {
      method: 'POST',
      body: JSON.stringify({ residentId: id }),
    });
    expect(res.status).toBe(200);
    expect((res.json as MeView).resident.name).toBe('Emma Chen');
    const cookie = sessionCookieOf(res.headers)!;
    expect(cookie).toMatch(/; path=\//);
    expect(cookie).toMatch(/; httponly/i);
    expect(cookie).toMatch(/; samesite=lax/i);
    const expires = Date.parse(/expires=([^;]+)/i.exec(cookie)![1]!);
    expect(Math.abs(expires - (Date.now() + 7 * 24 * 3_600_000))).toBeLessThan(60_000);
    const me = await call(demo, '/api/me', { cookie: cookie.split(';')[0] });
    expect((me.json as MeView).resident.id).toBe(id);
  });

  it('is not there outside demo mode', async () => {
    expect((await call(live, '/api/auth/demo/residents')).status).toBe(404);
    expect((await call(live, '/api/auth/demo', { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe('POST /api/auth/logout', () => {
  it('clears the session cookie; the browser is then signed out', async () => {
    const id = await residentId(demo, 'sim-wang');
    const signIn = await call(demo, '/api/auth/demo', {
      method: 'POST',
      body: JSON.stringify({ residentId: id }),
    });
    const cookie = sessionCookieOf(signIn.headers)!.split(';')[0]!;
    const out = await call(demo, '/api/auth/logout', { method: 'POST', cookie });
    expect(out.status).toBe(204);
    const cleared = sessionCookieOf(out.headers)!;
    expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect(cleared).toMatch(/expires=Thu, 01 Jan 1970/i);
    expect(cleared).toMatch(/httponly/i);
    // What a browser sends after honouring that Set-Cookie: nothing.
    expect((await call(demo, '/api/me')).status).toBe(401);
  });

  it('works without a session too', async () => {
    expect((await call(demo, '/api/auth/logout', { method: 'POST' })).status).toBe(204);
  });
});

describe('GET /api/opinions access', () => {
  it('demo mode: open without a session, as the demo mini-app has no sign-in yet', async () => {
    expect((await call(demo, '/api/opinions?community=lingshan')).status).toBe(200);
  });

  describe('outside demo mode', () => {
    let communityId = '';
    let otherCommunityResident = '';

    beforeAll(async () => {
      const repos = live.container.repositories;
      communityId = (await repos.communities.create({ code: 'lingshan', name: '灵山社区', compounds: [] }))
        .id;
      const other = await repos.communities.create({ code: 'elsewhere', name: '别处社区', compounds: [] });
      otherCommunityResident = (await repos.residents.create({ communityId: other.id, name: '外人' })).id;
    });

    it('401 without a session', async () => {
      const res = await call(live, '/api/opinions?community=lingshan', { language: 'en' });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { code: 'session_missing', message: 'Please sign in first' } });
    });

    it('400 for a malformed query, once signed in', async () => {
      const me = await live.container.repositories.residents.create({ communityId, name: '居民甲' });
      const res = await call(live, '/api/opinions?community=NOT%20OK', { cookie: cookieFor(live, me.id) });
      expect(res.status).toBe(400);
    });

    it('403 for a resident of another community, with a translated reason', async () => {
      const res = await call(live, '/api/opinions?community=lingshan', {
        cookie: cookieFor(live, otherCommunityResident),
        language: 'en',
      });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: { code: 'forbidden', message: "You are not allowed to read this community's opinions" },
      });
    });

    it('200 for a resident of the community', async () => {
      const me = await live.container.repositories.residents.create({ communityId, name: '居民乙' });
      const res = await call(live, '/api/opinions?community=lingshan', { cookie: cookieFor(live, me.id) });
      expect(res.status).toBe(200);
      expect((res.json as OpinionList).items).toEqual([]);
    });

    it('sessions last SESSION_TTL_HOURS', async () => {
      const me = await live.container.repositories.residents.create({ communityId, name: '居民丙' });
      const threeHoursAgo = Date.now() - 3 * 3_600_000;
      const res = await call(live, '/api/opinions?community=lingshan', {
        cookie: cookieFor(live, me.id, threeHoursAgo),
      });
      expect(res.status).toBe(401);
      expect((res.json as { error: { code: string } }).error.code).toBe('session_expired');
    });
  });
});
