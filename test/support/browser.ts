import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the mini-app into miniprogram/dist, as `npm start` does, so the server serves the current code. */
export function buildMiniprogram(): void {
  execFileSync('npx', ['tsx', 'miniprogram/build.ts'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Debian's Chromium, headless. The network flags matter on a closed machine: without them Chromium
 * keeps trying to reach Google's hosts at every start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
