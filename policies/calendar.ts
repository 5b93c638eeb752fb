/**
 * Calendar arithmetic in Asia/Shanghai with PostgreSQL `interval` semantics (SPEC §4.2): years and months are
 * added to the local wall-clock date and the day is clamped to the month's end (2024-02-29 + 1 year =
 * 2025-02-28); days and times are added after. Asia/Shanghai has had no daylight saving since 1991, so the
 * offset is a constant +08:00 for every date this product handles.
 */
export const CREDIT_TIME_ZONE = 'Asia/Shanghai';
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

export interface CalendarInterval {
  months: number;
  days: number;
}

/** Parses the interval texts the catalog uses ('1 year', '3 mons', '2 years 6 mons', '10 days'). */
export function parseInterval(text: string): CalendarInterval {
  const result: CalendarInterval = { months: 0, days: 0 };
  const parts = text.trim().toLowerCase().match(/-?\d+\s+[a-z]+/g);
  if (!parts || parts.join(' ').length === 0) throw new Error(`unsupported interval '${text}'`);
  for (const part of parts) {
    const [amountText, unit] = part.split(/\s+/);
    const amount = Number(amountText);
    if (/^years?$/.test(unit)) result.months += amount * 12;
    else if (/^(mons?|months?)$/.test(unit)) result.months += amount;
    else if (/^days?$/.test(unit)) result.days += amount;
    else throw new Error(`unsupported interval unit '${unit}' in '${text}'`);
  }
  return result;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** `instant + interval` evaluated on the Asia/Shanghai calendar, as PostgreSQL does it. */
export function addInterval(instant: Date, interval: CalendarInterval | string): Date {
  const iv = typeof interval === 'string' ? parseInterval(interval) : interval;
  const local = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  const totalMonths = local.getUTCFullYear() * 12 + local.getUTCMonth() + iv.months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(local.getUTCDate(), daysInMonth(year, month));
  const shifted = Date.UTC(
    year, month, day + iv.days,
    local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds(),
  );
  return new Date(shifted - SHANGHAI_OFFSET_MS);
}

/** The Asia/Shanghai calendar date of an instant, 'YYYY-MM-DD'. */
export function shanghaiDateOf(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** `date + interval` on calendar dates ('YYYY-MM-DD'), PostgreSQL semantics. */
export function addIntervalToDate(date: string, interval: CalendarInterval | string): string {
  const midnight = new Date(`${date}T00:00:00+08:00`);
  return shanghaiDateOf(addInterval(midnight, interval));
}
