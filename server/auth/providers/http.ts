import { InvalidAuthCodeError, PlatformApiError, PlatformUnavailableError, redact } from './errors.js';
import type { ClientDeps, FetchFn, Platform } from './types.js';

export type PlatformBody = Record<string, unknown>;

export interface PlatformRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, e.g. `/cgi-bin/gettoken`; it is the only part of the URL errors mention. */
  path: string;
  query: Record<string, string>;
  /** JSON request body (POST). */
  json?: Record<string, string>;
}

export interface CallOptions {
  /** Platform errcodes meaning the user's code was rejected. */
  invalidCodeErrcodes?: readonly number[];
  /** Platform errcodes handed back to the caller instead of thrown (e.g. an expired access token). */
  returnErrcodes?: readonly number[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The platform's `errcode`, treating its absence as success (WeChat's success bodies carry none). */
export function errcodeOf(body: PlatformBody): number {
  return typeof body.errcode === 'number' ? body.errcode : 0;
}

/** JSON over HTTP to one platform host, with errors that never leak the URL, secrets or codes. */
export class PlatformHttp {
  readonly #platform: Platform;
  readonly #baseUrl: string;
  readonly #fetch: FetchFn;
  readonly #timeoutMs: number;

  constructor(platform: Platform, baseUrl: string, deps: ClientDeps = {}) {
    const parsed = new URL(baseUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new TypeError(`${platform}: base URL must be http(s)`);
    }
    this.#platform = platform;
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#fetch = deps.fetch ?? globalThis.fetch;
    this.#timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async call(request: PlatformRequest, options: CallOptions = {}): Promise<PlatformBody> {
    const { path } = request;
    const sensitive = [...Object.values(request.query), ...Object.values(request.json ?? {})];
    const unavailable = (what: string) =>
      new PlatformUnavailableError(this.#platform, path, redact(what, sensitive));

    let response: Response;
    try {
      response = await this.#fetch(
        `${this.#baseUrl}${path}?${new URLSearchParams(request.query).toString()}`,
        {
          method: request.method,
          headers: request.json ? { 'content-type': 'application/json' } : {},
          body: request.json ? JSON.stringify(request.json) : undefined,
          signal: AbortSignal.timeout(this.#timeoutMs),
        },
      );
    } catch (error) {
      throw unavailable(`request failed: ${describe(error)}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unavailable(`HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw unavailable(`response is not JSON: ${describe(error)}`);
    }
    if (!isRecord(body)) throw unavailable('response is not a JSON object');
    const errcode = errcodeOf(body);
    if (errcode === 0 || options.returnErrcodes?.includes(errcode)) return body;

    const errmsg = typeof body.errmsg === 'string' ? body.errmsg : '';
    const message = redact(`errcode ${errcode}${errmsg ? `: ${errmsg}` : ''}`, sensitive);
    if (options.invalidCodeErrcodes?.includes(errcode)) {
      throw new InvalidAuthCodeError(this.#platform, path, message, errcode);
    }
    throw new PlatformApiError(this.#platform, path, message, errcode);
  }

  /** The error for a success body that lacks a documented field, so a changed API fails loudly. */
  badResponse(path: string, what: string): PlatformUnavailableError {
    return new PlatformUnavailableError(this.#platform, path, `unexpected response: ${what}`);
  }
}

/** An error's message plus its cause's (fetch puts the useful part, e.g. ECONNREFUSED, in the cause). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/** A non-empty string field of a platform body, or undefined. */
export function stringField(body: PlatformBody, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A finite number field of a platform body, or undefined. */
export function numberField(body: PlatformBody, key: string): number | undefined {
  const value = body[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function isRecord(value: unknown): value is PlatformBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
