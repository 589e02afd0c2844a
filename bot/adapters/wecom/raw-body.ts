import type { Context } from 'koa';

export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The request body as text with a size cap. The server's JSON body parser may already have read a
 * JSON body; it then keeps the text in `ctx.request.rawBody`.
 */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<string> {
  const parsed = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof parsed === 'string') {
    if (Buffer.byteLength(parsed, 'utf8') > limitBytes) throw new BodyTooLargeError();
    return parsed;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
