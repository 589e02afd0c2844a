import * as esbuild from 'esbuild';
import { mkdir, copyFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Bundles the mini-app into miniprogram/dist, which the server serves at /app. */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

await rm(here('./dist'), { recursive: true, force: true });
await mkdir(here('./dist'), { recursive: true });
await esbuild.build({
  entryPoints: [here('./src/main.ts')],
  outfile: here('./dist/app.js'),
  bundle: true,
  format: 'esm',
  target: ['es2020', 'safari15'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
await copyFile(here('./src/index.html'), here('./dist/index.html'));
console.log('mini-app built into miniprogram/dist');
