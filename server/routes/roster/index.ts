import Router from '@koa/router';
import type { Context } from 'koa';
import {
  importJobParamsSchema,
  ROSTER_UPLOAD_MAX_BYTES,
  rosterScopeQuerySchema,
  XLSX_CONTENT_TYPE,
} from '../../../shared/schemas/roster.js';
import { auth, signedInResident } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { authorize } from '../../policy/authorize.js';
import { scopeId } from '../../policy/scope.js';
import type { RosterService, XlsxFile } from '../../services/roster.service.js';
import { attachment } from './content-disposition.js';
import { readXlsxUpload } from './upload.js';

/**
 * The household roster as .xlsx: uploads become import jobs to poll, each with a per-row error report;
 * the export lists the community by address with masked phones. Secretaries and admins only.
 */
export function rosterRouter(deps: { roster: RosterService }): Router {
  const router = new Router({ prefix: '/api/roster' });

  router.post('/imports', auth(), async (ctx) => {
    const query = parseOrThrow(rosterScopeQuerySchema, ctx.query);
    const actor = signedInResident(ctx);
    // Checked before reading the body, so nobody else can make the server read 10 MB.
    authorize(ctx, 'roster.import', { scope: scopeId.community(actor.communityId) });
    const file = await readXlsxUpload(ctx, ROSTER_UPLOAD_MAX_BYTES);
    const accepted = await deps.roster.startImport(actor, {
      file,
      compound: query.compound,
      language: ctx.language,
    });
    ctx.status = 202;
    ctx.set('Location', `/api/roster/imports/${accepted.jobId}`);
    ctx.body = accepted;
  });

  router.get('/imports/:id', auth(), async (ctx) => {
    const { id } = parseOrThrow(importJobParamsSchema, ctx.params);
    ctx.body = await deps.roster.getImport(signedInResident(ctx), id, ctx.language);
  });

  router.get('/imports/:id/errors.xlsx', auth(), async (ctx) => {
    const { id } = parseOrThrow(importJobParamsSchema, ctx.params);
    sendXlsx(ctx, await deps.roster.errorReport(signedInResident(ctx), id, ctx.language));
  });

  router.get('/export.xlsx', auth(), async (ctx) => {
    const query = parseOrThrow(rosterScopeQuerySchema, ctx.query);
    sendXlsx(ctx, await deps.roster.exportRoster(signedInResident(ctx), query, ctx.language));
  });

  return router;
}

function sendXlsx(ctx: Context, file: XlsxFile): void {
  ctx.set('Content-Disposition', attachment(file.filename, file.asciiFilename));
  ctx.type = XLSX_CONTENT_TYPE;
  ctx.body = file.body;
}
