import Router from '@koa/router';
import type { Context } from 'koa';
import {
  noticeCodeParamSchema,
  noticeIdParamSchema,
  noticeNumber,
  scheduleNoticeSchema,
  sendNoticeSchema,
} from '../../../shared/schemas/notice.js';
import { XLSX_CONTENT_TYPE } from '../../../shared/schemas/roster.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import type { NoticeService } from '../../services/notice.service.js';
import { attachment } from '../roster/content-disposition.js';

/** Links in notices point at PUBLIC_URL when set, else at the origin the staff member is using. */
const originOf = (ctx: Context, publicUrl?: string) =>
  publicUrl ? new URL(publicUrl).origin : `${ctx.protocol}://${ctx.host}`;

/**
 * Staff: `POST /api/notices`, `GET /api/notices`, `GET /api/notices/:id/acks`,
 * `POST /api/notices/:id/follow-up`; the staff pages' `GET /api/notices/targets`,
 * `POST /api/notices/preview`, `GET|POST /api/notices/scheduled`, `DELETE /api/notices/scheduled/:id`,
 * `GET /api/notices/:id` and `GET /api/notices/:id/export.xlsx`. Residents: `GET /api/notices/by-code/:code` and
 * `POST /api/notices/:code/ack` behind the short link.
 */
export function noticesRouter(deps: { notices: NoticeService; publicUrl?: string }): Router {
  const router = new Router({ prefix: '/api/notices' });

  router.post('/', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(sendNoticeSchema, ctx.request.body);
    const { notice, groups } = await deps.notices.send({
      actor,
      scope: input.scope,
      text: input.text,
      translations: input.translations,
      groupIds: input.groupIds,
      origin: originOf(ctx, deps.publicUrl),
    });
    ctx.status = 201;
    ctx.body = { id: notice.id, number: noticeNumber(notice.number), code: notice.code, groups };
  });

  router.get('/', auth(), async (ctx) => {
    ctx.body = await deps.notices.list(actorOf(ctx));
  });

  router.get('/targets', auth(), async (ctx) => {
    ctx.body = await deps.notices.targets(actorOf(ctx));
  });

  router.post('/preview', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(sendNoticeSchema, ctx.request.body);
    ctx.body = await deps.notices.preview({ actor, ...input, origin: originOf(ctx, deps.publicUrl) });
  });

  router.get('/scheduled', auth(), async (ctx) => {
    ctx.body = await deps.notices.listSchedules(actorOf(ctx));
  });

  router.post('/scheduled', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { sendAt, ...input } = parseOrThrow(scheduleNoticeSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await deps.notices.schedule({
      actor,
      ...input,
      sendAt: new Date(sendAt),
      origin: originOf(ctx, deps.publicUrl),
    });
  });

  router.delete('/scheduled/:id', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(noticeIdParamSchema, ctx.params);
    await deps.notices.cancelSchedule(actor, id);
    ctx.status = 204;
  });

  router.get('/by-code/:code', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { code } = parseOrThrow(noticeCodeParamSchema, ctx.params);
    ctx.body = await deps.notices.byCode(actor, code);
  });

  router.get('/:id/acks', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(noticeIdParamSchema, ctx.params);
    ctx.body = await deps.notices.ackReport(actor, id);
  });

  router.get('/:id', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(noticeIdParamSchema, ctx.params);
    ctx.body = await deps.notices.detail(actor, id);
  });

  router.get('/:id/export.xlsx', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(noticeIdParamSchema, ctx.params);
    const file = await deps.notices.exportAcks(actor, id, ctx.language);
    ctx.set('Content-Disposition', attachment(file.filename, file.asciiFilename));
    ctx.type = XLSX_CONTENT_TYPE;
    ctx.body = file.body;
  });

  router.post('/:id/follow-up', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { id } = parseOrThrow(noticeIdParamSchema, ctx.params);
    ctx.body = await deps.notices.followUp(actor, id, originOf(ctx, deps.publicUrl));
  });

  router.post('/:code/ack', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { code } = parseOrThrow(noticeCodeParamSchema, ctx.params);
    ctx.body = await deps.notices.ackByCode(actor, code);
  });

  return router;
}
