import Router from '@koa/router';
import * as esbuild from 'esbuild';
import type { Context, Middleware } from 'koa';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { languageFromAcceptLanguage, translator } from '../../../shared/i18n/index.js';
import type { SimulatorAdapter } from './simulator-adapter.js';

const PAGE_ENTRY = fileURLToPath(new URL('./page/simulator-page.ts', import.meta.url));

const saySchema = z.object({
  senderId: z.string().min(1).max(64),
  senderName: z.string().min(1).max(64),
  groupId: z.string().min(1).max(64),
  groupName: z.string().max(128),
  text: z.string().min(1).max(4_000),
});

const eventsSchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  wait: z.coerce.number().int().min(0).max(25_000).default(0),
});

function parseOr400<S extends z.ZodType>(ctx: Context, schema: S, input: unknown): z.infer<S> | null {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const t = translator(languageFromAcceptLanguage(ctx.get('accept-language')));
  const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  ctx.status = 400;
  ctx.body = { error: { code: 'validation_failed', message: t('errors.validation', { details }) } };
  return null;
}

let bundle: Promise<string> | null = null;

/** Bundles the page script once per process; the simulator only runs in demo mode. */
function pageScript(): Promise<string> {
  bundle ??= esbuild
    .build({
      entryPoints: [PAGE_ENTRY],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2020',
      minify: true,
    })
    .then((result) => result.outputFiles[0]!.text);
  return bundle;
}

const PAGE_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>Simulator</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="root"></div>
<script type="module" src="/simulator/simulator.js"></script>
</body>
</html>`;

/** The simulator's page and API under /simulator, mounted on the server in demo mode. */
export function simulatorRoutes(adapter: SimulatorAdapter): Middleware {
  const router = new Router({ prefix: '/simulator' });
  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = PAGE_HTML;
  });
  router.get('/simulator.js', async (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = await pageScript();
  });
  router.get('/api/events', async (ctx) => {
    const query = parseOr400(ctx, eventsSchema, ctx.query);
    if (query) ctx.body = { events: await adapter.events(query.after, query.wait) };
  });
  router.post('/api/say', (ctx) => {
    const input = parseOr400(ctx, saySchema, ctx.request.body);
    if (input) ctx.body = { event: adapter.say(input) };
  });
  return router.routes() as Middleware;
}
