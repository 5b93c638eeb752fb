/**
 * The model's own calendar (SPEC §4.2: "years and months are calendar intervals (PostgreSQL interval semantics)
 * in Asia/Shanghai time"), written from the SPEC text and independent of policies/calendar.ts.
 *
 * Asia/Shanghai has kept UTC+08:00 without daylight saving since 1991, so a Shanghai wall-clock time is the UTC
 * instant shifted by eight hours. Adding months keeps the wall-clock time of day and clamps the day to the end of
 * the target month, as PostgreSQL's `timestamp + interval 'n months'` does (2024-02-29 + 1 year = 2025-02-28).
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** `instant + months` on the Shanghai calendar (negative months go back). */
export function addMonths(instant: Date, months: number): Date {
  const local = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  const day = local.getUTCDate();
  const timeOfDay = local.getTime() - Date.UTC(year, month, day);
  const total = year * 12 + month + months;
  const newYear = Math.floor(total / 12);
  const newMonth = total - newYear * 12;
  const newDay = Math.min(day, daysInMonth(newYear, newMonth));
  return new Date(Date.UTC(newYear, newMonth, newDay) + timeOfDay - SHANGHAI_OFFSET_MS);
}

export const addYears = (instant: Date, years: number): Date => addMonths(instant, 12 * years);

/** The Asia/Shanghai calendar date of an instant, `YYYY-MM-DD`. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` + years, clamped to the month end (PostgreSQL `date + interval 'n years'`). */
export function addYearsToDate(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const newDay = Math.min(d, daysInMonth(y + years, m - 1));
  return `${String(y + years).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(newDay).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` + days. */
export function addDaysToDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant a Shanghai calendar date begins. */
export function startOfShanghaiDate(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS);
}
