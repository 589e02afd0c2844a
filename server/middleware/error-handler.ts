import type { Middleware } from 'koa';
import { AppError } from '../errors.js';

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/** Maps errors thrown by body parsers and other middleware to our codes. */
function fromHttpError(err: HttpLikeError): AppError | null {
  const status = err.status ?? err.statusCode;
  if (status === 413) return new AppError(413, 'payload_too_large', 'errors.payloadTooLarge');
  if (status === 400 && err.type === 'entity.parse.failed')
    return new AppError(400, 'bad_json', 'errors.badJson');
  if (status === 415)
    return new AppError(415, 'unsupported_media_type', 'errors.validation', { details: 'content-type' });
  return null;
}

/**
 * The first middleware: turns anything thrown below into `{error: {code, message}}` in the caller's
 * language. Unknown errors become a 500 without details and are logged through app.emit('error').
 */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: 'route_not_found', message: ctx.t('errors.routeNotFound') } };
      }
    } catch (caught) {
      const err = caught instanceof AppError ? caught : fromHttpError(caught as HttpLikeError);
      if (err) {
        const params: Record<string, string | number> = { ...err.params };
        for (const key of err.translateParams) params[key] = ctx.t(String(params[key]));
        ctx.status = err.status;
        ctx.body = { error: { code: err.code, message: ctx.t(err.messageKey, params) } };
        return;
      }
      ctx.status = 500;
      ctx.body = { error: { code: 'internal', message: ctx.t('errors.internal') } };
      ctx.app.emit('error', caught, ctx);
    }
  };
}
