import { inspect } from 'node:util';
import { expect } from 'vitest';

/** Awaits `promise`, expects it to reject, and returns the error for further assertions. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

/**
 * Asserts that none of `secrets` shows in any way an error is usually printed or logged: its message,
 * stack, `util.inspect` (what pino and console print, own properties and causes included) and JSON.
 */
export function expectNoLeak(error: Error, secrets: readonly string[]): void {
  const renderings = [
    String(error),
    error.message,
    error.stack ?? '',
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
  ];
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(3);
    for (const text of renderings) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    }
  }
}
