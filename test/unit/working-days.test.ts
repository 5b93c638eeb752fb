import { describe, expect, it } from 'vitest';
import { shanghaiDateOf } from '../../policies/calendar.js';
import {
  addWorkingDays,
  isWorkingDay,
  objectionDueAt,
  overdueFiledBefore,
  workingCalendar,
  type WorkingCalendar,
} from '../../policies/working-days.js';

/** An instant written as Asia/Shanghai wall-clock time. */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const ms = (d: Date, delta: number): Date => new Date(d.getTime() + delta);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const PLAIN = workingCalendar();
/** A Golden-Week-like block with its two make-up weekend days (Sunday 09-27, Saturday 10-10). */
const GOLDEN_WEEK = workingCalendar(
  ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  ['2026-09-27', '2026-10-10'],
);

/** Whether an objection filed at `filedAt` is overdue at `now`, by the exclusive deadline. */
const isOverdue = (calendar: WorkingCalendar, filedAt: Date, now: Date, workingDays = 5): boolean =>
  now.getTime() >= objectionDueAt(calendar, filedAt, workingDays).getTime();

describe('working days (SPEC §8 R2)', () => {
  it('R2: Monday to Friday are working days, weekends are not', () => {
    // 2026-11-16 is a Monday.
    expect(['16', '17', '18', '19', '20', '21', '22'].map((d) => isWorkingDay(PLAIN, `2026-11-${d}`)))
      .toEqual([true, true, true, true, true, false, false]);
  });

  it('R2: a public holiday is not a working day, a make-up weekend day is', () => {
    expect(isWorkingDay(GOLDEN_WEEK, '2026-10-01')).toBe(false); // Thursday, holiday
    expect(isWorkingDay(GOLDEN_WEEK, '2026-09-27')).toBe(true); // Sunday, make-up
    expect(isWorkingDay(GOLDEN_WEEK, '2026-10-10')).toBe(true); // Saturday, make-up
    expect(isWorkingDay(GOLDEN_WEEK, '2026-10-11')).toBe(false); // Sunday
  });

  it('R2: addWorkingDays counts from the day after, skipping weekends', () => {
    expect(addWorkingDays(PLAIN, '2026-11-16', 1)).toBe('2026-11-17');
    expect(addWorkingDays(PLAIN, '2026-11-20', 1)).toBe('2026-11-23');
    expect(addWorkingDays(PLAIN, '2026-11-16', 5)).toBe('2026-11-23');
    expect(addWorkingDays(PLAIN, '2026-11-21', 5)).toBe('2026-11-27');
  });

  it('R2: a deadline of zero, negative or fractional working days is refused', () => {
    expect(() => addWorkingDays(PLAIN, '2026-11-16', 0)).toThrow(/at least 1/);
    expect(() => addWorkingDays(PLAIN, '2026-11-16', -3)).toThrow(/at least 1/);
    expect(() => addWorkingDays(PLAIN, '2026-11-16', 1.5)).toThrow(/whole number/);
    expect(() => overdueFiledBefore(PLAIN, sh('2026-11-16T10:00:00'), 0)).toThrow(/at least 1/);
  });
});

describe('the working-day calendar is validated (SPEC §8 R2)', () => {
  it('R2: rejects an impossible date and names it', () => {
    expect(() => workingCalendar(['2026-02-30'])).toThrow(/holiday '2026-02-30'/);
  });

  it('R2: rejects a date not written as YYYY-MM-DD and names it', () => {
    expect(() => workingCalendar([], ['2026-1-5'])).toThrow(/extra workday '2026-1-5'/);
  });

  it('R2: rejects a date that is both a holiday and an extra workday', () => {
    expect(() => workingCalendar(['2026-10-01', '2026-10-10'], ['2026-10-10'])).toThrow(/'2026-10-10'.*both/);
  });

  it('R2: accepts real dates, including 29 February of a leap year', () => {
    const calendar = workingCalendar(['2028-02-29'], ['2028-03-04']);
    expect([...calendar.holidays]).toEqual(['2028-02-29']);
    expect(isWorkingDay(calendar, '2028-02-29')).toBe(false); // a Tuesday, but a holiday
  });
});

