/**
 * Asia/Shanghai calendar arithmetic on epoch milliseconds and local day numbers (days since 1970-01-01), with
 * table-driven formatting: the generator formats ~60 million timestamps, and Date#toISOString is too slow for that.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

const FIRST_DAY = Math.floor(Date.UTC(1900, 0, 1) / DAY_MS);
const LAST_DAY = Math.floor(Date.UTC(2100, 0, 1) / DAY_MS);
const DAY_TEXT: string[] = [];
const DAY_YEAR = new Int16Array(LAST_DAY - FIRST_DAY);
for (let day = FIRST_DAY; day < LAST_DAY; day++) {
  const text = new Date(day * DAY_MS).toISOString().slice(0, 10);
  DAY_TEXT.push(text);
  DAY_YEAR[day - FIRST_DAY] = Number(text.slice(0, 4));
}
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

function checkDay(day: number): number {
  if (day < FIRST_DAY || day >= LAST_DAY) throw new RangeError(`day ${day} outside 1900–2099`);
  return day - FIRST_DAY;
}

/** The Asia/Shanghai calendar day of an instant, as a day number. */
export const localDayOf = (ms: number): number => Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);

/** The instant of hour:minute Asia/Shanghai time on a local day. */
export const instantAt = (day: number, hour: number, minute = 0): number => day * DAY_MS + (hour * 60 + minute) * MINUTE_MS - SHANGHAI_OFFSET_MS;

/** 'YYYY-MM-DD' of a day number. */
export const dateText = (day: number): string => DAY_TEXT[checkDay(day)]!;

export const yearOfDay = (day: number): number => DAY_YEAR[checkDay(day)]!;

/** An instant moved by whole calendar months in Asia/Shanghai, clamping to the end of the month (PostgreSQL interval). */
export function addMonths(ms: number, months: number): number {
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  const total = local.getUTCFullYear() * 12 + local.getUTCMonth() + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = Math.min(local.getUTCDate(), lastDay);
  const timeOfDay = (ms + SHANGHAI_OFFSET_MS) - Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS;
  return Date.UTC(y, m, d) + timeOfDay - SHANGHAI_OFFSET_MS;
}

export const addYears = (ms: number, years: number): number => addMonths(ms, years * 12);

/** 'YYYY-MM-DDTHH:MM:SS.mmmZ' (UTC), like Date#toISOString, for integral milliseconds. */
export function iso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.floor(rest / MINUTE_MS);
  rest -= minutes * MINUTE_MS;
  const seconds = Math.floor(rest / 1000);
  return `${DAY_TEXT[checkDay(day)]}T${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[rest - seconds * 1000]}Z`;
}

/** 'YYYY-MM-DDTHH:MM:SS.ffffffZ' of epoch microseconds: the form the access log's canonical event uses. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return iso(ms).slice(0, 23) + PAD3[us - ms * 1000] + 'Z';
}
