import type { Middleware } from 'koa';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyGatewayRequest } from '../../shared/gateway-signature.js';
import { AppError, unauthorized } from '../errors.js';
import { readRawBody } from './raw-body.js';

declare module 'koa' {
  interface DefaultContext {
    /** The JSON body of a request whose signature has been checked. */
    verifiedBody?: unknown;
  }
}

const MAX_BODY = 256 * 1024;

/** Only bot processes holding the shared secret may talk to the gateway. */
export function gatewayAuth(secret: string): Middleware {
  return async (ctx, next) => {
    const raw = await readRawBody(ctx, MAX_BODY);
    const check = verifyGatewayRequest(secret, ctx.get(TIMESTAMP_HEADER), ctx.get(SIGNATURE_HEADER), raw);
    if (check === 'missing') throw unauthorized('signature_missing', 'errors.unauthorized');
    if (check === 'stale') throw unauthorized('timestamp_stale', 'errors.staleTimestamp');
    if (check === 'mismatch') throw unauthorized('signature_invalid', 'errors.badSignature');
    try {
      ctx.verifiedBody = raw.length === 0 ? {} : (JSON.parse(raw) as unknown);
    } catch {
      throw new AppError(400, 'bad_json', 'errors.badJson');
    }
    await next();
  };
}
