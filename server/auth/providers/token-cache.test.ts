import { describe, expect, it } from 'vitest';
import { TokenCache } from './token-cache.js';
import type { Expiring } from './token-cache.js';

function fakeClock(start = 1_700_000_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

/** A loader that hands out `token-1`, `token-2`… and can be held open to let callers pile up. */
function loader(expiresInSeconds = 7200) {
  const state = {
    loads: 0,
    fail: undefined as Error | undefined,
    gate: undefined as Promise<void> | undefined,
  };
  const load = async (): Promise<Expiring> => {
    state.loads += 1;
    const n = state.loads;
    await state.gate;
    if (state.fail) throw state.fail;
    return { value: `token-${n}`, expiresInSeconds };
  };
  return { state, load };
}

describe('TokenCache', () => {
  it('reuses the value until the refresh margin before expiry, then loads a new one', async () => {
    const clock = fakeClock();
    const { state, load } = loader(7200);
    const cache = new TokenCache(load, { now: clock.now, refreshMarginSeconds: 300 });

    expect(await cache.get()).toBe('token-1');
    clock.advance((7200 - 300 - 1) * 1000);
    expect(await cache.get()).toBe('token-1');
    expect(state.loads).toBe(1);
    clock.advance(1000);
    expect(await cache.get()).toBe('token-2');
    expect(state.loads).toBe(2);
  });

  it('caps the margin at half a short lifetime so a short-lived value is still reused', async () => {
    const clock = fakeClock();
    const { state, load } = loader(60);
    const cache = new TokenCache(load, { now: clock.now, refreshMarginSeconds: 300 });
    await cache.get();
    clock.advance(29_000);
    await cache.get();
    expect(state.loads).toBe(1);
    clock.advance(1000);
    await cache.get();
    expect(state.loads).toBe(2);
  });

  it('lets concurrent callers share one load (single flight)', async () => {
    const { state, load } = loader();
    let open!: () => void;
    state.gate = new Promise((resolve) => (open = resolve));
    const cache = new TokenCache(load);
    const waiting = Array.from({ length: 10 }, () => cache.get());
    open();
    expect(await Promise.all(waiting)).toEqual(Array(10).fill('token-1'));
    expect(state.loads).toBe(1);
  });

  it('invalidates only the rejected value, so late rejections of an old token do not reload again', async () => {
    const { state, load } = loader();
    const cache = new TokenCache(load);
    const first = await cache.get();
    cache.invalidate(first);
    expect(await cache.get()).toBe('token-2');
    cache.invalidate(first);
    expect(await cache.get()).toBe('token-2');
    expect(state.loads).toBe(2);
  });

  it('shares a failure with all waiting callers and retries only after the cool-down', async () => {
    const clock = fakeClock();
    const { state, load } = loader();
    state.fail = new Error('platform down');
    const cache = new TokenCache(load, { now: clock.now, failureCooldownMs: 2000 });

    const results = await Promise.allSettled([cache.get(), cache.get(), cache.get()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(cache.get()).rejects.toThrow('platform down');
    expect(state.loads).toBe(1);

    state.fail = undefined;
    clock.advance(2000);
    expect(await cache.get()).toBe('token-2');
    expect(state.loads).toBe(2);
  });
});
