import type { TFunction } from 'i18next';
import type { CommandOf } from '../../../shared/commands/parser.js';
import { en } from '../../../shared/i18n/locales/en.js';
import { zhCN } from '../../../shared/i18n/locales/zh-CN.js';
import { zhTW } from '../../../shared/i18n/locales/zh-TW.js';
import { MAX_POLL_OPTIONS, createPollSchema, type CreatePoll } from '../../../shared/schemas/poll.js';
import { AppError } from '../../errors.js';
import { rejectionMessage, type PollService, type VoteOutcome } from '../../services/poll.service.js';
import type { CommandContext } from './index.js';
import { staffForbiddenText } from './talkers.js';

const LOCALES = [zhCN, zhTW, en];
type WordKey = keyof (typeof zhCN)['polls']['words'];
const wordsOf = (key: WordKey) =>
  LOCALES.flatMap((l) => l.polls.words[key] as readonly string[])
    .map((w) => w.toLowerCase())
    .sort((a, b) => b.length - a.length);
const DEADLINE = wordsOf('deadline');
const BUILDING_SUFFIXES = wordsOf('buildingSuffixes');

/** Full-width ASCII to ASCII; keeps the length so indices found in the folded text fit the original. */
const foldWidth = (text: string) =>
  text
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ');

/** China keeps one offset all year. */
const CHINA_OFFSET_HOURS = 8;

export interface PollDraft {
  question: string;
  options: string[];
  closesAt: Date;
  eligibility: CreatePoll['eligibility'];
  kind: CreatePoll['kind'];
  matter?: CreatePoll['matter'];
  anonymous: boolean;
  multi: { max: number } | null;
  resultsVisibility: CreatePoll['resultsVisibility'];
  buildings: string[];
}

export type DraftError = 'grammar' | 'badDeadline' | 'pastDeadline';

/**
 * `#发起投票 小区是否加装充电桩？ A.同意 B.反对 C.弃权 截止 12月1日 18:00 [业主][匿名][多选2]`:
 * the question, options lettered A.. in order (`A.` `A、` `A:` `A)`), a deadline word then a date
 * (`12月1日`, `12-1`, `12/1`, `2026-12-1`) and an optional `HH:MM` (else 23:59, China time), and flags
 * in brackets: 业主 (owners), 每户 (per household), 党员 (party members), 匿名, 多选N, 业主表决
 * (art. 278, per household by area and head), 重大 (major matter), 公开结果 (live results), `3栋`.
 */
export function parsePollDraft(args: string, now: Date): PollDraft | DraftError {
  const flags: string[] = [];
  const stripped = args.replace(/[[【［]([^\]】］]{1,20})[\]】］]/g, (_, flag: string) => {
    flags.push(foldWidth(flag).trim().toLowerCase());
    return ' ';
  });
  // Matching runs on the width-folded twin (same length), slices come from the text as written.
  const body = stripped.trim();
  const folded = foldWidth(body);
  const lower = folded.toLowerCase();
  let cut = -1;
  let cutWord = '';
  for (const word of DEADLINE) {
    const at = lower.lastIndexOf(word);
    if (at > cut) {
      cut = at;
      cutWord = word;
    }
  }
  if (cut < 0) return 'badDeadline';
  const closesAt = parseDeadline(folded.slice(cut + cutWord.length).trim(), now);
  if (closesAt === null) return 'badDeadline';
  if (closesAt <= now) return 'pastDeadline';

  const head = body.slice(0, cut);
  const markers = [...foldWidth(head).matchAll(/(^|\s)([A-Ha-h])\s*[.、:)]\s*/g)];
  const options: string[] = [];
  let question = '';
  let expected = 0;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    if (m[2]!.toUpperCase().charCodeAt(0) - 65 !== expected) return 'grammar';
    if (i === 0) question = head.slice(0, m.index).trim();
    const end = markers[i + 1]?.index ?? head.length;
    options.push(head.slice(m.index + m[0].length, end).trim());
    expected++;
  }
  if (!question || options.length < 2 || options.length > MAX_POLL_OPTIONS || options.some((o) => !o))
    return 'grammar';

  const has = (key: WordKey) => flags.some((f) => wordsOf(key).includes(f));
  const multiWords = wordsOf('multi');
  let multi: { max: number } | null = null;
  for (const flag of flags) {
    const word = multiWords.find((w) => flag.startsWith(w));
    if (!word) continue;
    const max = Number(flag.slice(word.length).trim() || options.length);
    if (!Number.isInteger(max) || max < 2 || max > options.length) return 'grammar';
    multi = { max };
  }
  const buildings = flags.flatMap((f) => {
    const suffix = BUILDING_SUFFIXES.find((s) => f.endsWith(s));
    const code = suffix ? f.slice(0, -suffix.length) : '';
    return /^\d+$/.test(code) ? [code] : [];
  });
  const ownersVote = has('ownersVote');
  return {
    question,
    options,
    closesAt,
    kind: ownersVote ? 'ownersVote' : 'poll',
    ...(ownersVote ? { matter: has('major') ? 'major' : 'ordinary' } : {}),
    eligibility:
      ownersVote || has('owners')
        ? 'owners'
        : has('household')
          ? 'household'
          : has('partyMembers')
            ? 'partyMembers'
            : 'residents',
    anonymous: !ownersVote && has('anonymous'),
    multi,
    resultsVisibility: has('live') ? 'live' : 'afterClose',
    buildings,
  };
}

