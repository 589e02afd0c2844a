import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FERRETDB_VERSION, MIN_GO_MINOR, ensureFerretDb, ferretDbBinaryPath } from './ferretdb-build.js';

const USAGE = `Usage: tsx server/db/engine-cli.ts build [--force] [--cache-dir <dir>]

  build   Build FerretDB ${FERRETDB_VERSION} with Go 1.${MIN_GO_MINOR}+ into the project cache
          (.cache/ferretdb/${FERRETDB_VERSION}/ferretdb) unless it is already there.
          --force      rebuild even when the binary exists
          --cache-dir  build into another cache directory`;

async function build(force: boolean, cacheDir: string | undefined): Promise<number> {
  const target = ferretDbBinaryPath(cacheDir);
  const started = Date.now();
  console.log(`FerretDB ${FERRETDB_VERSION}: ${target}`);
  const binary = await ensureFerretDb({
    force,
    cacheDir,
    log: (message) => console.log(message),
  });
  if (!binary) {
    console.error(
      `Cannot build FerretDB: \`go\` is not on PATH. Install Go 1.${MIN_GO_MINOR}+ (https://go.dev/dl/) and run again.\n` +
        'Alternatively install MongoDB so that `mongod` is on PATH, or set MONGODB_URI to a running server.',
    );
    return 1;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`FerretDB ${FERRETDB_VERSION} ready in ${seconds} s: ${binary}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      force: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'build' || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const cacheDir = values['cache-dir'] ? resolve(values['cache-dir']) : undefined;
  return build(values.force, cacheDir);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`engine build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
