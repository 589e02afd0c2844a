import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * An Open311 GeoReport v2 client that knows nothing of this project: it speaks only the public spec's
 * paths, parameters and fields (https://wiki.open311.org/GeoReport_v2), form-encoded POSTs with an
 * `api_key`, and reads `[{code, description}]` errors.
 */

const API_KEY = 'open311-client-test-key-0123456789';

/** The fields the spec defines for a service request in responses. */
interface ServiceRequest {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes?: string | null;
  service_name?: string | null;
  service_code: string;
  description?: string | null;
  agency_responsible?: string | null;
  service_notice?: string | null;
  requested_datetime: string;
  updated_datetime?: string | null;
  expected_datetime?: string | null;
  address?: string | null;
  lat?: number | string | null;
  long?: number | string | null;
  media_url?: string | null;
}

interface Service {
  service_code: string;
  service_name: string;
  description?: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords?: string;
  group?: string;
}

interface Open311Error {
  code: number;
  description: string;
}

class Open311Client {
  constructor(private readonly endpoint: string) {}

  private async get<T>(path: string, query: Record<string, string> = {}) {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${this.endpoint}/${path}${qs ? `?${qs}` : ''}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as T };
  }

  services() {
    return this.get<Service[]>('services.json');
  }

  request(id: string) {
    return this.get<ServiceRequest[] | Open311Error[]>(`requests/${encodeURIComponent(id)}.json`);
  }

  requests(query: Record<string, string> = {}) {
    return this.get<ServiceRequest[] | Open311Error[]>('requests.json', query);
  }

  /** `POST requests.json`, form-encoded as the spec says. */
  async create(fields: Record<string, string>) {
    const res = await fetch(`${this.endpoint}/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    return {
      status: res.status,
      body: (await res.json()) as
        | { service_request_id?: string; token?: string; service_notice?: string; account_id?: string }[]
        | Open311Error[],
    };
  }
}

let server: TestServer;
let client: Open311Client;

beforeAll(async () => {
  server = await startTestServer({ demo: true, env: { OPEN311_API_KEYS: API_KEY } });
  client = new Open311Client(`${server.url}/open311/v2`);
});

afterAll(async () => {
  await server?.close();
});

const isErrorList = (body: unknown): body is Open311Error[] =>
  Array.isArray(body) &&
  body.length > 0 &&
  body.every(
    (e) =>
      typeof (e as Open311Error).code === 'number' && typeof (e as Open311Error).description === 'string',
  );

async function aServiceCode(): Promise<string> {
  const { body } = await client.services();
  return body[0]!.service_code;
}

async function createOne(extra: Record<string, string> = {}): Promise<string> {
  const service_code = await aServiceCode();
  const { status, body } = await client.create({
    api_key: API_KEY,
    service_code,
    address_string: '3栋2单元门口',
    description: '3栋门口的路灯坏了，晚上很黑',
    first_name: '小',
    last_name: '王',
    email: 'wang@example.test',
    ...extra,
  });
  expect([200, 201]).toContain(status);
  expect(Array.isArray(body) && body.length === 1).toBe(true);
  const id = (body[0] as { service_request_id?: string }).service_request_id;
  expect(typeof id).toBe('string');
  return id!;
}

describe('GET services.json', () => {
  it('200 lists services with the spec fields', async () => {
    const { status, type, body } = await client.services();
    expect(status).toBe(200);
    expect(type).toMatch(/application\/json/);
    expect(body.length).toBeGreaterThan(0);
    for (const service of body) {
      expect(typeof service.service_code).toBe('string');
      expect(typeof service.service_name).toBe('string');
      expect(typeof service.metadata).toBe('boolean');
      expect(['realtime', 'batch', 'blackbox']).toContain(service.type);
    }
  });
});

describe('POST requests.json', () => {
  it('403 without an api_key, and nothing is stored', async () => {
    const before = await client.requests({ status: 'open' });
    const { status, body } = await client.create({
      service_code: await aServiceCode(),
      address_string: '5栋',
      description: '没有密钥的请求',
    });
    expect(status).toBe(403);
    expect(isErrorList(body)).toBe(true);
    const after = await client.requests({ status: 'open' });
    expect((after.body as ServiceRequest[]).length).toBe((before.body as ServiceRequest[]).length);
  });

  it('403 with a wrong api_key', async () => {
    const { status, body } = await client.create({
      api_key: 'not-a-key',
      service_code: await aServiceCode(),
      address_string: '5栋',
      description: '错误密钥',
    });
    expect(status).toBe(403);
    expect(isErrorList(body)).toBe(true);
  });

  it('400/404 for an unknown service_code, 400 for a request without any location', async () => {
    const unknown = await client.create({
      api_key: API_KEY,
      service_code: 'no-such-service',
      address_string: '5栋',
      description: '未知服务',
    });
    // The spec lists 400 for bad input and 404 for an unknown code; either is a spec error list.
    expect([400, 404]).toContain(unknown.status);
    expect(isErrorList(unknown.body)).toBe(true);

    const nowhere = await client.create({
      api_key: API_KEY,
      service_code: await aServiceCode(),
      description: '没有位置',
    });
    expect(nowhere.status).toBe(400);
    expect(isErrorList(nowhere.body)).toBe(true);
  });

  it('creates a request that reads back through requests/{id}.json and requests.json', async () => {
    const code = await aServiceCode();
    const id = await createOne({ service_code: code });

    const one = await client.request(id);
    expect(one.status).toBe(200);
    const [request] = one.body as ServiceRequest[];
    expect(request).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: code,
      description: '3栋门口的路灯坏了，晚上很黑',
    });
    expect(Number.isNaN(Date.parse(request!.requested_datetime))).toBe(false);
    expect(request!.address).toContain('3栋');

    const byId = await client.requests({ service_request_id: id });
    expect(byId.status).toBe(200);
    expect((byId.body as ServiceRequest[]).map((r) => r.service_request_id)).toEqual([id]);

    const byCode = await client.requests({ service_code: code, status: 'open' });
    expect((byCode.body as ServiceRequest[]).map((r) => r.service_request_id)).toContain(id);
    expect(
      (byCode.body as ServiceRequest[]).every((r) => r.service_code === code && r.status === 'open'),
    ).toBe(true);

    const closed = await client.requests({ status: 'closed' });
    expect((closed.body as ServiceRequest[]).map((r) => r.service_request_id)).not.toContain(id);

    const window = await client.requests({
      start_date: new Date(Date.now() - 3_600_000).toISOString(),
      end_date: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((window.body as ServiceRequest[]).map((r) => r.service_request_id)).toContain(id);
    const past = await client.requests({
      start_date: '2020-01-01T00:00:00Z',
      end_date: '2020-02-01T00:00:00Z',
    });
    expect((past.body as ServiceRequest[]).map((r) => r.service_request_id)).not.toContain(id);
  });

  it('several ids at once, comma-separated', async () => {
    const a = await createOne();
    const b = await createOne({ address_string: '1栋' });
    const { body } = await client.requests({ service_request_id: `${a},${b}` });
    expect((body as ServiceRequest[]).map((r) => r.service_request_id).sort()).toEqual([a, b].sort());
  });
});

describe('GET requests/{id}.json', () => {
  it('404 with the spec’s error list for an unknown id', async () => {
    const { status, body } = await client.request('99999999');
    expect(status).toBe(404);
    expect(isErrorList(body)).toBe(true);
  });

  it('is closed with status_notes once staff reject it with a reason', async () => {
    const id = await createOne();
    const secretary = await server.container.repositories.residents.findByIdentity('simulator', 'sim-chen');
    const res = await fetch(`${server.url}/api/reports/R${id.replace(/^R/i, '')}/transition`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${SESSION_COOKIE}=${server.container.sessionCodec.encode(secretary!.id).value}`,
      },
      body: JSON.stringify({ to: 'rejected', reason: '该路灯属于市政，已转交市政热线' }),
    });
    expect(res.status).toBe(200);
    const [request] = (await client.request(id)).body as ServiceRequest[];
    expect(request).toMatchObject({ service_request_id: id, status: 'closed' });
    expect(request!.status_notes).toContain('该路灯属于市政');
  });

  it('answers in XML for the .xml format', async () => {
    const id = await createOne();
    const res = await fetch(`${server.url}/open311/v2/requests/${id}.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/xml/);
    const xml = await res.text();
    expect(xml).toContain('<service_requests>');
    expect(xml).toContain(`<service_request_id>${id}</service_request_id>`);
  });
});
