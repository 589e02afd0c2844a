/** Translates the schedule words staff type in chat (`每月15日,30日`, `every monday`) into cron fields. */

const WEEKDAYS: Record<string, number> = {
  日: 0,
  天: 0,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

const DAILY = /^(每天|每日|天天|daily|every ?day|everyday)$/;
const WORKDAYS = /^(工作日|每个工作日|每個工作日|weekdays|workdays|every ?weekday|every ?workday)$/;
const WEEKLY_ZH = /^每?(?:周|週|星期|礼拜|禮拜)(.+)$/;
const WEEKLY_EN = /^(?:every|weekly(?: on)?)\s+(.+)$/;
const MONTHLY_ZH = /^每(?:个|個)?月(.+)$/;
const MONTHLY_EN = /^(?:monthly|every month)(?: on)?\s+(.+)$/;
const LIST_SEPARATOR = /[,，、和\s]+|and/;

function list(raw: string): string[] {
  return raw
    .split(LIST_SEPARATOR)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function weekdays(raw: string): string | null {
  const days = list(raw.replace(/^(?:周|週|星期|礼拜|禮拜)/, '')).map(
    (w) => WEEKDAYS[w.replace(/^(?:周|週|星期|礼拜|禮拜)/, '').replace(/s$/, '')],
  );
  if (days.length === 0 || days.some((d) => d === undefined)) return null;
  return [...new Set(days as number[])].sort((a, b) => a - b).join(',');
}

function monthDays(raw: string): string | null {
  const days = list(raw).map((w) => {
    const match = /^(\d{1,2})(?:日|号|號|st|nd|rd|th)?$/.exec(w);
    return match ? Number(match[1]) : NaN;
  });
  if (days.length === 0 || days.some((d) => !(d >= 1 && d <= 31))) return null;
  return [...new Set(days)].sort((a, b) => a - b).join(',');
}

/**
 * A cron expression for `schedule` at `time` (`HH:MM`), or null when the words are not understood.
 * Monthly days a month lacks (30 in February) are skipped that month, as cron does.
 */
export function scheduleToCron(schedule: string, time: string): string | null {
  const clock = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!clock) return null;
  const [hour, minute] = [Number(clock[1]), Number(clock[2])];
  if (hour > 23 || minute > 59) return null;
  const at = `${minute} ${hour}`;
  const words = schedule.trim().toLowerCase().replace(/\s+/g, ' ');
  if (DAILY.test(words)) return `${at} * * *`;
  if (WORKDAYS.test(words)) return `${at} * * 1-5`;
  const monthly = MONTHLY_ZH.exec(words) ?? MONTHLY_EN.exec(words);
  if (monthly) {
    const days = monthDays(monthly[1]!);
    return days ? `${at} ${days} * *` : null;
  }
  const weekly = WEEKLY_ZH.exec(words) ?? WEEKLY_EN.exec(words);
  if (weekly) {
    const days = weekdays(weekly[1]!);
    return days ? `${at} * * ${days}` : null;
  }
  return null;
}

/** Whether a cron's days of the month include one some months lack, so staff are told it is skipped. */
export function skipsShortMonths(cron: string): boolean {
  const dayField = cron.trim().split(/\s+/)[2] ?? '*';
  return dayField !== '*' && dayField.split(',').some((d) => Number(d) > 28);
}
