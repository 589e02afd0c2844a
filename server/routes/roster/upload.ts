import type { Context } from 'koa';
import { XLSX_CONTENT_TYPE } from '../../../shared/schemas/roster.js';
import { notAnXlsxUpload, uploadTooLarge } from '../../services/roster-errors.js';

/** Generic binary is accepted too: some clients send files without naming their type. */
const ACCEPTED_TYPES = new Set([XLSX_CONTENT_TYPE, 'application/octet-stream']);

/**
 * Reads an .xlsx sent as the raw request body, refusing other content types (415) and anything over
 * `maxBytes` (413) as soon as the declared length or the bytes read pass it.
 */
export async function readXlsxUpload(ctx: Context, maxBytes: number): Promise<Buffer> {
  if (!ACCEPTED_TYPES.has(ctx.request.type)) throw notAnXlsxUpload();
  if (Number(ctx.get('content-length')) > maxBytes) throw uploadTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw uploadTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