/** `12月1日 18:00`, `2026年12月1日18:00`, `12-1 18:00`, `12/1`, `2026-12-01 8:30`, China time. */
export function parseDeadline(text: string, now: Date): Date | null {
  const m =
    /^(?:(\d{4})\s*[-/年]\s*)?(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*[日号]?\s*(?:(\d{1,2})\s*[:点]\s*(\d{2})?)?\s*$/.exec(
      text,
    );
  if (!m) return null;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 23 : Number(m[4]);
  const minute = m[4] === undefined ? 59 : Number(m[5] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const chinaNow = new Date(now.getTime() + CHINA_OFFSET_HOURS * 3_600_000);
  const at = (year: number) => new Date(Date.UTC(year, month - 1, day, hour - CHINA_OFFSET_HOURS, minute));
  let year = m[1] ? Number(m[1]) : chinaNow.getUTCFullYear();
  if (!m[1] && at(year) <= now) year += 1;
  const result = at(year);
  // Reject 2月31日 and the like rather than rolling over into the next month.
  const check = new Date(result.getTime() + CHINA_OFFSET_HOURS * 3_600_000);
  return check.getUTCDate() === day ? result : null;
}

/** `#发起投票 …` from staff: creates the poll, posts it to every group of its scope, says the number. */
export async function handleCreatePoll(
  polls: PollService,
  command: CommandOf<'createPoll'>,
  ctx: CommandContext,
  now = new Date(),
): Promise<string> {
  const { t, resident } = ctx;
  if (!resident) return staffForbiddenText(t, 'createPoll');
  const draft = parsePollDraft(command.args, now);
  if (typeof draft === 'string') return t(`polls.chat.${draft}`);
  const input = createPollSchema.safeParse({
    question: draft.question,
    options: draft.options,
    multi: draft.multi,
    anonymous: draft.anonymous,
    eligibility: draft.eligibility,
    kind: draft.kind,
    matter: draft.matter,
    scope: draft.buildings.length ? { kind: 'buildings', buildings: draft.buildings } : { kind: 'community' },
    closesAt: draft.closesAt,
    resultsVisibility: draft.resultsVisibility,
  });
  if (!input.success) return t('polls.chat.grammar');
  try {
    const poll = await polls.create({ ...input.data, actor: resident, sourceKey: ctx.key });
    return t('polls.chat.created', { number: poll.number, groups: poll.groups });
  } catch (err) {
    if (err instanceof AppError && err.status === 403) return staffForbiddenText(t, 'createPoll');
    if (err instanceof AppError && err.code === 'no_groups') return t('polls.errors.noGroups');
    if (err instanceof AppError && err.code === 'bad_scope') return t('polls.chat.grammar');
    throw err;
  }
}

/** What the bot says about a vote; null means stay silent (already told, or chatter). */
export function voteReplyText(
  t: TFunction,
  poll: { number: number; anonymous: boolean },
  outcome: VoteOutcome,
  link: string,
): string {
  if (outcome.kind === 'rejected') {
    const { key, params } = rejectionMessage(outcome.rejection, poll.number, link);
    return t(key, params);
  }
  if (poll.anonymous) return t('polls.chat.votedAnonymous', { number: poll.number });
  const key = outcome.kind === 'cast' ? 'voted' : outcome.kind;
  return t(`polls.chat.${key}`, { number: poll.number, choices: outcome.choices.join('、') });
}

/**
 * `#投票 12 A`, `#投票 A` or a bare `A`: votes in the named poll or the group's latest open one. A bare
 * letter with no open poll is chatter; an ineligible or unbound sender hears why once per poll.
 */
export async function handleVote(
  polls: PollService,
  command: CommandOf<'vote'>,
  ctx: CommandContext,
): Promise<string | null> {
  const communityId = ctx.resident?.communityId ?? ctx.group?.communityId ?? null;
  if (!communityId) return command.explicit ? ctx.t('polls.chat.noPoll') : null;
  const poll = await polls.findForChat(communityId, command.poll, ctx.group?.id ?? null);
  if (!poll) {
    if (command.poll !== null) return ctx.t('polls.chat.unknownPoll', { number: command.poll });
    return command.explicit ? ctx.t('polls.chat.noPoll') : null;
  }
  const outcome = await polls.castVote(poll, ctx.resident, command.choices, 'chat');
  if (outcome.kind === 'rejected' && outcome.rejection.kind === 'ineligible') {
    const who = ctx.resident?.id ?? `${ctx.message.channel}:${ctx.message.senderId}`;
    if (!(await polls.tellOnce(poll, who))) return null;
  }
  return voteReplyText(ctx.t, poll, outcome, polls.linkOf(poll));
}
