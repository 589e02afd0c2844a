/**
 * Runs the integration suite once more on FerretDB's PostgreSQL backend (127.0.0.1:5432), the way a
 * larger deployment would store data. Skipped with a notice where no PostgreSQL answers, except in CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';

const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const probe = spawnSync('psql', [url, '-tAc', 'select 1'], { encoding: 'utf8' });
if (probe.status !== 0) {
  const reason = probe.error ? String(probe.error) : probe.stderr.trim();
  if (process.env.CI) {
    console.error(`PostgreSQL is required in CI for the FerretDB/PostgreSQL pass: ${reason}`);
    process.exit(1);
  }
  console.warn(
    `skipped the FerretDB/PostgreSQL pass: no PostgreSQL at ${url.replace(/:[^:@/]*@/, '@')} (${reason})`,
  );
  process.exit(0);
}
execFileSync('npx', ['vitest', 'run', '--project', 'integration'], {
  stdio: 'inherit',
  env: { ...process.env, TEST_ENGINE: 'ferretdb-postgresql' },
});
