import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** SPEC R2 "due in 5 working days (configurable)": the deadline and its calendar come from the environment. */
describe('R2 configuration of the objection deadline', () => {
  it('R2: defaults to 5 working days on a calendar of weekends only', () => {
    expect(loadConfig({}).subjectRights).toEqual({ objectionWorkingDays: 5, holidays: [], extraWorkdays: [] });
  });

  it('R2: OBJECTION_WORKING_DAYS, HOLIDAYS and EXTRA_WORKDAYS are read (comma-separated, blanks ignored)', () => {
    const config = loadConfig({ OBJECTION_WORKING_DAYS: '7', HOLIDAYS: '2026-10-01, 2026-10-02,,2026-10-05', EXTRA_WORKDAYS: '2026-10-10' });
    expect(config.subjectRights).toEqual({ objectionWorkingDays: 7, holidays: ['2026-10-01', '2026-10-02', '2026-10-05'], extraWorkdays: ['2026-10-10'] });
  });

  it.each([['0'], ['61'], ['-1'], ['2.5'], ['five']])('R2: OBJECTION_WORKING_DAYS=%s refuses to start', (value) => {
    expect(() => loadConfig({ OBJECTION_WORKING_DAYS: value })).toThrow(ConfigError);
  });

  it('R2: a holiday that is not a calendar date refuses to start, naming it', () => {
    expect(() => loadConfig({ HOLIDAYS: '2026-02-30' })).toThrow(/2026-02-30/);
    expect(() => loadConfig({ HOLIDAYS: '2026-02-30' })).toThrow(ConfigError);
  });

  it('R2: a date that is both a holiday and a make-up workday refuses to start', () => {
    expect(() => loadConfig({ HOLIDAYS: '2026-10-10', EXTRA_WORKDAYS: '2026-10-10' })).toThrow(ConfigError);
  });
});
