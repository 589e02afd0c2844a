import type { Category } from '../../shared/categories.js';
import type { Language } from '../../shared/i18n/index.js';
import type { OpinionList } from '../../shared/schemas/opinion.js';

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

export interface Api {
  listOpinions(query: OpinionQuery, signal?: AbortSignal): Promise<OpinionList>;
  demoDirectory(signal?: AbortSignal): Promise<DemoDirectory>;
}

/** Calls the server in the page's language, so its error messages come back translated. */
export function createApi(language: Language): Api {
  async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await fetch(path, {
      headers: { accept: 'application/json', 'accept-language': language },
      signal,
    });
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? null);
    }
    return body as T;
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
  };
}
