import Router from '@koa/router';
import ExcelJS from 'exceljs';
import {
  photoIdParamSchema,
  reportAssignSchema,
  reportListQuerySchema,
  reportNumberParamSchema,
  reportNumber,
  reportTransitionSchema,
  routingTableSchema,
} from '../../../shared/schemas/report.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import { isOverdue, parseReportNumber, type ReportService } from '../../services/report.service.js';
import { notFound } from '../../errors.js';
import { attachment } from '../roster/content-disposition.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const numberOf = (params: unknown): number => {
  const { number } = parseOrThrow(reportNumberParamSchema, params);
  const n = parseReportNumber(number);
  if (n === null) throw notFound('report');
  return n;
};

/**
 * Residents: `GET /api/reports?mine=1`, `GET /api/reports/:number`, confirm/reopen through
 * `POST /:number/transition`. Staff: the filtered list, transitions, `assign`, `export.xlsx`, `stats`.
 * Photos: `GET /api/reports/photos/:photoId`. Routing: `GET/PUT /api/report-routing`, `/parties`.
 */
export function reportsRouter(deps: { reports: ReportService }): Router {
  const router = new Router();

  router.get('/api/reports', auth(), async (ctx) => {
    const query = parseOrThrow(reportListQuerySchema, ctx.query);
    ctx.body = await deps.reports.list(actorOf(ctx), query);
  });

  router.get('/api/reports/export.xlsx', auth(), async (ctx) => {
    const query = parseOrThrow(reportListQuerySchema, ctx.query);
    const rows = await deps.reports.exportRows(actorOf(ctx), query);
    const t = ctx.t;
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet(t('reports.export.sheet'));
    const columns = [
      'number',
      'createdAt',
      'state',
      'serviceType',
      'category',
      'party',
      'address',
      'description',
      'overdue',
    ] as const;
    sheet.columns = columns.map((key) => ({
      header: t(`reports.export.columns.${key}`),
      key,
      width: key === 'description' ? 48 : 16,
    }));
    const now = Date.now();
    for (const r of rows)
      sheet.addRow({
        number: reportNumber(r.number),
        createdAt: new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' '),
        state: t(`reports.states.${r.state}`),
        serviceType: t(`reports.serviceTypes.${r.serviceType}`),
        category: t(`categories.${r.category}`),
        party: t(`reports.parties.${r.party}`),
        address: r.address,
        description: r.title,
        overdue: isOverdue(r, now) ? t('reports.export.yes') : t('reports.export.no'),
      });
    const date = new Date().toISOString().slice(0, 10);
    ctx.set(
      'Content-Disposition',
      attachment(`${t('reports.export.sheet')}-${date}.xlsx`, `reports-${date}.xlsx`),
    );
    ctx.type = XLSX;
    ctx.body = Buffer.from(await book.xlsx.writeBuffer());
  });

  router.get('/api/reports/stats', auth(), async (ctx) => {
    ctx.body = await deps.reports.stats(actorOf(ctx));
  });

  router.get('/api/reports/photos/:photoId', auth(), async (ctx) => {
    const { photoId } = parseOrThrow(photoIdParamSchema, ctx.params);
    const photo = await deps.reports.photo(actorOf(ctx), photoId);
    ctx.type = photo.contentType;
    ctx.set('Cache-Control', 'private, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = photo.bytes;
  });

  router.get('/api/reports/:number', auth(), async (ctx) => {
    ctx.body = await deps.reports.detail(actorOf(ctx), numberOf(ctx.params));
  });

  router.post('/api/reports/:number/transition', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const number = numberOf(ctx.params);
    const input = parseOrThrow(reportTransitionSchema, ctx.request.body);
    ctx.body = await deps.reports.transition(actor, number, input);
  });

  router.post('/api/reports/:number/assign', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const number = numberOf(ctx.params);
    const input = parseOrThrow(reportAssignSchema, ctx.request.body);
    ctx.body = await deps.reports.assign(actor, number, input);
  });

  router.get('/api/report-routing', auth(), async (ctx) => {
    ctx.body = await deps.reports.routing(actorOf(ctx));
  });

  router.put('/api/report-routing', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(routingTableSchema, ctx.request.body);
    ctx.body = await deps.reports.setRouting(actor, input);
  });

  router.get('/api/report-routing/parties', auth(), async (ctx) => {
    actorOf(ctx);
    ctx.body = deps.reports.parties(ctx.language);
  });

  return router;
}
