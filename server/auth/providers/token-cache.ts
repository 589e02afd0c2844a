export interface Expiring {
  value: string;
  /** Lifetime the platform announced (`expires_in`, normally 7200). */
  expiresInSeconds: number;
}

export interface TokenCacheOptions {
  now?: () => number;
  /** Refresh this long before the announced expiry (capped at half the lifetime). */
  refreshMarginSeconds?: number;
  /**
   * After a failed load, callers within this window get the same error instead of a new request: the
   * token and ticket endpoints are rate-limited (jsapi tickets: 400 an hour per corp), and a wrong
   * secret would otherwise cost one platform call per sign-in attempt.
   */
  failureCooldownMs?: number;
}

/**
 * One cached platform credential (access token or jsapi ticket): reused until shortly before it expires,
 * loaded by at most one request at a time however many callers are waiting (single flight).
 */
export class TokenCache {
  readonly #load: () => Promise<Expiring>;
  readonly #now: () => number;
  readonly #marginSeconds: number;
  readonly #cooldownMs: number;
  #cached: { value: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  #failure: { error: unknown; until: number } | undefined;

  constructor(load: () => Promise<Expiring>, options: TokenCacheOptions = {}) {
    this.#load = load;
    this.#now = options.now ?? Date.now;
    this.#marginSeconds = options.refreshMarginSeconds ?? 300;
    this.#cooldownMs = options.failureCooldownMs ?? 2000;
  }

  get(): Promise<string> {
    const now = this.#now();
    if (this.#cached && now < this.#cached.refreshAt) return Promise.resolve(this.#cached.value);
    if (this.#inflight) return this.#inflight;
    if (this.#failure && now < this.#failure.until) return Promise.reject(this.#failure.error);
    // The settle handlers run before any waiter resumes, so no caller can observe a settled #inflight.
    this.#inflight = this.#load().then(
      ({ value, expiresInSeconds }) => {
        const lifetime = Math.max(0, expiresInSeconds);
        const margin = Math.min(this.#marginSeconds, lifetime / 2);
        this.#cached = { value, refreshAt: this.#now() + (lifetime - margin) * 1000 };
        this.#failure = undefined;
        this.#inflight = undefined;
        return value;
      },
      (error: unknown) => {
        this.#failure = { error, until: this.#now() + this.#cooldownMs };
        this.#inflight = undefined;
        throw error;
      },
    );
    return this.#inflight;
  }

  /**
   * Drops the cached value if it is still `stale` (the one the platform just rejected). Comparing first
   * means that when many callers are rejected with the same token, one refresh serves them all.
   */
  invalidate(stale: string): void {
    if (this.#cached?.value === stale) this.#cached = undefined;
  }
}
