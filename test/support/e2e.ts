import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { buildMiniprogram, PhoneBrowser } from './browser.js';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';

/** Where end-to-end tests leave their screenshots. */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export interface E2e {
  server(): TestServer;
  browser(): PhoneBrowser;
  /** The server's base URL. */
  url(): string;
  /** A phone page of this test's, closed (and checked for page errors) after it. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * One server and one phone browser for a test file: built mini-app and screenshot folder first, every
 * test's pages closed after it with no page error left, the browser closed before the server.
 */
export function useE2eServer(options: TestServerOptions): E2e {
  let server: TestServer | undefined;
  let browser: PhoneBrowser | undefined;

  beforeAll(async () => {
    buildMiniprogram();
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await startTestServer(options);
    browser = await PhoneBrowser.launch();
  });

  afterEach(async () => {
    expect((await browser?.closePages()) ?? []).toEqual([]);
  });

  afterAll(async () => {
    // The browser first: a page holding a long poll open would delay the server's close.
    try {
      await browser?.close();
    } finally {
      await server?.close();
    }
  });

  const e2e: E2e = {
    server() {
      if (!server) throw new Error('the test server did not start');
      return server;
    },
    browser() {
      if (!browser) throw new Error('Chromium did not start');
      return browser;
    },
    url: () => e2e.server().url,
    newPage: (pageOptions = {}) => e2e.browser().newPage(pageOptions),
  };
  return e2e;
}

export interface Cookie {
  name: string;
  value: string;
}

/** A seeded resident's `cookie` header (by simulator id, e.g. `sim-wang`), from the demo's one-tap sign-in. */
export async function demoCookieHeader(server: TestServer, platformId: string): Promise<string> {
  const resident = await server.container.repositories.residents.findByIdentity('simulator', platformId);
  if (!resident) throw new Error(`no resident with the simulator identity ${platformId}`);
  const res = await fetch(`${server.url}/api/auth/demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ residentId: resident.id }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** {@link demoCookieHeader} as a cookie to add to a browser context. */
export async function demoCookie(server: TestServer, platformId: string): Promise<Cookie> {
  const header = await demoCookieHeader(server, platformId);
  const at = header.indexOf('=');
  return { name: header.slice(0, at), value: header.slice(at + 1) };
}
