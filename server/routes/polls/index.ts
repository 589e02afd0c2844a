import Router from '@koa/router';
import type { Context } from 'koa';
import {
  castVoteSchema,
  createPollSchema,
  pollListQuerySchema,
  pollNumberParamSchema,
  pollReminderSchema,
} from '../../../shared/schemas/poll.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import type { PollService } from '../../services/poll.service.js';
import { attachment } from '../roster/content-disposition.js';
import { pollWorkbook, XLSX_TYPE } from './poll-export.js';

/** Links in poll messages point at PUBLIC_URL when set, else at the origin the staff member is using. */
const originOf = (ctx: Context, publicUrl?: string) =>
  publicUrl ? new URL(publicUrl).origin : `${ctx.protocol}://${ctx.host}`;

/**
 * Staff: `POST /api/polls`, `POST /api/polls/:number/close|reminders`, `GET …/export.xlsx`.
 * Everyone signed in: `GET /api/polls`, `GET /api/polls/:number`, `POST …/votes`, `GET …/results`.
 */
export function pollsRouter(deps: { polls: PollService; publicUrl?: string }): Router {
  const router = new Router({ prefix: '/api/polls' });

  router.post('/', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const input = parseOrThrow(createPollSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await deps.polls.create({ ...input, actor, origin: originOf(ctx, deps.publicUrl) });
  });

  router.get('/', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { state } = parseOrThrow(pollListQuerySchema, ctx.query);
    ctx.body = await deps.polls.list(actor, state);
  });

  router.get('/:number', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(pollNumberParamSchema, ctx.params);
    ctx.body = await deps.polls.get(actor, number);
  });

  router.post('/:number/votes', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(pollNumberParamSchema, ctx.params);
    const { choices } = parseOrThrow(castVoteSchema, ctx.request.body);
    ctx.body = await deps.polls.voteInApp(actor, number, choices, originOf(ctx, deps.publicUrl));
  });

  router.get('/:number/results', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(pollNumberParamSchema, ctx.params);
    ctx.body = await deps.polls.results(actor, number);
  });

  router.get('/:number/export.xlsx', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(pollNumberParamSchema, ctx.params);
    const data = await deps.polls.exportRows(actor, number);
    const file = await pollWorkbook(data, ctx.language);
    ctx.set('Content-Disposition', attachment(file.filename, file.asciiFilename));
    ctx.type = XLSX_TYPE;
    ctx.body = file.body;
  });

  router.post('/:number/close', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(pollNumberParamSchema, ctx.params);
    ctx.body = await deps.polls.close(actor, number, originOf(ctx, deps.publicUrl));
  });

  router.post('/:number/reminders', auth(), async (ctx) => {
    const actor = actorOf(ctx);
    const { number } = parseOrThrow(pollNumberParamSchema, ctx.params);
    const { at } = parseOrThrow(pollReminderSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await deps.polls.addReminder(actor, number, at);
  });

  return router;
}
