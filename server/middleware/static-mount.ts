import type { Middleware } from 'koa';
import serve from 'koa-static';

/** Serves a built folder under a path prefix, e.g. the mini-app at /app. */
export function staticMount(prefix: string, root: string): Middleware {
  const files = serve(root, { index: 'index.html', maxage: 0, gzip: false, brotli: false });
  return async (ctx, next) => {
    if (ctx.path === prefix) return ctx.redirect(`${prefix}/`);
    if (!ctx.path.startsWith(`${prefix}/`)) return next();
    const original = ctx.path;
    ctx.path = ctx.path.slice(prefix.length) || '/';
    try {
      await files(ctx, async () => undefined);
    } finally {
      ctx.path = original;
    }
    if (ctx.body === undefined || ctx.body === null) await next();
  };
}
