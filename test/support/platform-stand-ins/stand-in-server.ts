import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** A JSON answer (the platforms answer errors with HTTP 200 and an errcode), a raw body, or a redirect. */
export type StandInReply =
  | { json: unknown; status?: number }
  | { raw: string; status: number; contentType?: string }
  | { redirect: string };

export type StandInRoute = (request: StandInRequest) => StandInReply;

export interface StandIn {
  /** `http://127.0.0.1:<port>`; pass it as the provider's base URL. */
  readonly url: string;
  /** Every request served, in order (tests assert on the parameters a provider sent). */
  readonly requests: readonly StandInRequest[];
  /** Added before every answer, so concurrent callers really overlap. */
  latencyMs: number;
  /** How many requests were made to `path` (any method). */
  calls(path: string): number;
  /** Replaces the next `times` answers for `path` (HTTP 500, an HTML error page, an errcode…). */
  failNext(path: string, reply: StandInReply, times?: number): void;
  close(): Promise<void>;
}

/** A tiny HTTP server on 127.0.0.1 and a free port, routing `"<METHOD> <path>"` to handlers. */
export async function startStandIn(
  routes: Record<string, StandInRoute>,
  options: { latencyMs?: number } = {},
): Promise<StandIn> {
  const requests: StandInRequest[] = [];
  const overrides = new Map<string, { reply: StandInReply; left: number }>();
  const state = { latencyMs: options.latencyMs ?? 0 };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const request: StandInRequest = { method, path: url.pathname, query: url.searchParams, body };
    requests.push(request);
    if (state.latencyMs > 0) await sleep(state.latencyMs);

    const override = overrides.get(url.pathname);
    if (override) {
      override.left -= 1;
      if (override.left <= 0) overrides.delete(url.pathname);
    }
    const route = routes[`${method} ${url.pathname}`];
    const reply: StandInReply = override?.reply ??
      route?.(request) ?? { json: { errcode: 404, errmsg: `no such endpoint ${url.pathname}` }, status: 404 };
    send(res, reply);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(value: number) {
      state.latencyMs = value;
    },
    calls: (path) => requests.filter((r) => r.path === path).length,
    failNext: (path, reply, times = 1) => {
      overrides.set(path, { reply, left: times });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, reply: StandInReply): void {
  if ('redirect' in reply) {
    res.writeHead(302, { location: reply.redirect }).end();
  } else if ('raw' in reply) {
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/html' }).end(reply.raw);
  } else {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(reply.json));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Appends `code` and `state` to a redirect URI the way the platforms do. */
export function redirectWithCode(redirectUri: string, code: string, state: string): string {
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  target.searchParams.set('state', state);
  return target.toString();
}

/** Credentials that expire and can be revoked, like the platforms' access tokens and tickets. */
export class IssuedTokens {
  #serial = 0;
  #current: string | undefined;
  readonly #expired = new Set<string>();
  /** How many were issued, so tests can prove caching. */
  issued = 0;

  constructor(private readonly prefix: string) {}

  /** The platforms hand out the same token while it is valid, and a new one after. */
  current(): string {
    if (!this.#current) {
      this.#serial += 1;
      this.#current = `${this.prefix}-${this.#serial}-${Math.random().toString(36).slice(2, 10)}`;
      this.issued += 1;
    }
    return this.#current;
  }

  peek(): string | undefined {
    return this.#current;
  }

  /** The current token now counts as expired; the next request for one gets a new one. */
  expire(): void {
    if (this.#current) this.#expired.add(this.#current);
    this.#current = undefined;
  }

  /** The current token is forgotten entirely (revoked early), so it now counts as invalid. */
  revoke(): void {
    this.#current = undefined;
  }

  check(token: string | null): 'ok' | 'missing' | 'expired' | 'invalid' {
    if (!token) return 'missing';
    if (token === this.#current) return 'ok';
    return this.#expired.has(token) ? 'expired' : 'invalid';
  }
}

/** Single-use codes mapped to whoever they identify, like the platforms' OAuth and authCodes. */
export class OneTimeCodes<User> {
  #serial = 0;
  readonly #live = new Map<string, User>();
  readonly #used = new Set<string>();

  constructor(
    private readonly prefix: string,
    initial: Record<string, User> = {},
  ) {
    for (const [code, user] of Object.entries(initial)) this.#live.set(code, user);
  }

  issue(user: User): string {
    this.#serial += 1;
    const code = `${this.prefix}${this.#serial}${Math.random().toString(36).slice(2, 12)}`;
    this.#live.set(code, user);
    return code;
  }

  /** The user for a live code (which is then spent), `used` for a spent one, `unknown` otherwise. */
  redeem(code: string | null | undefined): { user: User } | 'used' | 'unknown' {
    if (!code) return 'unknown';
    const user = this.#live.get(code);
    if (user !== undefined) {
      this.#live.delete(code);
      this.#used.add(code);
      return { user };
    }
    return this.#used.has(code) ? 'used' : 'unknown';
  }
}

/** The hint WeChat/WeCom append to errmsg, realistic enough that parsers cannot rely on exact text. */
export function hint(): string {
  return `hint: [${Date.now()}${Math.floor(Math.random() * 1e6)}], from ip: 127.0.0.1`;
}
