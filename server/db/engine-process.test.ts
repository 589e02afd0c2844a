import { describe, expect, it } from 'vitest';
import { pickFreePort, superviseProcess, type EngineLogger } from './engine-process.js';

const silent: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('superviseProcess', () => {
  it('sends SIGKILL when the child ignores SIGTERM for the grace period', async () => {
    const child = await superviseProcess({
      name: 'stubborn',
      command: process.execPath,
      args: [
        '-e',
        "process.on('SIGTERM', () => console.error('ignoring SIGTERM')); setInterval(() => {}, 1000); console.error('up')",
      ],
      logger: silent,
    });
    for (let i = 0; i < 100 && !child.tail().includes('up'); i++) await new Promise((r) => setTimeout(r, 20));

    await child.stop(300);

    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.tail()).toContain('ignoring SIGTERM');
  });

  it('stops a well-behaved child with SIGTERM, and stop() is idempotent', async () => {
    const child = await superviseProcess({
      name: 'polite',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      logger: silent,
    });

    await Promise.all([child.stop(5_000), child.stop(5_000)]);

    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(child.hasExited()).toBe(true);
  });

  it('rejects with the command when it cannot be spawned', async () => {
    await expect(
      superviseProcess({ name: 'ghost', command: '/nonexistent/ferretdb', args: [], logger: silent }),
    ).rejects.toThrow(/Could not start ghost \(\/nonexistent\/ferretdb\)/);
  });

  it('forwards only the stderr lines the filter keeps', async () => {
    const warnings: string[] = [];
    const child = await superviseProcess({
      name: 'chatty',
      command: process.execPath,
      args: ['-e', "console.error('keep me'); console.error('drop me'); console.log('stdout line')"],
      logger: { ...silent, warn: (obj) => warnings.push((obj as { line: string }).line) },
      forwardStderr: (line) => !line.startsWith('drop'),
    });
    await child.exited;
    await new Promise((r) => setTimeout(r, 20));

    expect(warnings).toEqual(['keep me']);
    expect(child.tail()).toEqual(expect.arrayContaining(['keep me', 'drop me', 'stdout line']));
  });
});

describe('pickFreePort', () => {
  it('returns a loopback port nobody holds', async () => {
    const port = await pickFreePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
  });
});
