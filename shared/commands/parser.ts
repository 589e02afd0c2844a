import { CATEGORIES, type Category } from '../categories.js';
import { LANGUAGES, resources, type Language } from '../i18n/index.js';
import type { Resource } from '../i18n/locales/zh-CN.js';

/** Longest opinion the service accepts, in characters after trimming; the parser does not enforce it. */
export const MAX_OPINION_LENGTH = 1000;

/** Longest `word` reported for an unknown command, in code points, so the reply stays short. */
export const MAX_UNKNOWN_WORD_LENGTH = 32;

/** Intents that have keywords: exactly the keys of `commands` in every locale. */
export const COMMAND_INTENTS = [
  'opinion',
  'report',
  'status',
  'vote',
  'signup',
  'cancelSignup',
  'checkin',
  'points',
  'bind',
  'ack',
  'help',
  'notice',
  'reminder',
  'createPoll',
  'approve',
  'reject',
] as const satisfies readonly (keyof Resource['commands'])[];
export type CommandIntent = (typeof COMMAND_INTENTS)[number];

// Fails to compile when a locale gains a command key that the list above lacks.
const _everyLocaleIntentListed: Exclude<keyof Resource['commands'], CommandIntent> extends never
  ? true
  : never = true;

export const INTENTS = [...COMMAND_INTENTS, 'unknown'] as const;
export type Intent = (typeof INTENTS)[number];

export const COMMAND_ERRORS = [
  /** An opinion or report without text. */
  'empty',
  /** An argument is there but malformed: not a positive number, option letter, address or HH:MM time. */
  'badNumber',
  /** A required argument is absent. */
  'missingArgument',
] as const;
export type CommandError = (typeof COMMAND_ERRORS)[number];

export interface ParseOptions {
  /** The platform says the message @-mentions the bot. */
  mentionsBot: boolean;
  /** The bot's display names, so a mention containing spaces or glued to text is still stripped. */
  botNames?: string[];
}

export type CommandArguments =
  | { intent: 'opinion'; text: string; category?: Category }
  | { intent: 'report'; text: string }
  /** Uppercased, punctuation removed: `r-1024` gives `R1024`. */
  | { intent: 'status'; ticket: string }
  /** `poll` is null when the resident answers the group's pending poll without naming it. */
  | { intent: 'vote'; poll: number | null; choices: string[] }
  | { intent: 'signup'; event: number }
  | { intent: 'cancelSignup'; event: number }
  | { intent: 'checkin'; event: number; code: string }
  | { intent: 'points' }
  /** Always `building-unit-room`, e.g. `3-2-501`. */
  | { intent: 'bind'; address: string }
  | { intent: 'ack' }
  | { intent: 'help' }
  | { intent: 'notice'; scope: string; text: string }
  /** `schedule` is raw (width-folded) for the reminder service to interpret; `time` is `HH:MM`. */
  | { intent: 'reminder'; schedule: string; time: string; text: string }
  /** The raw text after the keyword; the poll service owns its grammar. */
  | { intent: 'createPoll'; args: string }
  | { intent: 'approve'; request: number }
  | { intent: 'reject'; request: number; reason?: string }
  | { intent: 'unknown'; word: string };

export interface CommandMeta {
  /** The locale whose keyword matched; null when inferred or when the keyword is shared by several locales. */
  language: Language | null;
  /** The message started with `#` or `＃`. */
  explicit: boolean;
}

export type CommandSuccess = CommandArguments & CommandMeta & { error?: undefined };
export type CommandFailure = { intent: CommandIntent; error: CommandError } & CommandMeta;
export type ParsedCommand = CommandSuccess | CommandFailure;
export type CommandOf<I extends Intent> = Extract<CommandSuccess, { intent: I }>;

interface Keyword {
  word: string;
  intent: CommandIntent;
  language: Language | null;
}

/** Text and its width-folded twin; folding keeps length, so one index works in both. */
interface Span {
  orig: string;
  fold: string;
}

