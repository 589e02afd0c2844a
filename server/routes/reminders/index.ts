import Router from '@koa/router';
import {
  createReminderBodySchema,
  listRemindersQuerySchema,
  reminderIdParamsSchema,
  type ReminderList,
  type ReminderView,
} from '../../../shared/schemas/reminder.js';
import { auth } from '../../auth/session.js';
import { parseOrThrow } from '../../middleware/validate.js';
import { actorOf } from '../../policy/authorize.js';
import { presentReminder, type ReminderService } from '../../services/reminder.service.js';

/** `/api/reminders`: staff schedule recurring reminders with a cron expression, list and stop them. */
export function remindersRouter(deps: { reminders: ReminderService }): Router {
  const router = new Router({ prefix: '/api/reminders' });

  router.post('/', auth(), async (ctx) => {
    const body = parseOrThrow(createReminderBodySchema, ctx.request.body);
    const reminder = await deps.reminders.create(actorOf(ctx), body);
    ctx.status = 201;
    ctx.body = presentReminder(reminder) satisfies ReminderView;
  });

  router.get('/', auth(), async (ctx) => {
    const { communityId } = parseOrThrow(listRemindersQuerySchema, ctx.query);
    const items = await deps.reminders.list(actorOf(ctx), communityId);
    ctx.body = { items: items.map(presentReminder) } satisfies ReminderList;
  });

  router.delete('/:id', auth(), async (ctx) => {
    const { id } = parseOrThrow(reminderIdParamsSchema, ctx.params);
    ctx.body = presentReminder(await deps.reminders.deactivate(actorOf(ctx), id)) satisfies ReminderView;
  });

  return router;
}
