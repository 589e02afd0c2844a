import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import { ReportRepository, type ReportRecord } from '../../server/repositories/report.repository.js';
import { SERVICE_TYPES } from '../../shared/schemas/report.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Open311 GeoReport v2 as a spec-only client sees it: form posts with api_key, JSON and XML reads. */

const KEY = 'open311-test-key-0123456789';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ demo: true, env: { OPEN311_API_KEYS: `other-key,${KEY}` } });
});

afterAll(async () => {
  await server?.close();
});

async function get(path: string) {
  const res = await fetch(`${server.url}/open311/v2/${path}`, { headers: { 'accept-language': 'en' } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

async function post(path: string, fields: Record<string, string>) {
  const res = await fetch(`${server.url}/open311/v2/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

const json = <T>(text: string) => JSON.parse(text) as T;
type Request311 = Record<string, unknown> & { service_request_id: string; status: string };

const reportCount = () => new ReportRepository(server.container.models).count();

describe('GET services', () => {
  it('lists the service types in JSON and XML', async () => {
    const res = await get('services.json');
    expect([res.status, res.type]).toEqual([200, 'application/json; charset=utf-8']);
    const services = json<{ service_code: string; metadata: boolean; type: string }[]>(res.text);
    expect(services.map((s) => s.service_code)).toContain('elevator');
    expect(services[0]).toMatchObject({ metadata: false, type: 'realtime' });
    const xml = await get('services.xml');
    expect(xml.type).toContain('text/xml');
    expect(xml.text).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?><services><service><service_code>elevator</,
    );
  });

  it('a service definition, and 404 for an unknown code', async () => {
    expect(json(await get('services/water.json').then((r) => r.text))).toEqual({
      service_code: 'water',
      attributes: [],
    });
    const missing = await get('services/pothole.xml');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/<errors><error><code>404<\/code><description>No such service type/);
  });
});

describe('POST requests', () => {
  it('403 without a valid key, and nothing is stored', async () => {
    const before = await reportCount();
    const res = await post('requests.json', {
      service_code: 'water',
      address_string: '3栋',
      description: 'leak',
    });
    expect(res.status).toBe(403);
    expect(json<{ code: number; description: string }[]>(res.text)).toEqual([
      { code: 403, description: expect.any(String) as string },
    ]);
    const wrong = await post('requests.json', {
      api_key: 'nope',
      service_code: 'water',
      lat: '30.1',
      long: '120.2',
    });
    expect(wrong.status).toBe(403);
    expect(await reportCount()).toBe(before);
  });

  it('400 for a missing location or an over-long description, and nothing is stored', async () => {
    const before = await reportCount();
    const noPlace = await post('requests.json', { api_key: KEY, service_code: 'water', description: 'leak' });
    expect(noPlace.status).toBe(400);
    expect(json<{ description: string }[]>(noPlace.text)[0]!.description).toContain('Location missing');
    const long = await post('requests.xml', {
      api_key: KEY,
      service_code: 'water',
      address_string: '3栋',
      description: 'x'.repeat(4001),
    });
    expect(long.status).toBe(400);
    expect(long.text).toContain('<code>400</code>');
    expect(await reportCount()).toBe(before);
  });

  it('201 creates a request that GET reads back, with the spec fields', async () => {
    const res = await post('requests.json', {
      api_key: KEY,
      service_code: 'lighting',
      lat: '30.2741',
      long: '120.1551',
      address_string: '灵山花园 5栋门口',
      description: 'Street lamp out',
      email: 'resident@example.com',
      first_name: 'Mei',
      last_name: 'Lin',
      phone: '13800001111',
      media_url: 'https://example.com/lamp.jpg',
    });
    expect(res.status).toBe(201);
    const [created] = json<{ service_request_id: string; service_notice: string }[]>(res.text);
    expect(created!.service_request_id).toMatch(/^R\d+$/);
    const one = json<Request311[]>((await get(`requests/${created!.service_request_id}.json`)).text);
    expect(one[0]).toMatchObject({
      service_request_id: created!.service_request_id,
      status: 'open',
      service_code: 'lighting',
      description: 'Street lamp out',
      lat: 30.2741,
      long: 120.1551,
      media_url: 'https://example.com/lamp.jpg',
    });
    expect(Object.keys(one[0]!)).toEqual(
      expect.arrayContaining([
        'status_notes',
        'agency_responsible',
        'requested_datetime',
        'updated_datetime',
      ]),
    );
    const xml = await get(`requests/${created!.service_request_id}.xml`);
    expect(xml.text).toContain(
      `<service_requests><request><service_request_id>${created!.service_request_id}<`,
    );
    expect((await get('requests/R99999999.json')).status).toBe(404);
  });
});

describe('GET requests', () => {
  it('filters by service_code, status, dates and ids', async () => {
    const codes = ['water', 'water', 'parking'];
    const made: string[] = [];
    for (const code of codes) {
      const res = await post('requests.json', { api_key: KEY, service_code: code, address_string: '1栋' });
      made.push(json<{ service_request_id: string }[]>(res.text)[0]!.service_request_id);
    }
    const water = json<Request311[]>((await get('requests.json?service_code=water')).text);
    expect(water.length).toBeGreaterThanOrEqual(2);
    expect(water.every((r) => r.service_code === 'water')).toBe(true);
    const closed = json<Request311[]>((await get('requests.json?status=closed')).text);
    expect(closed.every((r) => r.status === 'closed')).toBe(true);
    const future = json<Request311[]>((await get('requests.json?start_date=2099-01-01T00:00:00Z')).text);
    expect(future).toEqual([]);
    const byId = json<Request311[]>(
      (await get(`requests.json?service_request_id=${made[0]},${made[2]}`)).text,
    );
    expect(byId.map((r) => r.service_request_id)).toEqual([made[0], made[2]]);
    const bad = await get('requests.json?start_date=yesterday');
    expect(bad.status).toBe(400);
  });

  it('an internal change shows as closed with status_notes', async () => {
    const res = await post('requests.json', { api_key: KEY, service_code: 'noise', address_string: '2栋' });
    const id = json<{ service_request_id: string }[]>(res.text)[0]!.service_request_id;
    const chen = (await server.container.repositories.residents.findByIdentity('simulator', 'sim-chen'))!;
    await server.container.services.reports.transition(chen, Number(id.slice(1)), {
      to: 'not_responsible',
      reason: 'Handled by the city',
    });
    const [read] = json<Request311[]>((await get(`requests/${id}.json`)).text);
    expect(read).toMatchObject({
      status: 'closed',
      status_notes: 'Not our responsibility: Handled by the city',
    });
  });
});

describe('POST /api/open311/keys', () => {
  it('an admin issues a key that then works; a secretary may not', async () => {
    const cookieOf = async (platformId: string) => {
      const r = (await server.container.repositories.residents.findByIdentity('simulator', platformId))!;
      return `${SESSION_COOKIE}=${server.container.sessionCodec.encode(r.id).value}`;
    };
    const issue = (cookie: string) =>
      fetch(`${server.url}/api/open311/keys`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'city-app' }),
      });
    expect((await issue(await cookieOf('sim-chen'))).status).toBe(403);
    const res = await issue(await cookieOf('sim-admin'));
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };
    const created = await post('requests.json', {
      api_key: key,
      service_code: 'greenery',
      address_string: '3栋',
    });
    expect(created.status).toBe(201);
  });
});

describe('GET requests in an old date window', () => {
  const DAY = 86_400_000;
  const COMMUNITY = 'f'.repeat(24);
  const ticket = (number: number, createdAt: Date): ReportRecord => ({
    number,
    communityId: COMMUNITY,
    scopeId: `${COMMUNITY}/garden/1`,
    address: '1栋',
    lat: null,
    long: null,
    serviceType: SERVICE_TYPES[number % SERVICE_TYPES.length]!,
    category: 'buildings',
    party: 'secretary',
    escalations: 0,
    state: number % 2 ? 'confirmed' : 'in_progress',
    description: `old ticket ${number}`,
    reporterId: null,
    reporterName: '',
    contact: null,
    origin: null,
    photoIds: [],
    mediaUrl: null,
    history: [{ at: createdAt, from: null, to: 'submitted', by: '', note: '', party: null }],
    duplicateOf: null,
    dueAt: null,
    resolvedAt: null,
    version: 0,
    createdAt,
    updatedAt: createdAt,
  });

  it('finds every ticket of a window far below the newest, and only those', async () => {
    // 5,000 tickets filed from 400 to 100 days ago, so the window sits some 50 buckets below the top.
    const now = Date.now();
    const count = 5000;
    const first = 700_000;
    const tickets = Array.from({ length: count }, (_, i) =>
      ticket(first + i, new Date(now - 400 * DAY + Math.floor((i * 300 * DAY) / count))),
    );
    const repository = new ReportRepository(server.container.models);
    for (let i = 0; i < count; i += 1000) await repository.insertMany(tickets.slice(i, i + 1000));
    const from = new Date(now - 380 * DAY);
    const to = new Date(now - 370 * DAY);
    const expected = tickets
      .filter((t) => t.createdAt >= from && t.createdAt <= to)
      .map((t) => `R${t.number}`)
      .reverse();
    expect(expected.length).toBeGreaterThan(100);
    const res = await get(
      `requests.json?start_date=${from.toISOString()}&end_date=${to.toISOString()}&page_size=1000`,
    );
    expect(res.status).toBe(200);
    expect(json<Request311[]>(res.text).map((r) => r.service_request_id)).toEqual(expected);
    const closed = json<Request311[]>(
      (await get(`requests.json?start_date=${from.toISOString()}&end_date=${to.toISOString()}&status=closed`))
        .text,
    );
    expect(closed.map((r) => r.service_request_id)).toEqual(
      expected.filter((id) => Number(id.slice(1)) % 2 === 1).slice(0, 100),
    );
    // The widest window the spec's dates allow: everything, newest first, without reading each year.
    const started = Date.now();
    const everything = json<Request311[]>(
      (await get('requests.json?start_date=0001-01-01T00:00:00Z&end_date=9999-12-31T23:59:59Z')).text,
    );
    expect(everything.map((r) => r.service_request_id).slice(0, 2)).toEqual([
      `R${first + count - 1}`,
      `R${first + count - 2}`,
    ]);
    expect(everything).toHaveLength(100);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 120_000);
});
