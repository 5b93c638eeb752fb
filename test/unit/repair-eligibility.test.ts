import { describe, expect, it } from 'vitest';
import { checkRepairEligibility, earliestRepair, type RepairCandidate, type RepairRule } from '../../policies/repair.js';

/**
 * SPEC §8 R3 (with D1 for penalties): who may apply for repair of which record, and from when. The rules are the
 * catalog rows as seeded (migrations/0002_seed_platform_and_catalog.sql: nature, publicity rule, `repairable`;
 * migrations/0008_subject_rights.sql: the minimum periods), written out literally so that a change to the seed
 * shows up here as a deliberate edit.
 */

// ---- the seeded catalog rows (0002 + 0008) ------------------------------------------------------------------
const byValidity = (code: string, repairable: boolean, repairPeriod: string | null): RepairRule => ({
  code, repairable, publicityRule: 'BY_VALIDITY', generalRepairPeriod: null, seriousRepairPeriod: null, repairPeriod,
});
const RULES = {
  penalty: { code: 'penalty', repairable: true, publicityRule: 'BY_SEVERITY', generalRepairPeriod: '3 mons', seriousRepairPeriod: '1 year', repairPeriod: null },
  'abnormal-operation': byValidity('abnormal-operation', true, '1 year'),
  'serious-dishonesty-list': byValidity('serious-dishonesty-list', true, '1 year'),
  'ip-infringement': byValidity('ip-infringement', true, '1 year'),
  'tax-arrears': byValidity('tax-arrears', true, null),
  'social-insurance-arrears': byValidity('social-insurance-arrears', true, null),
  'dishonest-debtor': byValidity('dishonest-debtor', false, null),
  judgment: byValidity('judgment', false, null),
  license: byValidity('license', false, null),
  honor: byValidity('honor', false, null),
  registration: byValidity('registration', false, null),
} satisfies Record<string, RepairRule>;
const NATURE: Record<keyof typeof RULES, string> = {
  penalty: 'NEGATIVE', 'abnormal-operation': 'NEGATIVE', 'serious-dishonesty-list': 'NEGATIVE', 'ip-infringement': 'NEGATIVE',
  'tax-arrears': 'NEGATIVE', 'social-insurance-arrears': 'NEGATIVE', 'dishonest-debtor': 'NEGATIVE', judgment: 'NEGATIVE',
  license: 'BASIC', honor: 'POSITIVE', registration: 'BASIC',
};

/** An instant written as Asia/Shanghai wall-clock time. */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const ms = (d: Date, delta: number): Date => new Date(d.getTime() + delta);
const LONG_AFTER = sh('2040-01-01T00:00:00');

function record(type: keyof typeof RULES, overrides: Partial<RepairCandidate> = {}): RepairCandidate {
  return {
    status: 'ACTIVE',
    nature: NATURE[type],
    severity: NATURE[type] === 'NEGATIVE' ? 'GENERAL' : null,
    decidedAt: sh('2025-03-10T09:30:00'),
    validFrom: null,
    ...overrides,
  };
}

const check = (type: keyof typeof RULES, candidate: RepairCandidate, now: Date) => checkRepairEligibility(candidate, RULES[type], now);

/** The refusal reason at `now`, or 'OK'. */
const outcome = (type: keyof typeof RULES, candidate: RepairCandidate, now: Date): string => {
  const result = check(type, candidate, now);
  return result.ok ? 'OK' : result.reason;
};

/** Refused 1 ms before `earliest`, accepted at the instant itself (and reported with that `earliest`). */
function expectBoundary(type: keyof typeof RULES, candidate: RepairCandidate, earliest: Date): void {
  expect(earliestRepair(candidate, RULES[type])?.toISOString()).toBe(earliest.toISOString());
  const before = check(type, candidate, ms(earliest, -1));
  expect(before.ok).toBe(false);
  expect(before).toMatchObject({ reason: 'MIN_PERIOD_NOT_REACHED' });
  expect(before.ok ? null : before.earliest?.toISOString()).toBe(earliest.toISOString());
  expect(before.ok ? '' : before.message).toContain(earliest.toISOString());
  const atInstant = check(type, candidate, earliest);
  expect(atInstant).toEqual({ ok: true, earliest });
}

