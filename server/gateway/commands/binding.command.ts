import type { CommandOf } from '../../../shared/commands/parser.js';
import type { BindingService } from '../../services/binding.service.js';
import { maskName } from '../../services/opinion.presenter.js';
import type { CommandContext } from './index.js';
import {
  bindingAlreadyBoundText,
  bindingAlreadyDecidedText,
  bindingAmbiguousAddressText,
  bindingDecidedText,
  bindingForbiddenText,
  bindingGroupNotBoundText,
  bindingGroupOnlyText,
  bindingNotFoundText,
  bindingPendingText,
  bindingRequestedText,
  bindingUnknownAddressText,
} from './talkers.js';

/** `#绑定 3-2-501`: asks for the sender's account to be bound to that household of the group's community. */
export async function handleBind(
  bindings: BindingService,
  command: CommandOf<'bind'>,
  ctx: CommandContext,
): Promise<string> {
  const { message, t } = ctx;
  const result = await bindings.request({
    channel: message.channel,
    accountId: message.accountId,
    platformId: message.senderId,
    senderName: message.senderName,
    group: ctx.group,
    resident: ctx.resident,
    address: command.address,
    sourceKey: ctx.key,
    mayBeRetry: ctx.mayBeRetry,
  });
  switch (result.kind) {
    case 'requested':
      return bindingRequestedText(t, result.request, result.current);
    case 'pendingExists':
      return bindingPendingText(t, result.request);
    case 'alreadyBound':
      return bindingAlreadyBoundText(t, result.address);
    case 'unknownAddress':
      return bindingUnknownAddressText(t, result.address);
    case 'ambiguousAddress':
      return bindingAmbiguousAddressText(t, result.address);
    case 'notInGroup':
      return bindingGroupOnlyText(t);
    case 'groupNotBound':
      return bindingGroupNotBoundText(t);
    case 'forbidden':
      return bindingForbiddenText(t, 'request');
  }
}

/**
 * `#同意 12` / `#拒绝 12 reason` from a building lead or secretary, identified by their own bound
 * account; the gateway has already refused senders who may decide nothing anywhere.
 */
export async function handleDecision(
  bindings: BindingService,
  command: CommandOf<'approve'> | CommandOf<'reject'>,
  ctx: CommandContext,
): Promise<string> {
  const { t } = ctx;
  if (!ctx.resident) return bindingForbiddenText(t, 'decide');
  const status = command.intent === 'approve' ? 'approved' : 'rejected';
  const result = await bindings.decideByNumber(ctx.resident, command.request, {
    status,
    reason: command.intent === 'reject' ? command.reason : null,
  });
  switch (result.kind) {
    case 'notFound':
      return bindingNotFoundText(t, command.request);
    case 'forbidden':
      return bindingForbiddenText(t, 'decide');
    case 'decided':
      return bindingDecidedText(t, status, facts(result.request));
    case 'alreadyDecided': {
      const r = result.request;
      // A retried message that this decider's first attempt already carried out is answered as before.
      if (ctx.mayBeRetry && r.status === status && r.decidedById === ctx.resident.id)
        return bindingDecidedText(t, status, facts(r));
      return bindingAlreadyDecidedText(t, r.number, r.status, r.decidedByName ?? '');
    }
  }
}

const facts = (r: { number: number; address: string; requesterName: string }) => ({
  number: r.number,
  address: r.address,
  requesterName: maskName(r.requesterName),
});
