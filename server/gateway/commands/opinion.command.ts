import type { CommandOf } from '../../../shared/commands/parser.js';
import type { OpinionService } from '../../services/opinion.service.js';
import type { CommandContext } from './index.js';
import { commandErrorText, opinionRecordedText, opinionTooLongText } from './talkers.js';

/** `#意见 …` or a bare @-mention: files the opinion and answers with its number. */
export async function handleOpinion(
  opinions: OpinionService,
  command: CommandOf<'opinion'>,
  ctx: CommandContext,
): Promise<string> {
  const { message, group } = ctx;
  const result = await opinions.submit({
    communityId: group?.communityId ?? ctx.resident?.communityId ?? null,
    text: command.text,
    category: command.category,
    language: ctx.language,
    channel: message.channel,
    groupId: group?.id ?? null,
    groupName: group?.name || message.groupName || '',
    senderId: message.senderId,
    senderName: ctx.resident?.name ?? message.senderName,
    residentId: ctx.resident?.id ?? null,
    sourceKey: ctx.key,
    mayBeRetry: ctx.mayBeRetry,
  });
  switch (result.kind) {
    case 'empty':
      return commandErrorText(ctx.t, 'opinion', 'empty');
    case 'tooLong':
      return opinionTooLongText(ctx.t, result.max);
    default:
      return opinionRecordedText(ctx.t, result.number, result.category);
  }
}