const SPACE = /\s/;
const SEPARATOR = /[\s\p{P}]/u;
const NOT_SEPARATOR = /[^\s\p{P}]/u;
/** Commas, colons, dashes and the like between a number and the text after it; quotes and brackets stay. */
const LEADING_PUNCTUATION = /[\s\p{Po}\p{Pd}]/u;
const WORD_CHAR = /[A-Za-z0-9_]/;
const ALNUM_END = /[A-Za-z0-9]$/;
const DIGITS = /^\d{1,9}$/;
const LETTERS = /^[A-Za-z]+$/;
const TIME = /^(\d{1,2}):(\d{2})$/;
const IMPLICIT_VOTE = /^[A-Ha-h]$/;
const CHECKIN_CODE = /^\d{1,12}$/;
/** Longest digit run accepted in a building, unit or room number. */
const MAX_ADDRESS_PART = 6;

/** Full-width ASCII to ASCII, any space to U+0020; unlike NFKC it keeps the length, so one index fits both. */
function foldWidth(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xff01 && code <= 0xff5e) out += String.fromCharCode(code - 0xfee0);
    else if (SPACE.test(text[i]!)) out += ' ';
    else out += text[i];
  }
  return out;
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ';
}

function skipSpaces(fold: string, from: number, to = fold.length): number {
  let i = from;
  while (i < to && isSpace(fold[i])) i++;
  return i;
}

function span(source: Span, from: number, to: number): Span {
  const start = skipSpaces(source.fold, from, to);
  let end = to;
  while (end > start && isSpace(source.fold[end - 1])) end--;
  return { orig: source.orig.slice(start, end), fold: source.fold.slice(start, end) };
}

/** Keywords by their first (lower-cased) character, longest first within each bucket. */
const KEYWORDS: ReadonlyMap<string, readonly Keyword[]> = (() => {
  const byWord = new Map<string, Keyword>();
  for (const language of LANGUAGES) {
    for (const intent of COMMAND_INTENTS) {
      for (const raw of resources[language].commands[intent]) {
        const word = foldWidth(raw.trim()).toLowerCase();
        if (!word) continue;
        const seen = byWord.get(word);
        if (!seen) byWord.set(word, { word, intent, language });
        else if (seen.intent !== intent) {
          throw new Error(`Command keyword "${raw}" means both ${seen.intent} and ${intent}`);
        } else if (seen.language !== language) seen.language = null;
      }
    }
  }
  const buckets = new Map<string, Keyword[]>();
  for (const keyword of byWord.values()) {
    const first = keyword.word[0]!;
    const bucket = buckets.get(first);
    if (bucket) bucket.push(keyword);
    else buckets.set(first, [keyword]);
  }
  for (const bucket of buckets.values()) bucket.sort((a, b) => b.word.length - a.word.length);
  return buckets;
})();

/** Category display names from every locale, lower-cased, longest first. */
const CATEGORY_NAMES: readonly { name: string; category: Category }[] = LANGUAGES.flatMap((language) =>
  CATEGORIES.map((category) => ({
    name: foldWidth(resources[language].categories[category].trim()).toLowerCase(),
    category,
  })),
)
  .filter((entry) => entry.name)
  .sort((a, b) => b.name.length - a.name.length);

function matchKeyword(fold: string, at: number): Keyword | null {
  const candidates = KEYWORDS.get((fold[at] ?? '').toLowerCase());
  if (!candidates) return null;
  for (const keyword of candidates) {
    const end = at + keyword.word.length;
    if (fold.slice(at, end).toLowerCase() !== keyword.word) continue;
    // English keywords need a word boundary; Chinese ones may run straight into the text.
    if (ALNUM_END.test(keyword.word) && WORD_CHAR.test(fold[end] ?? '')) continue;
    return keyword;
  }
  return null;
}

/** Skips leading @mentions; returns where the message proper starts and whether any mention was there. */
function skipMentions(fold: string, botNames: readonly string[]): { start: number; mentioned: boolean } {
  let at = skipSpaces(fold, 0);
  let mentioned = false;
  while (fold[at] === '@') {
    const name = botNames.find((n) => fold.slice(at + 1, at + 1 + n.length).toLowerCase() === n);
    const end = name ? at + 1 + name.length : wordEnd(fold, at + 1);
    if (end === at + 1) break;
    mentioned = true;
    at = skipSpaces(fold, end);
  }
  return { start: at, mentioned };
}

