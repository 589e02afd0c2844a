import { parse, validate } from 'node-cron';

/** Reminders run on China time unless told otherwise; Asia/Shanghai has had no DST since 1991. */
export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

/** Days searched ahead for the next occurrence; a cron that matches nothing in 5 years never runs. */
const SEARCH_DAYS = 5 * 366;

interface Fields {
  minute: number[];
  hour: number[];
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
}

/** Parses a 5-field cron expression that node-cron accepts and that uses plain values only (no L/#). */
function fieldsOf(expression: string): Fields | null {
  const trimmed = expression.trim();
  if (trimmed.split(/\s+/).length !== 5 || !validate(trimmed)) return null;
  const parsed = parse(trimmed);
  const numbers = (values: (number | string)[]) =>
    values.every((v) => typeof v === 'number') ? (values as number[]) : null;
  const dayOfMonth = numbers(parsed.dayOfMonth);
  const dayOfWeek = numbers(parsed.dayOfWeek);
  if (!dayOfMonth || !dayOfWeek) return null;
  return {
    minute: [...parsed.minute].sort((a, b) => a - b),
    hour: [...parsed.hour].sort((a, b) => a - b),
    dayOfMonth: new Set(dayOfMonth),
    month: new Set(parsed.month),
    // node-cron accepts 7 for Sunday as well as 0.
    dayOfWeek: new Set(dayOfWeek.map((d) => d % 7)),
  };
}

/** Whether the scheduler can run this expression: 5 fields, valid for node-cron, plain values. */
export const isSupportedCron = (expression: string): boolean => fieldsOf(expression) !== null;

/** Whether `timezone` is an IANA zone this runtime knows. */
export function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of `date` in `timezone`. */
export function localParts(date: Date, timezone: string) {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(date)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `timezone` from UTC at `date`, in milliseconds. */
function offsetMs(date: Date, timezone: string): number {
  const p = localParts(date, timezone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

/** The instant at which the wall clock in `timezone` shows the given local time. */
function instantOf(year: number, month: number, day: number, hour: number, minute: number, tz: string) {
  const local = Date.UTC(year, month - 1, day, hour, minute);
  const guess = local - offsetMs(new Date(local), tz);
  return new Date(local - offsetMs(new Date(guess), tz));
}

/**
 * The first time strictly after `after` that `expression` matches in `timezone`, or null if it never
 * does (e.g. `0 9 31 2 *`). Day of month and day of week must both match, as node-cron does; a day
 * missing from a month (the 30th in February) is simply skipped that month.
 */
export function nextOccurrence(expression: string, timezone: string, after: Date): Date | null {
  const fields = fieldsOf(expression);
  if (!fields) throw new Error(`unsupported cron expression "${expression}"`);
  const start = localParts(after, timezone);
  // Walk local calendar days; UTC date arithmetic is only used to step the calendar.
  const first = Date.UTC(start.year, start.month - 1, start.day);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const day = new Date(first + i * 86_400_000);
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!fields.month.has(m) || !fields.dayOfMonth.has(d) || !fields.dayOfWeek.has(day.getUTCDay())) continue;
    for (const hour of fields.hour)
      for (const minute of fields.minute) {
        const at = instantOf(y, m, d, hour, minute, timezone);
        if (at.getTime() > after.getTime()) return at;
      }
  }
  return null;
}

/** `2026-12-15 09:00` as the wall clock in `timezone` shows it. */
export function formatLocalTime(date: Date, timezone: string): string {
  const p = localParts(date, timezone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
