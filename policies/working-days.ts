/**
 * The working-day calendar of SPEC §8 R2 ("resolutions are due in 5 working days"). A Chinese credit office
 * works Monday–Friday, except on configured public holidays, and also on configured make-up days (调休: a
 * weekend day declared a working day). Dates are 'YYYY-MM-DD' calendar dates in Asia/Shanghai
 * (CREDIT_TIME_ZONE); the instants where they begin come from policies/calendar.ts, the one place that knows
 * the zone's offsets. Pure: no I/O, no environment — the calendar is configuration passed in.
 */
import { shanghaiDateOf } from './calendar.js';

export interface WorkingCalendar {
  readonly holidays: ReadonlySet<string>;
  readonly extraWorkdays: ReadonlySet<string>;
}

/** How far overdueFiledBefore walks back from today, in calendar days, before it gives up. */
const OVERDUE_SEARCH_DAYS = 366;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Milliseconds of UTC midnight of a real 'YYYY-MM-DD' date; throws otherwise. The round trip rejects
 * '2026-02-30' (Date.UTC would roll it into March) and, because Date.UTC maps years 0–99 to 1900–1999, also
 * the years 0000–0099, which no credit calendar needs.
 */
function utcMidnightOf(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const utcMidnight = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (Number.isNaN(utcMidnight) || new Date(utcMidnight).toISOString().slice(0, 10) !== date) {
    throw new Error(`'${date}' is not a calendar date written as YYYY-MM-DD`);
  }
  return utcMidnight;
}

/**
 * A calendar date moved by whole days. Dates carry no time zone, so this is plain UTC arithmetic (exact, and
 * much cheaper than calendar.ts's addIntervalToDate, which goes through Intl for the same answer).
 */
const shiftDate = (date: string, days: number): string =>
  new Date(utcMidnightOf(date) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The instant an Asia/Shanghai calendar date begins: the first instant whose shanghaiDateOf is `date` or
 * later, found by bisection. Defining it through shanghaiDateOf — the function that also decides which day a
 * filing was made on — makes `instant < startOfShanghaiDay(d)` equivalent to `shanghaiDateOf(instant) < d`
 * exactly, with no offset written down here (+08:00 since 1991, other offsets before that).
 */
function startOfShanghaiDay(date: string): Date {
  const utcMidnight = utcMidnightOf(date);
  // No zone is more than 14 hours from UTC, so these bracket the start of the day.
  let stillBefore = utcMidnight - 15 * HOUR_MS;
  let alreadyOn = utcMidnight + 15 * HOUR_MS;
  while (alreadyOn - stillBefore > 1) {
    const middle = Math.floor((stillBefore + alreadyOn) / 2);
    if (shanghaiDateOf(new Date(middle)) >= date) alreadyOn = middle;
    else stillBefore = middle;
  }
  return new Date(alreadyOn);
}

/**
 * Validates every entry as a real 'YYYY-MM-DD' date (throw Error naming the bad entry), and that no date is
 * both a holiday and an extra workday.
 */
export function workingCalendar(holidays: Iterable<string> = [], extraWorkdays: Iterable<string> = []): WorkingCalendar {
  const calendar = { holidays: new Set(holidays), extraWorkdays: new Set(extraWorkdays) };
  for (const [kind, dates] of [['holiday', calendar.holidays], ['extra workday', calendar.extraWorkdays]] as const) {
    for (const date of dates) {
      try {
        utcMidnightOf(date);
      } catch (error) {
        throw new Error(`${kind} ${(error as Error).message}`);
      }
    }
  }
  for (const date of calendar.holidays) {
    if (calendar.extraWorkdays.has(date)) throw new Error(`'${date}' is listed both as a holiday and as an extra workday`);
  }
  return calendar;
}

/** Mon–Fri and not a holiday, or listed as an extra workday. `date` is 'YYYY-MM-DD'. */
export function isWorkingDay(calendar: WorkingCalendar, date: string): boolean {
  const weekday = new Date(utcMidnightOf(date)).getUTCDay(); // 0 = Sunday … 6 = Saturday
  if (calendar.extraWorkdays.has(date)) return true;
  return weekday >= 1 && weekday <= 5 && !calendar.holidays.has(date);
}

/** The n-th working day strictly after `date` (n >= 1). */
export function addWorkingDays(calendar: WorkingCalendar, date: string, n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`working days to add must be a whole number of at least 1, got ${n}`);
  utcMidnightOf(date);
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = shiftDate(day, 1);
    if (isWorkingDay(calendar, day)) counted += 1;
  }
  return day;
}

/**
 * When an objection filed at `filedAt` becomes overdue: Asia/Shanghai midnight at the START of the day after
 * the n-th working day after the Shanghai calendar date of filedAt (the filing day itself never counts, even
 * if it is a working day). Exclusive bound: overdue iff now >= dueAt.
 */
export function objectionDueAt(calendar: WorkingCalendar, filedAt: Date, workingDays: number): Date {
  return startOfShanghaiDay(shiftDate(addWorkingDays(calendar, shanghaiDateOf(filedAt), workingDays), 1));
}

/**
 * The instant B such that, at `now`, an objection filed at f is overdue iff f < B (so SQL can filter
 * `filed_at < B`); agrees exactly with objectionDueAt.
 *
 * At `now` (Shanghai date `today`) a filing made on date D is overdue iff its n-th working day has ended,
 * i.e. iff the days strictly between D and today hold at least n working days. Walking back from yesterday
 * to the n-th working day W, that holds exactly for D < W, so B is the start of W: the latest overdue filing
 * date is the day before W, as objectionDueAt's monotonicity in the filing date requires. The walk is
 * bounded to OVERDUE_SEARCH_DAYS (366) calendar days — ample for any deadline a credit office configures
 * unless holidays fill most of a year; beyond it this throws rather than return a bound nobody checked.
 */
export function overdueFiledBefore(calendar: WorkingCalendar, now: Date, workingDays: number): Date {
  if (!Number.isInteger(workingDays) || workingDays < 1) {
    throw new Error(`working days must be a whole number of at least 1, got ${workingDays}`);
  }
  const today = shanghaiDateOf(now);
  let counted = 0;
  for (let back = 1; back <= OVERDUE_SEARCH_DAYS; back += 1) {
    const day = shiftDate(today, -back);
    if (isWorkingDay(calendar, day)) counted += 1;
    if (counted === workingDays) return startOfShanghaiDay(day);
  }
  throw new Error(
    `fewer than ${workingDays} working days in the ${OVERDUE_SEARCH_DAYS} days before ${today}; ` +
    'the deadline or the holiday calendar is implausible',
  );
}
