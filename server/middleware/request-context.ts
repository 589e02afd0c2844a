import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { TFunction } from 'i18next';
import { languageFromAcceptLanguage, translator, type Language } from '../../shared/i18n/index.js';
import type { Logger } from '../logger.js';

declare module 'koa' {
  interface DefaultContext {
    requestId: string;
    language: Language;
    t: TFunction;
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (kept from a sane X-Request-Id), a language and a child logger. */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    ctx.requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.requestId);
    ctx.language = languageFromAcceptLanguage(ctx.get('accept-language'));
    ctx.t = translator(ctx.language);
    ctx.log = logger.child({ requestId: ctx.requestId });
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.log.debug(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  };
}
