import type { Context } from 'koa';

export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The request body of a platform webhook as text, for signature checks over the exact bytes. The server's JSON body parser may already have read the stream (it
 * keeps the text in `rawBody`); otherwise the bytes are read here with a size cap.
 */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<string> {
  const parsed = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof parsed === 'string') {
    if (Buffer.byteLength(parsed) > limitBytes) throw new BodyTooLargeError();
    return parsed;
  }
  if (ctx.req.readableEnded) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