/** Splits on spaces and punctuation (after folding, so `，` and `、` separate too). */
function tokens(fold: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of fold) {
    if (SEPARATOR.test(ch)) {
      if (current) out.push(current);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

function wordEnd(fold: string, from: number): number {
  let end = from;
  while (end < fold.length && !isSpace(fold[end])) end++;
  return end;
}

/** The first space-delimited word of `args` and the span after it. */
function firstWord(args: Span): { word: string; rest: Span } {
  const end = wordEnd(args.fold, 0);
  return { word: args.fold.slice(0, end), rest: span(args, end, args.fold.length) };
}

/** The first token (see tokens) of `args` and the text after it, minus the separator that ended it. */
function firstToken(args: Span): { token: string; rest: Span } {
  const start = skipWhile(args.fold, 0, SEPARATOR);
  const end = skipWhile(args.fold, start, NOT_SEPARATOR);
  const rest = skipWhile(args.fold, end, LEADING_PUNCTUATION);
  return { token: args.fold.slice(start, end), rest: span(args, rest, args.fold.length) };
}

function skipWhile(fold: string, from: number, pattern: RegExp): number {
  let i = from;
  while (i < fold.length && pattern.test(fold[i]!)) i++;
  return i;
}

function parseNumber(token: string | undefined): number | null {
  if (token === undefined || !DIGITS.test(token)) return null;
  const value = Number(token);
  return value > 0 ? value : null;
}

/** A positive id (event, request), or why there is none. */
function requiredNumber(token: string): number | CommandError {
  if (!token) return 'missingArgument';
  return parseNumber(token) ?? 'badNumber';
}

/** Reads `3-2-501`, `3栋2单元501室`, `3号楼 2单元 501`: exactly three digit runs, anything else between. */
function parseAddress(fold: string): string | null {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i <= fold.length; i++) {
    const ch = fold[i];
    if (ch !== undefined && ch >= '0' && ch <= '9') {
      if (current.length >= MAX_ADDRESS_PART) return null;
      current += ch;
    } else if (current) {
      parts.push(String(Number(current)));
      current = '';
      if (parts.length > 3) return null;
    }
  }
  return parts.length === 3 ? parts.join('-') : null;
}

/** Option letters from `A`, `A,C`, `A，C`, `A、C`, `A C` or `AC`; null when a token is not letters. */
function parseChoices(list: readonly string[]): string[] | null {
  const choices = new Set<string>();
  for (const token of list) {
    if (!LETTERS.test(token)) return null;
    for (const letter of token.toUpperCase()) choices.add(letter);
  }
  return [...choices];
}

function parseTime(word: string): string | null {
  const match = TIME.exec(word);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return null;
  return `${String(hours).padStart(2, '0')}:${match[2]}`;
}

function parseOpinionText(args: Span): { text: string; category?: Category } {
  const lower = args.fold.toLowerCase();
  for (const { name, category } of CATEGORY_NAMES) {
    if (!lower.startsWith(name)) continue;
    const colon = skipSpaces(args.fold, name.length);
    if (args.fold[colon] !== ':') continue;
    return { text: span(args, colon + 1, args.fold.length).orig, category };
  }
  return { text: args.orig };
}

type Parsed = CommandArguments | { intent: CommandIntent; error: CommandError };

function parseArguments(intent: CommandIntent, args: Span): Parsed {
  const fail = (error: CommandError): Parsed => ({ intent, error });
  switch (intent) {
    case 'opinion': {
      const opinion = parseOpinionText(args);
      return opinion.text ? { intent, ...opinion } : fail('empty');
    }
    case 'report':
      return args.orig ? { intent, text: args.orig } : fail('empty');
    case 'status': {
      if (!args.fold) return fail('missingArgument');
      const { word } = firstWord(args);
      const ticket = word.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
      return /\d/.test(ticket) && ticket.length <= 32 ? { intent, ticket } : fail('badNumber');
    }
    case 'vote': {
      const list = tokens(args.fold);
      const poll = parseNumber(list[0]);
      const choices = parseChoices(poll === null ? list : list.slice(1));
      if (choices === null) return fail('badNumber');
      return choices.length ? { intent, poll, choices } : fail('missingArgument');
    }
    case 'signup': {
      const event = requiredNumber(firstToken(args).token);
      return typeof event === 'number' ? { intent, event } : fail(event);
    }
    case 'cancelSignup': {
      const event = requiredNumber(firstToken(args).token);
      return typeof event === 'number' ? { intent, event } : fail(event);
    }
    case 'checkin': {
      const first = firstToken(args);
      const code = firstToken(first.rest).token;
      const event = requiredNumber(first.token);
      if (typeof event !== 'number') return fail(event);
      if (!code) return fail('missingArgument');
      return CHECKIN_CODE.test(code) ? { intent, event, code } : fail('badNumber');
    }
    case 'bind': {
      if (!args.fold) return fail('missingArgument');
      const address = parseAddress(args.fold);
      return address === null ? fail('badNumber') : { intent, address };
    }
    case 'points':
      return { intent };
    case 'ack':
      return { intent };
    case 'help':
      return { intent };
    case 'notice': {
      const { word: scope, rest } = firstWord(args);
      return scope && rest.orig ? { intent, scope, text: rest.orig } : fail('missingArgument');
    }
    case 'reminder': {
      // The first HH:MM word is the time: what comes before is the schedule, what follows the text.
      for (let at = 0; at < args.fold.length; at = skipSpaces(args.fold, at)) {
        const end = wordEnd(args.fold, at);
        const word = args.fold.slice(at, end);
        if (TIME.test(word)) {
          const time = parseTime(word);
          if (time === null) return fail('badNumber');
          const schedule = span(args, 0, at).fold;
          const text = span(args, end, args.fold.length).orig;
          return schedule && text ? { intent, schedule, time, text } : fail('missingArgument');
        }
        at = end;
      }
      return fail('missingArgument');
    }
    case 'createPoll':
      return args.orig ? { intent, args: args.orig } : fail('missingArgument');
    case 'approve': {
      const request = requiredNumber(firstToken(args).token);
      return typeof request === 'number' ? { intent, request } : fail(request);
    }
    case 'reject': {
      const { token, rest } = firstToken(args);
      const request = requiredNumber(token);
      if (typeof request !== 'number') return fail(request);
      return rest.orig ? { intent, request, reason: rest.orig } : { intent, request };
    }
  }
}

/** A bare `1` (ack) or `A`..`H` (vote) means something only if the group has a pending notice or poll. */
function parseImplicit(body: string): CommandArguments | null {
  if (body === '1') return { intent: 'ack' };
  if (IMPLICIT_VOTE.test(body)) return { intent: 'vote', poll: null, choices: [body.toUpperCase()] };
  return null;
}

function unknownWord(source: Span): string {
  const end = wordEnd(source.fold, 0);
  return Array.from(source.orig.slice(0, end)).slice(0, MAX_UNKNOWN_WORD_LENGTH).join('');
}

/**
 * Reads one chat message; null when it is not for the bot. After leading @mentions, `#` or `＃` starts a
 * command; a bare `1` is an implicit ack and a bare letter A..H an implicit vote (poll null), which the
 * gateway should drop unless the group has a pending notice or poll; a message that @-mentions the bot
 * without a command is an opinion.
 */
export function parseCommand(text: string, options: ParseOptions): ParsedCommand | null {
  const fold = foldWidth(text);
  const botNames = (options.botNames ?? [])
    .map((name) => foldWidth(name.trim()).toLowerCase())
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
  const { start, mentioned } = skipMentions(fold, botNames);
  const body = span({ orig: text, fold }, start, fold.length);
  if (!body.fold) return null;

  if (body.fold[0] === '#') {
    const command = span(body, 1, body.fold.length);
    if (!command.fold) return null;
    const keyword = matchKeyword(command.fold, 0);
    if (keyword) {
      // `#意见：路灯坏了` is as common as `#意见 路灯坏了`.
      let from = skipSpaces(command.fold, keyword.word.length);
      if (command.fold[from] === ':') from++;
      const args = span(command, from, command.fold.length);
      return { ...parseArguments(keyword.intent, args), language: keyword.language, explicit: true };
    }
    const implicit = parseImplicit(command.fold);
    if (implicit) return { ...implicit, language: null, explicit: true };
    return { intent: 'unknown', word: unknownWord(command), language: null, explicit: true };
  }

  // "@someone 1" answers that person, not the bot's notice.
  const implicit = !mentioned || options.mentionsBot ? parseImplicit(body.fold) : null;
  if (implicit) return { ...implicit, language: null, explicit: false };
  if (!options.mentionsBot) return null;
  return { ...parseArguments('opinion', body), language: null, explicit: false };
}
