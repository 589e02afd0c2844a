import { SESSION_COOKIE } from '../../server/auth/session-codec.js';
import type { RunningServer } from '../../server/server.js';

/** What the helpers need of a server: a test server, or one a test started itself. */
type Server = Pick<RunningServer, 'url' | 'container'>;

/** The `cookie` header that signs `residentId` in on `server`, issued at `now` (default: the present). */
export const sessionCookie = (server: Server, residentId: string, now?: number) =>
  `${SESSION_COOKIE}=${server.container.sessionCodec.encode(residentId, now).value}`;

/** Resident ids by simulator identity (`sim-wang`, …), as the demo seeds them. */
export async function residentIds(
  server: Server,
  platformIds: readonly string[],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const platformId of platformIds) {
    const resident = await server.container.repositories.residents.findByIdentity('simulator', platformId);
    if (!resident) throw new Error(`no resident with the simulator identity ${platformId}`);
    ids[platformId] = resident.id;
  }
  return ids;
}

export interface ApiRequest {
  /** Default `GET`. */
  method?: string;
  /** Sent as JSON; bytes (a Buffer) are sent as they are, typed `contentType`. */
  body?: unknown;
  contentType?: string;
  /** Who is signed in: a key of the client's `ids`, or a resident id. */
  as?: string;
  /** `accept-language`; default the client's. */
  language?: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  /** The parsed body, or null for an empty one. */
  json: T;
}

export interface ApiClientOptions {
  /** Resident ids by the names tests pass as `as`, e.g. from {@link residentIds}. */
  ids?: Readonly<Record<string, string>>;
  /** Default `zh-CN`. */
  language?: string;
  /** Sees the text of every body `call` reads, e.g. to check afterwards what never left the server. */
  onBody?: (text: string) => void;
}

export interface ApiClient {
  /** Requests `path` and parses the body as JSON; a body that is not JSON fails the test. */
  call<T = unknown>(path: string, init?: ApiRequest): Promise<ApiResponse<T>>;
  /** Requests `path` and leaves the response unread, for downloads and headers. */
  raw(path: string, init?: ApiRequest): Promise<Response>;
}

/** Requests to `server`'s API the way the mini-app makes them: a session cookie, a language, JSON. */
export function apiClient(server: Server, options: ApiClientOptions = {}): ApiClient {
  const ids = options.ids ?? {};

  function raw(path: string, init: ApiRequest = {}): Promise<Response> {
    const headers: Record<string, string> = {
      'accept-language': init.language ?? options.language ?? 'zh-CN',
    };
    if (init.as) headers.cookie = sessionCookie(server, ids[init.as] ?? init.as);
    let body: BodyInit | undefined;
    if (init.body instanceof Uint8Array) {
      headers['content-type'] = init.contentType ?? 'application/octet-stream';
      body = new Uint8Array(init.body);
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    return fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers, body });
  }

  async function call<T = unknown>(path: string, init: ApiRequest = {}): Promise<ApiResponse<T>> {
    const res = await raw(path, init);
    const text = await res.text();
    options.onBody?.(text);
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  }

  return { call, raw };
}

export interface ApiError {
  code: string;
  message: string;
}

/** The `{error: {code, message}}` of an error response. */
export const errorOf = (json: unknown): ApiError => (json as { error: ApiError }).error;