describe('repair eligibility (SPEC §8 R3)', () => {
  describe('penalty (D1: minimum period by severity, from decidedAt)', () => {
    it('R3: a GENERAL penalty can be repaired from decidedAt + 3 months, not 1 ms earlier', () => {
      const penalty = record('penalty', { severity: 'GENERAL', decidedAt: sh('2026-01-15T10:00:00') });
      expectBoundary('penalty', penalty, sh('2026-04-15T10:00:00'));
    });

    it('R3: a GENERAL penalty decided two months ago is refused with MIN_PERIOD_NOT_REACHED', () => {
      const penalty = record('penalty', { severity: 'GENERAL', decidedAt: sh('2026-04-01T12:00:00') });
      expect(outcome('penalty', penalty, sh('2026-06-01T12:00:00'))).toBe('MIN_PERIOD_NOT_REACHED');
    });

    it('R3: months are Asia/Shanghai calendar months — a decision at 01:00 on 30 November (Shanghai) is repairable from 28 February 01:00 Shanghai', () => {
      // 2025-11-29T17:00Z is already 30 November in Shanghai; + 3 months clamps to the end of February there,
      // one day earlier than the same arithmetic on the UTC calendar (2026-02-28T17:00Z) would give
      const penalty = record('penalty', { severity: 'GENERAL', decidedAt: new Date('2025-11-29T17:00:00Z') });
      expectBoundary('penalty', penalty, new Date('2026-02-27T17:00:00Z'));
    });

    it('R3: the month end is clamped (31 January + 3 months = 30 April)', () => {
      const penalty = record('penalty', { severity: 'GENERAL', decidedAt: sh('2026-01-31T23:30:00') });
      expectBoundary('penalty', penalty, sh('2026-04-30T23:30:00'));
    });

    it('R3: a SERIOUS penalty needs 1 year (a GENERAL one of the same date is repairable already)', () => {
      const decidedAt = sh('2025-08-01T12:00:00');
      const now = sh('2026-06-01T12:00:00');
      expect(outcome('penalty', record('penalty', { severity: 'SERIOUS', decidedAt }), now)).toBe('MIN_PERIOD_NOT_REACHED');
      expect(outcome('penalty', record('penalty', { severity: 'GENERAL', decidedAt }), now)).toBe('OK');
      expectBoundary('penalty', record('penalty', { severity: 'SERIOUS', decidedAt }), sh('2026-08-01T12:00:00'));
    });

    it('R3: a SERIOUS penalty of 29 February is repairable from 28 February of the next year (Shanghai)', () => {
      expectBoundary('penalty', record('penalty', { severity: 'SERIOUS', decidedAt: sh('2024-02-29T08:00:00') }), sh('2025-02-28T08:00:00'));
    });

    it('R3: the penalty periods ignore validFrom (they run from decidedAt)', () => {
      const penalty = record('penalty', { severity: 'GENERAL', decidedAt: sh('2026-01-15T10:00:00'), validFrom: sh('2026-05-01T00:00:00') });
      expectBoundary('penalty', penalty, sh('2026-04-15T10:00:00'));
    });

    it('R3: a MINOR penalty is never public (D1): NOT_REPAIRABLE, at any time', () => {
      const minor = record('penalty', { severity: 'MINOR', decidedAt: sh('2020-01-01T00:00:00') });
      expect(earliestRepair(minor, RULES.penalty)).toBeNull();
      expect(outcome('penalty', minor, LONG_AFTER)).toBe('NOT_REPAIRABLE');
    });

    it('R3: a penalty without severity has nothing to repair: NOT_REPAIRABLE', () => {
      const unrated = record('penalty', { severity: null, decidedAt: sh('2020-01-01T00:00:00') });
      expect(earliestRepair(unrated, RULES.penalty)).toBeNull();
      expect(outcome('penalty', unrated, LONG_AFTER)).toBe('NOT_REPAIRABLE');
    });
  });

  describe('list-like negative types (1 year from validFrom, else decidedAt)', () => {
    it.each(['abnormal-operation', 'serious-dishonesty-list', 'ip-infringement'] as const)(
      'R3: `%s` is repairable 1 year after validFrom when it is set (not after decidedAt)',
      (type) => {
        const listed = record(type, { severity: 'SERIOUS', decidedAt: sh('2025-01-01T09:00:00'), validFrom: sh('2025-09-01T10:00:00') });
        // a year after decidedAt is long past, yet the period runs from validFrom
        expect(outcome(type, listed, sh('2026-06-01T12:00:00'))).toBe('MIN_PERIOD_NOT_REACHED');
        expectBoundary(type, listed, sh('2026-09-01T10:00:00'));
      },
    );

    it.each(['abnormal-operation', 'serious-dishonesty-list', 'ip-infringement'] as const)(
      'R3: `%s` without validFrom is repairable 1 year after decidedAt',
      (type) => {
        const listed = record(type, { severity: 'GENERAL', decidedAt: sh('2025-05-01T12:00:00'), validFrom: null });
        expectBoundary(type, listed, sh('2026-05-01T12:00:00'));
      },
    );

    it.each(['abnormal-operation', 'serious-dishonesty-list', 'ip-infringement'] as const)(
      'R3: `%s` — the severity does not change the period',
      (type) => {
        for (const severity of ['MINOR', 'GENERAL', 'SERIOUS']) {
          const listed = record(type, { severity, decidedAt: sh('2025-05-01T12:00:00') });
          expect(earliestRepair(listed, RULES[type])?.toISOString(), severity).toBe(sh('2026-05-01T12:00:00').toISOString());
        }
      },
    );
  });

  describe('arrears (no minimum period: repairable once paid)', () => {
    it.each(['tax-arrears', 'social-insurance-arrears'] as const)('R3: `%s` is repairable at once (from its decision)', (type) => {
      const decidedAt = sh('2026-05-31T18:00:00');
      const arrears = record(type, { decidedAt });
      expect(earliestRepair(arrears, RULES[type])?.toISOString()).toBe(decidedAt.toISOString());
      expect(check(type, arrears, decidedAt)).toEqual({ ok: true, earliest: decidedAt });
      expect(outcome(type, arrears, ms(decidedAt, 60_000))).toBe('OK');
    });
  });

  describe('types that cannot be repaired here', () => {
    it.each(['dishonest-debtor', 'judgment'] as const)('R3: `%s` is NOT_REPAIRABLE (the court removes it), however old', (type) => {
      for (const severity of ['MINOR', 'GENERAL', 'SERIOUS']) {
        expect(outcome(type, record(type, { severity, decidedAt: sh('2015-01-01T00:00:00') }), LONG_AFTER), severity).toBe('NOT_REPAIRABLE');
      }
    });

    it.each(['license', 'honor', 'registration'] as const)('R3: a `%s` (not negative) is refused with NOT_NEGATIVE', (type) => {
      expect(outcome(type, record(type), LONG_AFTER)).toBe('NOT_NEGATIVE');
    });
  });

  describe('record status comes first', () => {
    it('R3: a WITHDRAWN record is refused with RECORD_WITHDRAWN, whatever its type or age', () => {
      expect(outcome('penalty', record('penalty', { status: 'WITHDRAWN' }), LONG_AFTER)).toBe('RECORD_WITHDRAWN');
      expect(outcome('dishonest-debtor', record('dishonest-debtor', { status: 'WITHDRAWN' }), LONG_AFTER)).toBe('RECORD_WITHDRAWN');
      expect(outcome('penalty', record('penalty', { status: 'WITHDRAWN', decidedAt: sh('2026-05-31T00:00:00') }), sh('2026-06-01T00:00:00'))).toBe('RECORD_WITHDRAWN');
    });

    it('R3: a REPAIRED record is refused with ALREADY_REPAIRED, whatever its type or age', () => {
      expect(outcome('penalty', record('penalty', { status: 'REPAIRED' }), LONG_AFTER)).toBe('ALREADY_REPAIRED');
      expect(outcome('tax-arrears', record('tax-arrears', { status: 'REPAIRED' }), LONG_AFTER)).toBe('ALREADY_REPAIRED');
      expect(outcome('penalty', record('penalty', { status: 'REPAIRED', decidedAt: sh('2026-05-31T00:00:00') }), sh('2026-06-01T00:00:00'))).toBe('ALREADY_REPAIRED');
    });

    it('R3: a refusal says why in its message, and only MIN_PERIOD_NOT_REACHED carries an earliest instant', () => {
      const cases: [keyof typeof RULES, RepairCandidate][] = [
        ['penalty', record('penalty', { status: 'WITHDRAWN' })],
        ['penalty', record('penalty', { status: 'REPAIRED' })],
        ['license', record('license')],
        ['judgment', record('judgment')],
        ['penalty', record('penalty', { severity: 'MINOR' })],
      ];
      for (const [type, candidate] of cases) {
        const result = check(type, candidate, LONG_AFTER);
        expect(result.ok, type).toBe(false);
        if (!result.ok) {
          expect(result.message.trim().length, result.reason).toBeGreaterThan(0);
          expect(result.earliest, result.reason).toBeUndefined();
        }
      }
    });
  });
});
