/**
 * Calendar arithmetic in Asia/Shanghai with PostgreSQL `interval` semantics (SPEC §4.2): years and months are
 * added to the local wall-clock date and the day is clamped to the month's end (2024-02-29 + 1 year =
 * 2025-02-28); days and times are added after. Offsets come from the time zone database (Intl), so the
 * daylight-saving years 1986–1991 and the offsets before 1949 agree with PostgreSQL's `AT TIME ZONE` too; a
 * local time that is skipped or repeated by a transition is read as standard time, as PostgreSQL does.
 */
export const CREDIT_TIME_ZONE = 'Asia/Shanghai';
const HOUR_MS = 3_600_000;

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: CREDIT_TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/** The zone's UTC offset (ms) at an instant. */
function offsetAt(instantMs: number): number {
  const parts = Object.fromEntries(wallClock.formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  const wholeSeconds = Math.floor(instantMs / 1000) * 1000;
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - wholeSeconds;
}

/** Local wall-clock time (as a UTC-based ms number) → instant; skipped or repeated times → standard time. */
function instantOfLocal(localMs: number): number {
  const candidates = [...new Set([-2, -1, 0, 1, 2].map((h) => offsetAt(localMs - 8 * HOUR_MS + h * HOUR_MS)))].sort((a, b) => a - b);
  const valid = candidates.filter((offset) => offsetAt(localMs - offset) === offset);
  return localMs - (valid.length ? valid[0] : candidates[0]);
}

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
  const local = new Date(instant.getTime() + offsetAt(instant.getTime()));
  const totalMonths = local.getUTCFullYear() * 12 + local.getUTCMonth() + iv.months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(local.getUTCDate(), daysInMonth(year, month));
  const shifted = Date.UTC(
    year, month, day + iv.days,
    local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds(),
  );
  return new Date(instantOfLocal(shifted));
}

/** The Asia/Shanghai calendar date of an instant, 'YYYY-MM-DD'. */
export function shanghaiDateOf(instant: Date): string {
  return new Date(instant.getTime() + offsetAt(instant.getTime())).toISOString().slice(0, 10);
}

/** The instant an Asia/Shanghai calendar date ('YYYY-MM-DD') begins (PostgreSQL: `date::timestamp AT TIME ZONE`). */
export function startOfShanghaiDate(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(instantOfLocal(Date.UTC(y, m - 1, d)));
}

/** `date + interval` on calendar dates ('YYYY-MM-DD'), PostgreSQL semantics. */
export function addIntervalToDate(date: string, interval: CalendarInterval | string): string {
  const [y, m, d] = date.split('-').map(Number);
  const midnight = new Date(instantOfLocal(Date.UTC(y, m - 1, d)));
  return shanghaiDateOf(addInterval(midnight, interval));
}
