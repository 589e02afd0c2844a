/** Remembers signed requests for as long as their timestamp is acceptable, so each is accepted once. */
export interface ReplayGuard {
  /** True the first time `key` is seen within `ttlMs`, false for a repeat. */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/**
 * One process's memory. Several server processes each keep their own, so a replay sent to another
 * process passes here; the gateway's per-message idempotency still stops a second processing.
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  claim(key: string, ttlMs: number): boolean {
    const now = this.now();
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    if (this.seen.size >= this.maxEntries) this.prune(now);
    // Still full of live entries: forget the oldest rather than grow without bound.
    if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.delete(key);
    this.seen.set(key, now + ttlMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
  }
}
