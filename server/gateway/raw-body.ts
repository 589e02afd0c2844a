import type { Context } from 'koa';
import { AppError } from '../errors.js';

/** Reads the body as text with a size cap; signatures are computed over these exact bytes. */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new AppError(413, 'payload_too_large', 'errors.payloadTooLarge');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
