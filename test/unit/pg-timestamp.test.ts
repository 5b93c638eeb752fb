import { describe, expect, it } from 'vitest';
import { pgTimestampMs, toDate } from '../../src/db/rows.js';
import { mulberry32 } from '../support/random.js';

/**
 * The database's timestamps reach every window (D1–D6) and every cursor: the direct reader of PostgreSQL's text
 * form must give exactly the instant Date's general parser gives, and step aside for anything it does not know.
 */
const general = (text: string) => new Date(text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')).getTime();

function pgText(ms: number, micros: number, offsetMinutes: number, fractionDigits: number): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fraction = fractionDigits ? `.${String(local.getUTCMilliseconds() * 1000 + micros).padStart(6, '0').slice(0, fractionDigits)}` : '';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(abs / 60))}${abs % 60 ? `:${pad(abs % 60)}` : ''}`;
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${offset}`;
}

describe('D6: timestamps from PostgreSQL are read to the millisecond', () => {
  it('D6: literal PostgreSQL outputs (UTC, Shanghai, half-hour zones, micro- and no fractions)', () => {
    const cases: [string, string][] = [
      ['2026-06-01 04:00:00+00', '2026-06-01T04:00:00.000Z'],
      ['2026-06-01 12:00:00+08', '2026-06-01T04:00:00.000Z'],
      ['2026-11-22 03:45:53.197123+00', '2026-11-22T03:45:53.197Z'],
      ['2026-11-22 03:45:53.1+00', '2026-11-22T03:45:53.100Z'],
      ['1988-04-17 02:30:00+09', '1988-04-16T17:30:00.000Z'], // Shanghai summer time
      ['2026-03-01 09:15:00-03:30', '2026-03-01T12:45:00.000Z'],
      ['2026-03-01 09:15:00+05:45', '2026-03-01T03:30:00.000Z'],
      ['2024-02-29 23:59:59.999999+00', '2024-02-29T23:59:59.999Z'],
    ];
    for (const [text, iso] of cases) {
      expect(new Date(pgTimestampMs(text)).toISOString()).toBe(iso);
      expect(toDate(text).toISOString()).toBe(iso);
    }
  });

  it('D6: agrees with the general parser on 20,000 random instants, offsets and fraction lengths', () => {
    const rand = mulberry32(7);
    const offsets = [0, 480, 540, -210, 345, -600, 330];
    for (let n = 0; n < 20_000; n += 1) {
      const ms = Math.floor(Date.UTC(1950, 0, 1) + rand() * (Date.UTC(2100, 0, 1) - Date.UTC(1950, 0, 1)));
      const text = pgText(ms, Math.floor(rand() * 1000), offsets[n % offsets.length], n % 7);
      expect(pgTimestampMs(text)).toBe(general(text));
    }
  });

  it('D6: anything else is left to the general parser (NaN here), and unparseable text still throws', () => {
    for (const text of ['2026-06-01T04:00:00Z', '2026-06-01 04:00:00', '0099-01-01 00:00:00+00', '2026-06-01 04:00:00+00:00:00',
      '2026-06-01 04:00:00+00 BC', '2026-06-01 04:00:00.+00', 'garbage that is long enough']) {
      expect(pgTimestampMs(text)).toBeNaN();
    }
    expect(toDate('2026-06-01T04:00:00Z').toISOString()).toBe('2026-06-01T04:00:00.000Z');
    expect(() => toDate('not a timestamp')).toThrow(/unparseable/);
  });
});
