import type { Category } from '../../shared/categories.js';
import type { Language } from '../../shared/i18n/index.js';
import type { BindingList, BindingView } from '../../shared/schemas/binding.js';
import type { OpinionList } from '../../shared/schemas/opinion.js';
import type { DemoResidentList, MeView } from '../../shared/schemas/resident.js';

/** How many opinions one page of the list holds. */
export const PAGE_SIZE = 20;

/** A failed call, with the server's own translated explanation when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string | null,
  ) {
    super(`${status} ${code}`);
    this.name = 'ApiError';
  }
}

/** What `/api/demo/directory` tells us about the demo community (the only part the mini-app needs). */
export interface DemoDirectory {
  community: { code: string; name: string } | null;
}

export interface OpinionQuery {
  community: string;
  category: Category | null;
  before: string | null;
}

/** Platforms whose sign-in starts with a redirect from the page (DingTalk signs in through its own SDK). */
export const REDIRECT_PLATFORMS = ['wecom', 'wechat'] as const;
export type RedirectPlatform = (typeof REDIRECT_PLATFORMS)[number];

/** Where the browser goes to start a platform's sign-in. */
export const platformStartUrl = (platform: RedirectPlatform) => `/api/auth/${platform}/start`;

export interface Api {
  listOpinions(query: OpinionQuery, signal?: AbortSignal): Promise<OpinionList>;
  demoDirectory(signal?: AbortSignal): Promise<DemoDirectory>;
  /** The signed-in resident; `quiet` answers null for "not signed in" instead of going to sign-in. */
  me(options?: { quiet?: boolean; signal?: AbortSignal }): Promise<MeView | null>;
  /** Whom the demo lets you be; null when the server is not in demo mode. */
  demoResidents(signal?: AbortSignal): Promise<DemoResidentList | null>;
  demoSignIn(residentId: string): Promise<MeView>;
  /** The platforms this server can sign in with; empty when it names none. */
  signInPlatforms(signal?: AbortSignal): Promise<string[]>;
  logout(): Promise<void>;
  pendingBindings(signal?: AbortSignal): Promise<BindingList>;
  approveBinding(id: string): Promise<BindingView>;
  rejectBinding(id: string, reason: string): Promise<BindingView>;
  /**
   * Any other JSON call, for feature modules (`reports/reports-api.ts` and the like) that type their
   * own endpoints on top; errors arrive as `ApiError` with the server's translated message.
   */
  call<T>(method: HttpMethod, path: string, init?: CallInit): Promise<T>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallInit {
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is thrown without sending the user to sign in. */
  quiet?: boolean;
}

export interface ApiOptions {
  /** Called on any 401 except from quiet calls: the session is gone, so the page asks to sign in. */
  onUnauthorized?: () => void;
}

/** Calls the server in the page's language, so its error messages come back translated. */
export function createApi(language: Language, options: ApiOptions = {}): Api {
  async function request<T>(method: HttpMethod, path: string, init: CallInit = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'accept-language': language };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
      signal: init.signal,
    });
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      if (res.status === 401 && !init.quiet) options.onUnauthorized?.();
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? null);
    }
    return body as T;
  }

  function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    return request<T>('GET', path, { signal });
  }

  /** A 404 here means the server does not offer the feature at all (e.g. not in demo mode). */
  async function unlessMissing<T>(call: Promise<T>): Promise<T | null> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  return {
    listOpinions(query, signal) {
      const params = new URLSearchParams({ community: query.community, limit: String(PAGE_SIZE) });
      if (query.category) params.set('category', query.category);
      if (query.before) params.set('before', query.before);
      return getJson<OpinionList>(`/api/opinions?${params}`, signal);
    },
    demoDirectory(signal) {
      return getJson<DemoDirectory>('/api/demo/directory', signal);
    },
    async me({ quiet = false, signal } = {}) {
      try {
        return await request<MeView>('GET', '/api/me', { signal, quiet });
      } catch (err) {
        if (quiet && err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    demoResidents(signal) {
      return unlessMissing(
        request<DemoResidentList>('GET', '/api/auth/demo/residents', { signal, quiet: true }),
      );
    },
    demoSignIn(residentId) {
      return request<MeView>('POST', '/api/auth/demo', { body: { residentId }, quiet: true });
    },
    async signInPlatforms(signal) {
      const answer = await unlessMissing(
        request<{ platforms?: unknown }>('GET', '/api/auth/platforms', { signal, quiet: true }),
      );
      const platforms = answer?.platforms;
      return Array.isArray(platforms) ? platforms.filter((p): p is string => typeof p === 'string') : [];
    },
    async logout() {
      // 204 has no body, which `request` reads as null.
      await request<null>('POST', '/api/auth/logout', { quiet: true });
    },
    pendingBindings(signal) {
      return getJson<BindingList>('/api/bindings?status=pending', signal);
    },
    approveBinding(id) {
      return request<BindingView>('POST', `/api/bindings/${encodeURIComponent(id)}/approve`, { body: {} });
    },
    rejectBinding(id, reason) {
      return request<BindingView>('POST', `/api/bindings/${encodeURIComponent(id)}/reject`, {
        body: { reason },
      });
    },
    call: request,
  };
}
