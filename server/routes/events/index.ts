import Router from '@koa/router';
import type { Context } from 'koa';
import {
  checkinInputSchema,
  createEventSchema,
  eventNumberParamSchema,
  updateEventSchema,
  type CheckinFailure,
  type CheckinResult,
} from '../../../shared/schemas/event.js';
import { auth } from '../../auth/session.js';
import { AppError } from '../../errors.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import type { CheckinOutcome, EventService } from '../../services/event.service.js';
import { attachment } from '../roster/content-disposition.js';

const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Links in announcements and QR codes point at PUBLIC_URL when set, else at the origin in use. */
const originOf = (ctx: Context, publicUrl?: string) =>
  publicUrl ? new URL(publicUrl).origin : `${ctx.protocol}://${ctx.host}`;

/** Each refusal has its own status and code, and the reason in the caller's language. */
const CHECKIN_STATUS: Record<CheckinFailure, number> = {
  expired: 400,
  forged: 400,
  reused: 409,
  notSignedUp: 403,
  notOpen: 409,
  closed: 409,
  tooManyAttempts: 429,
};

function checkinBody(outcome: CheckinOutcome): CheckinResult {
  if (!outcome.ok) {
    throw new AppError(
      CHECKIN_STATUS[outcome.reason],
      `checkin_${outcome.reason}`,
      `events.checkin.reasons.${outcome.reason}`,
    );
  }
  return {
    ok: true,
    duplicate: false,
    points: outcome.points,
    serviceMinutes: outcome.serviceMinutes,
    pointsStatus: outcome.pointsStatus,
  };
}

/**
 * Residents: `GET /api/events`, `GET /api/events/mine`, `GET /api/events/:number`,
 * `POST /api/events/:number/signup`, `POST /api/events/:number/cancel`, `POST /api/events/:number/checkin`,
 * `POST /api/events/checkin` (the token names the event). Staff: `POST /api/events`,
 * `PATCH /api/events/:number`, `GET /api/events/:number/qr`, `GET /api/events/:number/attendance`, `GET /api/events/:number/attendance.xlsx`.
 */
export function eventsRouter(deps: { events: EventService; publicUrl?: string }): Router {
  const router = new Router({ prefix: '/api/events' });

  router.post('/', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(createEventSchema, ctx.request.body);
    const { event, groups } = await deps.events.create(actor, input, originOf(ctx, deps.publicUrl));
    ctx.status = 201;
    ctx.body = { event: await deps.events.view(actor, event), groups };
  });

  router.get('/', auth(), async (ctx) => {
    ctx.body = await deps.events.list(actorOf(ctx));
  });

  router.get('/mine', auth(), async (ctx) => {
    ctx.body = await deps.events.mine(actorOf(ctx));
  });

  router.post('/checkin', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(checkinInputSchema, ctx.request.body);
    if (!input.token) throw new AppError(400, 'validation_failed', 'errors.validation', { details: 'token' });
    const outcome = await deps.events.checkin({ actor, token: input.token, via: 'qr' });
    ctx.body = { ...checkinBody(outcome), number: outcome.event?.number ?? null };
  });

  router.get('/:number', auth(), async (ctx) => {
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    ctx.body = await deps.events.detail(actorOf(ctx), number);
  });

  router.patch('/:number', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    const input = parseOrThrow(updateEventSchema, ctx.request.body);
    ctx.body = await deps.events.view(actor, await deps.events.update(actor, number, input));
  });

  router.post('/:number/signup', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    const { result } = await deps.events.signUp(actor, number);
    ctx.status = result.duplicate ? 200 : 201;
    ctx.body = result;
  });

  router.post('/:number/cancel', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    ctx.body = (await deps.events.cancel(actor, number)).result;
  });

  router.post('/:number/checkin', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    const input = parseOrThrow(checkinInputSchema, ctx.request.body);
    const outcome = await deps.events.checkin({
      actor,
      number,
      ...(input.token ? { token: input.token } : {}),
      ...(input.code ? { code: input.code } : {}),
      via: input.token ? 'qr' : 'code',
    });
    ctx.body = { ...checkinBody(outcome), number };
  });

  router.get('/:number/qr', auth(), async (ctx) => {
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    ctx.body = await deps.events.qr(actorOf(ctx), number, originOf(ctx, deps.publicUrl));
  });

  router.get('/:number/attendance', auth(), async (ctx) => {
    const { number } = parseOrThrow(eventNumberParamSchema, ctx.params);
    ctx.body = await deps.events.attendance(actorOf(ctx), number);
  });

  router.get('/:number/attendance.xlsx', auth(), async (ctx) => {
    const { number } = parseOrThrow(eventNumberParamSchema, { number: String(ctx.params.number ?? '') });
    const file = await deps.events.exportAttendance(actorOf(ctx), number, ctx.language);
    ctx.set('Content-Disposition', attachment(file.filename, `event-${number}-attendance.xlsx`));
    ctx.type = XLSX_CONTENT_TYPE;
    ctx.body = file.body;
  });

  return router;
}
