import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

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

/** A phone-sized, touch, zh-CN page: how residents open the mini-app. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};

/**
 * Chromium for one test file: each page gets its own phone context, and every uncaught page error is
 * kept so the test that caused it can fail on it.
 */
export class PhoneBrowser {
  private readonly contexts: BrowserContext[] = [];
  private readonly pageErrors: string[] = [];

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<PhoneBrowser> {
    return new PhoneBrowser(await launchChromium());
  }

  async newPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await this.browser.newContext({ ...PHONE, ...options });
    this.contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => this.pageErrors.push(err.message));
    return page;
  }

  /** Closes this test's pages and returns the page errors they raised. */
  async closePages(): Promise<string[]> {
    const errors = this.pageErrors.splice(0);
    await Promise.all(this.contexts.splice(0).map((context) => context.close()));
    return errors;
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
