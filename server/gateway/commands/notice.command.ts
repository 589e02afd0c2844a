import type { TFunction } from 'i18next';
import type { CommandOf } from '../../../shared/commands/parser.js';
import { en } from '../../../shared/i18n/locales/en.js';
import { zhCN } from '../../../shared/i18n/locales/zh-CN.js';
import { zhTW } from '../../../shared/i18n/locales/zh-TW.js';
import { noticeNumber } from '../../../shared/schemas/notice.js';
import { AppError } from '../../errors.js';
import type { ChatScope, GroupAckResult, NoticeService } from '../../services/notice.service.js';
import type { CommandContext } from './index.js';
import { staffForbiddenText } from './talkers.js';

const LOCALES = [zhCN, zhTW, en];
const ALL_WORDS = new Set(LOCALES.flatMap((l) => l.notices.scopeWords.all.map((w) => w.toLowerCase())));
const BUILDING_SUFFIXES = LOCALES.flatMap((l) => l.notices.scopeWords.buildingSuffixes);
const BUILDING_PREFIXES = new Set(
  LOCALES.flatMap((l) => l.notices.scopeWords.buildingPrefixes.map((w) => w.toLowerCase())),
);

/**
 * Reads the scope of `#通知 <scope> <text>`: 全部/all, `3栋`/`3號樓`, `building 3` (the number is then
 * the first word of the text), or else a group's name. Returns the text that remains.
 */
export function parseNoticeScope(scope: string, text: string): { target: ChatScope; text: string } {
  const word = scope.trim();
  if (ALL_WORDS.has(word.toLowerCase())) return { target: { kind: 'community' }, text };
  for (const suffix of BUILDING_SUFFIXES) {
    const building = word.endsWith(suffix) ? word.slice(0, -suffix.length) : '';
    if (/^\d+$/.test(building)) return { target: { kind: 'building', building }, text };
  }
  const next = /^(\d+)\s+([\s\S]+)$/.exec(text.trim());
  if (BUILDING_PREFIXES.has(word.toLowerCase()) && next)
    return { target: { kind: 'building', building: next[1]! }, text: next[2]! };
  return { target: { kind: 'group', name: word }, text };
}

/** `#通知 <scope> <text>` from staff: sends and says the notice's number and how many groups. */
export async function handleNotice(
  notices: NoticeService,
  command: CommandOf<'notice'>,
  ctx: CommandContext,
): Promise<string> {
  const { t, resident } = ctx;
  if (!resident) return staffForbiddenText(t, 'notice');
  const { target, text } = parseNoticeScope(command.scope, command.text);
  const resolved = await notices.resolveScope(resident.communityId, target);
  if (!resolved) return t('notices.chat.unknownScope', { scope: command.scope });
  try {
    const sent = await notices.send({
      actor: resident,
      scope: resolved.scope,
      text,
      groupIds: resolved.groupIds,
      sourceKey: ctx.key,
    });
    return t('notices.chat.sent', { number: noticeNumber(sent.notice.number), groups: sent.groups });
  } catch (err) {
    if (err instanceof AppError && err.status === 403) return staffForbiddenText(t, 'notice');
    if (err instanceof AppError && err.code === 'no_groups') return t('notices.chat.noGroups');
    throw err;
  }
}

/** What the bot says to `#收到` / `1`; null means stay silent (a bare `1` with nothing to answer). */
export function ackReplyText(t: TFunction, result: GroupAckResult, explicit: boolean): string | null {
  switch (result.kind) {
    case 'acked':
      return t('notices.chat.acked', { number: noticeNumber(result.number) });
    case 'duplicate':
      return t('notices.chat.alreadyAcked', { number: noticeNumber(result.number) });
    case 'unbound':
      return t('notices.chat.bindFirst');
    case 'noNotice':
      return explicit ? t('notices.chat.noNotice') : null;
  }
}

/** `#收到` or a bare `1` in a group: acknowledges the group's latest notice for the sender's household. */
export async function handleAck(
  notices: NoticeService,
  command: CommandOf<'ack'>,
  ctx: CommandContext,
): Promise<string | null> {
  if (!ctx.group) return command.explicit ? ctx.t('notices.chat.noNotice') : null;
  const result = await notices.ackInGroup(ctx.resident, ctx.group.id);
  return ackReplyText(ctx.t, result, command.explicit);
}
