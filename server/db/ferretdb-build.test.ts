import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FERRETDB_VERSION,
  ensureFerretDb,
  ferretDbBinaryPath,
  findExecutable,
  repoRoot,
} from './ferretdb-build.js';

describe('ferretdb-build', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferretdb-build-unit-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the binary under <repo>/.cache/ferretdb/<version>', () => {
    expect(ferretDbBinaryPath()).toBe(join(repoRoot, '.cache', 'ferretdb', FERRETDB_VERSION, 'ferretdb'));
  });

  it('finds executables on a search path, skipping empty and relative entries', async () => {
    await writeFile(join(dir, 'tool'), '#!/bin/sh\n');
    await chmod(join(dir, 'tool'), 0o755);
    await writeFile(join(dir, 'plain'), 'not executable');

    expect(findExecutable('tool', `::relative:${dir}`)).toBe(join(dir, 'tool'));
    expect(findExecutable('plain', dir)).toBeNull();
    expect(findExecutable('tool', '')).toBeNull();
  });

  it('returns null when the binary is missing and Go is not on the search path', async () => {
    expect(await ensureFerretDb({ cacheDir: join(dir, 'cache'), searchPath: '' })).toBeNull();
  });

  it('returns a cached binary without needing Go', async () => {
    const cacheDir = join(dir, 'cache');
    const binary = ferretDbBinaryPath(cacheDir);
    await mkdir(join(cacheDir, FERRETDB_VERSION), { recursive: true });
    await writeFile(binary, '#!/bin/sh\n');
    await chmod(binary, 0o755);

    expect(await ensureFerretDb({ cacheDir, searchPath: '' })).toBe(binary);
  });
});