describe('objection deadlines (SPEC §8 R2)', () => {
  it('R2: a Monday filing is due at the end of the following Monday', () => {
    expect(objectionDueAt(PLAIN, sh('2026-11-16T10:00:00'), 5)).toEqual(sh('2026-11-24T00:00:00'));
  });

  it('R2: a filing early on a working day does not count that day', () => {
    expect(objectionDueAt(PLAIN, sh('2026-11-16T00:00:00'), 5)).toEqual(sh('2026-11-24T00:00:00'));
  });

  it('R2: a Friday filing is due at the end of the following Friday', () => {
    expect(objectionDueAt(PLAIN, sh('2026-11-20T09:00:00'), 5)).toEqual(sh('2026-11-28T00:00:00'));
  });

  it('R2: Saturday and Sunday filings are due at the end of the following Friday', () => {
    expect(objectionDueAt(PLAIN, sh('2026-11-21T12:00:00'), 5)).toEqual(sh('2026-11-28T00:00:00'));
    expect(objectionDueAt(PLAIN, sh('2026-11-22T23:00:00'), 5)).toEqual(sh('2026-11-28T00:00:00'));
  });

  it('R2: the Shanghai date of the filing decides, not the UTC date', () => {
    // Sunday 23:59 and Monday 00:01 in Shanghai are both Sunday in UTC.
    const sundayLate = new Date('2026-11-22T15:59:00Z');
    const mondayEarly = new Date('2026-11-22T16:01:00Z');
    expect(shanghaiDateOf(mondayEarly)).toBe('2026-11-23');
    expect(objectionDueAt(PLAIN, sundayLate, 5)).toEqual(sh('2026-11-28T00:00:00'));
    expect(objectionDueAt(PLAIN, mondayEarly, 5)).toEqual(sh('2026-12-01T00:00:00'));
  });

  it('R2: a filing at 00:30 on a make-up Saturday in Shanghai (Friday in UTC) does not count the Saturday', () => {
    const makeUpSaturday = workingCalendar([], ['2026-11-21']);
    const filedAt = new Date('2026-11-20T16:30:00Z');
    expect(shanghaiDateOf(filedAt)).toBe('2026-11-21');
    // Counted from the UTC date (Friday) the make-up Saturday would count and it would be due a day sooner.
    expect(objectionDueAt(makeUpSaturday, filedAt, 5)).toEqual(sh('2026-11-28T00:00:00'));
    expect(objectionDueAt(makeUpSaturday, sh('2026-11-20T23:59:00'), 5)).toEqual(sh('2026-11-27T00:00:00'));
  });

  it('R2: a holiday inside the five working days pushes the deadline by a day', () => {
    const wednesdayOff = workingCalendar(['2026-11-18']);
    expect(objectionDueAt(wednesdayOff, sh('2026-11-16T10:00:00'), 5)).toEqual(sh('2026-11-25T00:00:00'));
  });

  it('R2: a make-up Saturday counts as a working day', () => {
    const makeUpSaturday = workingCalendar([], ['2026-11-21']);
    expect(objectionDueAt(makeUpSaturday, sh('2026-11-20T10:00:00'), 5)).toEqual(sh('2026-11-27T00:00:00'));
  });

  it('R2: a filing on the eve of Golden Week is due after the holiday, counting the make-up Saturday', () => {
    // Wed 09-30 filed → Thu 10-08, Fri 10-09, Sat 10-10 (make-up), Mon 10-12, Tue 10-13.
    expect(objectionDueAt(GOLDEN_WEEK, sh('2026-09-30T17:00:00'), 5)).toEqual(sh('2026-10-14T00:00:00'));
    // Fri 09-25 filed → Sun 09-27 (make-up), Mon 09-28, Tue 09-29, Wed 09-30, Thu 10-08.
    expect(objectionDueAt(GOLDEN_WEEK, sh('2026-09-25T17:00:00'), 5)).toEqual(sh('2026-10-09T00:00:00'));
  });

  it('R2: the number of working days is configurable', () => {
    expect(objectionDueAt(PLAIN, sh('2026-11-16T10:00:00'), 1)).toEqual(sh('2026-11-18T00:00:00'));
    expect(objectionDueAt(PLAIN, sh('2026-11-16T10:00:00'), 10)).toEqual(sh('2026-12-01T00:00:00'));
  });

  it('R2: one millisecond before the deadline is not overdue, the deadline itself is', () => {
    const filedAt = sh('2026-11-16T10:00:00');
    const dueAt = objectionDueAt(PLAIN, filedAt, 5);
    expect(dueAt.toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(isOverdue(PLAIN, filedAt, ms(dueAt, -1))).toBe(false);
    expect(isOverdue(PLAIN, filedAt, dueAt)).toBe(true);
    expect(filedAt < overdueFiledBefore(PLAIN, ms(dueAt, -1), 5)).toBe(false);
    expect(filedAt < overdueFiledBefore(PLAIN, dueAt, 5)).toBe(true);
  });
});

describe('the overdue filter bound agrees with the deadline (SPEC §8 R2)', () => {
  it('R2: at Monday 00:00, filings up to the Sunday eight days earlier are overdue and filings from the next Monday are not', () => {
    // At Mon 11-30 00:00, the 5th working day after Sun 11-22 (Fri 11-27) has ended; after Mon 11-23 it has not.
    expect(overdueFiledBefore(PLAIN, sh('2026-11-30T00:00:00'), 5)).toEqual(sh('2026-11-23T00:00:00'));
  });

  it('R2: overdueFiledBefore agrees with objectionDueAt for every filing over 60 days around Golden Week', () => {
    // Filings every 6 hours, each also 1 ms before and after a Shanghai midnight, 2026-09-01 .. 2026-10-31.
    const filings: Date[] = [];
    for (let t = sh('2026-09-01T00:00:00').getTime(); t < sh('2026-10-31T00:00:00').getTime(); t += 6 * HOUR_MS) {
      filings.push(new Date(t - 1), new Date(t), new Date(t + 1));
    }
    // Now: each Shanghai midnight (and 1 ms before it) and each noon from 2026-09-03 to 2026-11-10.
    const nows: Date[] = [];
    for (let t = sh('2026-09-03T00:00:00').getTime(); t <= sh('2026-11-10T00:00:00').getTime(); t += DAY_MS) {
      nows.push(new Date(t - 1), new Date(t), new Date(t + 12 * HOUR_MS));
    }
    const dueAts = filings.map((filedAt) => objectionDueAt(GOLDEN_WEEK, filedAt, 5).getTime());
    const disagreements: string[] = [];
    let overdue = 0;
    for (const now of nows) {
      const bound = overdueFiledBefore(GOLDEN_WEEK, now, 5);
      filings.forEach((filedAt, i) => {
        const byDeadline = now.getTime() >= dueAts[i];
        if (byDeadline) overdue += 1;
        if (byDeadline !== filedAt < bound) disagreements.push(`filed ${filedAt.toISOString()} now ${now.toISOString()}`);
      });
    }
    expect(disagreements).toEqual([]);
    // The sweep sees both outcomes, so agreement is not vacuous.
    expect(overdue).toBeGreaterThan(0);
    expect(overdue).toBeLessThan(nows.length * filings.length);
  });

  it('R2: overdueFiledBefore refuses to guess when a year holds fewer working days than the deadline', () => {
    expect(() => overdueFiledBefore(PLAIN, sh('2026-11-16T10:00:00'), 400)).toThrow(/366 days/);
  });
});
