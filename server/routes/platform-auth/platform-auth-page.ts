import type { Middleware } from 'koa';
import { AppError } from '../../errors.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** A minimal page for a person who arrived by a platform redirect and cannot be signed in. */
export function signInFailurePage(options: {
  language: string;
  title: string;
  message: string;
  back: string;
}): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(options.language)}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title)}</title>`,
    '<style>body{font:16px/1.6 system-ui,sans-serif;margin:0;padding:2rem 1.25rem;color:#222}main{max-width:32rem;margin:auto}a{color:#0a66c2}</style>',
    '</head><body><main>',
    `<h1>${escapeHtml(options.title)}</h1>`,
    `<p id="message">${escapeHtml(options.message)}</p>`,
    `<p><a href="/app/">${escapeHtml(options.back)}</a></p>`,
    '</main></body></html>',
  ].join('');
}

/**
 * Browsers that land on a sign-in route (by the platform's redirect) get a translated page for an
 * error; anything asking for JSON gets the usual `{error: {code, message}}` from the error handler.
 */
export function failuresAsPage(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof AppError) || ctx.accepts('json', 'html') !== 'html') throw err;
      const params: Record<string, string | number> = { ...err.params };
      for (const key of err.translateParams) params[key] = ctx.t(String(params[key]));
      ctx.status = err.status;
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = signInFailurePage({
        language: ctx.language,
        title: ctx.t('platformAuth.pageTitle'),
        message: ctx.t(err.messageKey, params),
        back: ctx.t('platformAuth.backToApp'),
      });
    }
  };
}
