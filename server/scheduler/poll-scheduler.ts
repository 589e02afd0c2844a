import type { PollRepository } from '../repositories/poll.repository.js';
import type { PollService } from '../services/poll.service.js';

/**
 * One minute's poll work, run by a `MinuteJob`: posts polls whose opening time came, closes those
 * past their deadline (claim-once, recount, results to every group) and sends due reminders (each
 * claimed by a conditional update). Every process may run it; the claims keep each step single.
 * Returns how many steps (posts, closings, reminders) this process took.
 */
export function pollSteps(deps: {
  polls: Pick<PollService, 'postIfDue' | 'settle' | 'sendReminder'>;
  repository: Pick<PollRepository, 'listUnsettled' | 'listDueReminders' | 'claimReminder' | 'findById'>;
}): (now: Date) => Promise<number> {
  return async (now) => {
    let done = 0;
    for (const poll of await deps.repository.listUnsettled()) {
      if (!poll.closedAt && poll.closesAt > now) {
        if (!poll.postedAt && poll.opensAt <= now && (await deps.polls.postIfDue(poll))) done++;
        continue;
      }
      if (await deps.polls.settle(poll)) done++;
    }
    for (const reminder of await deps.repository.listDueReminders(now)) {
      if (!(await deps.repository.claimReminder(reminder.id, now))) continue;
      const poll = await deps.repository.findById(reminder.pollId);
      if (poll) await deps.polls.sendReminder(poll, reminder.id);
      done++;
    }
    return done;
  };
}
