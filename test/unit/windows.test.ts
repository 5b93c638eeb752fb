import { describe, expect, it } from 'vitest';
import { addInterval, addIntervalToDate, parseInterval, shanghaiDateOf } from '../../policies/calendar.js';
import {
  AGENCY_NEGATIVE_LOOKBACK,
  effectiveDisclosure,
  isAdultAt,
  isBeyondAgencyLookback,
  isInsidePublicWindow,
  publicUntil,
  publicWindow,
  type Disclosure,
  type RecordWindowFacts,
  type Severity,
  type SubjectFacts,
} from '../../policies/windows.js';
import { CATALOG_TYPE_CODES, catalogRow, windowRule } from './windows.catalog.js';

/** An instant written as Asia/Shanghai wall-clock time. */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const ms = (d: Date, delta: number): Date => new Date(d.getTime() + delta);

const ORG: SubjectFacts = { kind: 'ENTERPRISE', birthDate: null };
const ADULT: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '1980-05-17' };
const MINOR: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '2012-03-03' };

interface RecordSpec {
  severity?: Severity | null;
  decidedAt: Date;
  validFrom?: Date | null;
  validUntil?: Date | null;
  disclosure?: Disclosure;
}

const facts = (spec: RecordSpec): RecordWindowFacts & { disclosure: Disclosure } => ({
  severity: spec.severity ?? null,
  decidedAt: spec.decidedAt,
  validFrom: spec.validFrom ?? null,
  validUntil: spec.validUntil ?? null,
  disclosure: spec.disclosure ?? 'PUBLIC',
});

/** Is the record (of `type`, about an organisation) inside its public window at `now`? */
const inside = (type: string, spec: RecordSpec, now: Date): boolean =>
  isInsidePublicWindow(publicWindow(windowRule(type), facts(spec)), now);

const effective = (type: string, spec: RecordSpec, subject: SubjectFacts, now: Date): Disclosure =>
  effectiveDisclosure(windowRule(type), facts(spec), subject, now);

const until = (type: string, spec: RecordSpec): Date | null =>
  publicUntil(windowRule(type), facts(spec), spec.disclosure ?? 'PUBLIC');

// SPEC §3: the loosest disclosure is PUBLIC for every type except these six
const SHARED_TYPES = ['judgment', 'contract-performance', 'tax-rating', 'credit-grade', 'social-insurance-arrears', 'tax-arrears'];
const PUBLIC_TYPES = CATALOG_TYPE_CODES.filter((t) => !SHARED_TYPES.includes(t));
const BY_VALIDITY_PUBLIC_TYPES = PUBLIC_TYPES.filter((t) => t !== 'penalty');
// SPEC D2: list-like types, and every other PUBLIC type follows the same window
const LIST_LIKE_TYPES = ['dishonest-debtor', 'abnormal-operation', 'serious-dishonesty-list', 'license', 'honor', 'qualification'];
// SPEC D5: public-for-individuals by default
const PUBLIC_FOR_INDIVIDUALS = ['dishonest-debtor', 'qualification', 'serious-dishonesty-list'];
// types whose window has no end without validUntil (no default expiry, no cap)
const OPEN_ENDED_TYPES = BY_VALIDITY_PUBLIC_TYPES.filter((t) => !['dishonest-debtor', 'serious-dishonesty-list', 'ip-infringement'].includes(t));

describe('calendar (Asia/Shanghai, PostgreSQL interval semantics)', () => {
  it('D1: parses the catalog interval texts', () => {
    expect(parseInterval('1 year')).toEqual({ months: 12, days: 0 });
    expect(parseInterval('3 years')).toEqual({ months: 36, days: 0 });
    expect(parseInterval('3 mons')).toEqual({ months: 3, days: 0 });
    expect(parseInterval('2 years 6 mons')).toEqual({ months: 30, days: 0 });
    expect(parseInterval('10 days')).toEqual({ months: 0, days: 10 });
    expect(() => parseInterval('3 fortnights')).toThrow();
  });

  it('D1: 2024-02-29T10:00+08:00 + 1 year = 2025-02-28T10:00+08:00 (day clamped to the month end)', () => {
    expect(addInterval(sh('2024-02-29T10:00:00'), '1 year').toISOString()).toBe(sh('2025-02-28T10:00:00').toISOString());
    expect(addInterval(sh('2024-02-29T10:00:00'), '4 years').toISOString()).toBe(sh('2028-02-29T10:00:00').toISOString());
  });

  it('D2: months are added on the Shanghai calendar, not the UTC one (Shanghai midnight of 29 Feb)', () => {
    // 2024-02-29T00:00+08:00 is 2024-02-28T16:00Z: on the UTC calendar + 1 year would be 2025-02-28T16:00Z = 1 March in Shanghai
    expect(addInterval(sh('2024-02-29T00:00:00'), '1 year').toISOString()).toBe(sh('2025-02-28T00:00:00').toISOString());
    expect(addInterval(sh('2024-03-31T00:30:00'), '1 mon').toISOString()).toBe(sh('2024-04-30T00:30:00').toISOString());
    expect(addInterval(sh('2024-01-31T23:59:59.999'), '1 mon').toISOString()).toBe(sh('2024-02-29T23:59:59.999').toISOString());
  });

  it('D2: days are added after months (PostgreSQL order)', () => {
    expect(addInterval(sh('2024-01-31T08:00:00'), { months: 1, days: 1 }).toISOString()).toBe(sh('2024-03-01T08:00:00').toISOString());
    expect(addInterval(sh('2023-12-31T08:00:00'), '10 days').toISOString()).toBe(sh('2024-01-10T08:00:00').toISOString());
  });

  it('D5: the Shanghai date turns at 16:00Z', () => {
    expect(shanghaiDateOf(new Date('2024-02-28T15:59:59.999Z'))).toBe('2024-02-28');
    expect(shanghaiDateOf(new Date('2024-02-28T16:00:00.000Z'))).toBe('2024-02-29');
    expect(addIntervalToDate('2008-02-29', '18 years')).toBe('2026-02-28');
    expect(addIntervalToDate('2008-06-16', '18 years')).toBe('2026-06-16');
  });
});

describe('D1: penalty windows by severity', () => {
  const decidedAt = sh('2025-03-10T09:30:00');

  it('D1: a MINOR penalty is never public — not at decidedAt, not a day later, publicUntil null', () => {
    const spec = { severity: 'MINOR' as const, decidedAt };
    expect(publicWindow(windowRule('penalty'), facts(spec)).neverPublic).toBe(true);
    for (const now of [decidedAt, ms(decidedAt, 86_400_000), sh('2025-09-01T00:00:00')]) {
      expect(inside('penalty', spec, now)).toBe(false);
      expect(effective('penalty', spec, ORG, now)).toBe('SHARED');
    }
    expect(until('penalty', spec)).toBeNull();
  });

  it('D1: a GENERAL penalty is public from decidedAt (not 1 ms before)', () => {
    const spec = { severity: 'GENERAL' as const, decidedAt };
    expect(inside('penalty', spec, ms(decidedAt, -1))).toBe(false);
    expect(inside('penalty', spec, decidedAt)).toBe(true);
  });

  it('D1: a GENERAL penalty is public for exactly one year — inside at +1y −1 ms, outside at +1y', () => {
    const spec = { severity: 'GENERAL' as const, decidedAt };
    const end = sh('2026-03-10T09:30:00');
    expect(until('penalty', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('penalty', spec, ms(end, -1))).toBe(true);
    expect(effective('penalty', spec, ORG, ms(end, -1))).toBe('PUBLIC');
    expect(inside('penalty', spec, end)).toBe(false);
    expect(effective('penalty', spec, ORG, end)).toBe('SHARED');
  });

  it('D1: a SERIOUS penalty is public for exactly three years — inside at +3y −1 ms, outside at +3y', () => {
    const spec = { severity: 'SERIOUS' as const, decidedAt };
    const end = sh('2028-03-10T09:30:00');
    expect(until('penalty', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('penalty', spec, sh('2026-03-10T09:30:00'))).toBe(true);
    expect(inside('penalty', spec, ms(end, -1))).toBe(true);
    expect(inside('penalty', spec, end)).toBe(false);
    expect(effective('penalty', spec, ORG, end)).toBe('SHARED');
  });

  it('D1: a GENERAL penalty decided 2024-02-29T10:00+08:00 ends 2025-02-28T10:00+08:00', () => {
    const spec = { severity: 'GENERAL' as const, decidedAt: sh('2024-02-29T10:00:00') };
    const end = sh('2025-02-28T10:00:00');
    expect(until('penalty', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('penalty', spec, ms(end, -1))).toBe(true);
    expect(inside('penalty', spec, end)).toBe(false);
  });

  it('D1: a SERIOUS penalty decided 2024-02-29T10:00+08:00 ends 2027-02-28T10:00+08:00', () => {
    const spec = { severity: 'SERIOUS' as const, decidedAt: sh('2024-02-29T10:00:00') };
    const end = sh('2027-02-28T10:00:00');
    expect(until('penalty', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('penalty', spec, ms(end, -1))).toBe(true);
    expect(inside('penalty', spec, end)).toBe(false);
  });

  it('D1: the penalty window ignores validFrom/validUntil (it runs from decidedAt by severity)', () => {
    const spec = { severity: 'GENERAL' as const, decidedAt, validFrom: sh('2025-06-01T00:00:00'), validUntil: sh('2025-07-01T00:00:00') };
    expect(inside('penalty', spec, decidedAt)).toBe(true);
    expect(inside('penalty', spec, sh('2025-12-01T00:00:00'))).toBe(true);
    expect(until('penalty', spec)?.toISOString()).toBe(sh('2026-03-10T09:30:00').toISOString());
  });
});

describe('D2: list-like and other PUBLIC types by validity', () => {
  it('D2: the catalog copy knows 17 types, 11 of them PUBLIC by default', () => {
    expect(CATALOG_TYPE_CODES).toHaveLength(17);
    expect(PUBLIC_TYPES).toHaveLength(11);
    for (const t of LIST_LIKE_TYPES) expect(catalogRow(t).publicityRule).toBe('BY_VALIDITY');
  });

  describe.each(BY_VALIDITY_PUBLIC_TYPES)('%s', (type) => {
    const decidedAt = sh('2025-01-31T14:00:00');
    const validFrom = sh('2025-02-28T00:00:00');
    const validUntil = sh('2026-01-31T00:00:00');

    it(`D2: ${type} is public from validFrom when set — outside at validFrom −1 ms (and at decidedAt), inside at validFrom`, () => {
      const spec = { decidedAt, validFrom, validUntil };
      expect(inside(type, spec, decidedAt)).toBe(false);
      expect(inside(type, spec, ms(validFrom, -1))).toBe(false);
      expect(inside(type, spec, validFrom)).toBe(true);
    });

    it(`D2: ${type} is public from decidedAt when validFrom is unset`, () => {
      const spec = { decidedAt, validUntil };
      expect(inside(type, spec, ms(decidedAt, -1))).toBe(false);
      expect(inside(type, spec, decidedAt)).toBe(true);
    });

    it(`D2: ${type} validUntil is exclusive — inside at validUntil −1 ms, outside at validUntil; publicUntil = validUntil`, () => {
      const spec = { decidedAt, validFrom, validUntil };
      expect(inside(type, spec, ms(validUntil, -1))).toBe(true);
      expect(effective(type, spec, ORG, ms(validUntil, -1))).toBe('PUBLIC');
      expect(inside(type, spec, validUntil)).toBe(false);
      expect(effective(type, spec, ORG, validUntil)).toBe('SHARED');
      expect(until(type, spec)?.toISOString()).toBe(validUntil.toISOString());
    });

    it(`D2: ${type} with a validUntil already before its start is never inside`, () => {
      const spec = { decidedAt, validUntil: sh('2025-01-01T00:00:00') };
      for (const now of [ms(decidedAt, -1), decidedAt, sh('2025-06-01T00:00:00')]) expect(inside(type, spec, now)).toBe(false);
    });
  });

  describe.each(OPEN_ENDED_TYPES)('%s', (type) => {
    it(`D2: ${type} without validUntil has no end (publicUntil null)`, () => {
      const spec = { decidedAt: sh('2020-02-29T00:00:00') };
      expect(until(type, spec)).toBeNull();
      expect(publicWindow(windowRule(type), facts(spec)).until).toBeNull();
      expect(inside(type, spec, sh('2070-01-01T00:00:00'))).toBe(true);
    });
  });

  it('D2: a registration with no validUntil has no end and publicUntil null', () => {
    const spec = { decidedAt: sh('2015-03-01T09:00:00') };
    expect(until('registration', spec)).toBeNull();
    expect(inside('registration', spec, sh('2015-03-01T09:00:00'))).toBe(true);
    expect(inside('registration', spec, sh('2099-12-31T23:59:59.999'))).toBe(true);
    expect(effective('registration', spec, ORG, sh('2099-12-31T23:59:59.999'))).toBe('PUBLIC');
  });

  it('D2: a dishonest-debtor without validUntil expires 2 years after listing (validFrom)', () => {
    const spec = { decidedAt: sh('2024-02-20T10:00:00'), validFrom: sh('2024-02-29T00:00:00') };
    const end = sh('2026-02-28T00:00:00');
    expect(until('dishonest-debtor', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('dishonest-debtor', spec, ms(end, -1))).toBe(true);
    expect(inside('dishonest-debtor', spec, end)).toBe(false);
  });

  it('D2: a dishonest-debtor without validUntil or validFrom expires 2 years after decidedAt', () => {
    const spec = { decidedAt: sh('2024-08-31T23:30:00') };
    const end = sh('2026-08-31T23:30:00');
    expect(until('dishonest-debtor', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('dishonest-debtor', spec, ms(end, -1))).toBe(true);
    expect(inside('dishonest-debtor', spec, end)).toBe(false);
  });

  it('D2: a dishonest-debtor with an explicit validUntil later than 2 years keeps it', () => {
    const spec = { decidedAt: sh('2024-01-15T10:00:00'), validUntil: sh('2029-01-15T10:00:00') };
    expect(until('dishonest-debtor', spec)?.toISOString()).toBe(sh('2029-01-15T10:00:00').toISOString());
    expect(inside('dishonest-debtor', spec, sh('2028-01-15T10:00:00'))).toBe(true);
  });

  it('D2: a serious-dishonesty-list entry without validUntil expires 3 years after listing', () => {
    const spec = { decidedAt: sh('2023-05-31T09:00:00'), validFrom: sh('2023-05-31T16:00:00') };
    const end = sh('2026-05-31T16:00:00');
    expect(until('serious-dishonesty-list', spec)?.toISOString()).toBe(end.toISOString());
    expect(inside('serious-dishonesty-list', spec, ms(end, -1))).toBe(true);
    expect(inside('serious-dishonesty-list', spec, end)).toBe(false);
  });

  it('D2: ip-infringement is capped at decidedAt + 3 years even with a later validUntil', () => {
    const spec = { decidedAt: sh('2023-05-31T15:00:00'), validUntil: sh('2030-01-01T00:00:00') };
    const cap = sh('2026-05-31T15:00:00');
    expect(until('ip-infringement', spec)?.toISOString()).toBe(cap.toISOString());
    expect(inside('ip-infringement', spec, ms(cap, -1))).toBe(true);
    expect(inside('ip-infringement', spec, cap)).toBe(false);
    expect(effective('ip-infringement', spec, ORG, cap)).toBe('SHARED');
  });

  it('D2: the ip-infringement cap counts from decidedAt, not from a later validFrom; without validUntil it still ends', () => {
    const spec = { decidedAt: sh('2024-02-29T00:00:00'), validFrom: sh('2024-06-01T00:00:00') };
    const cap = sh('2027-02-28T00:00:00');
    expect(until('ip-infringement', spec)?.toISOString()).toBe(cap.toISOString());
    expect(inside('ip-infringement', spec, ms(cap, -1))).toBe(true);
    expect(inside('ip-infringement', spec, cap)).toBe(false);
  });

  it('D2: an ip-infringement validUntil earlier than the cap ends the window', () => {
    const spec = { decidedAt: sh('2024-02-29T00:00:00'), validUntil: sh('2025-01-01T00:00:00') };
    expect(until('ip-infringement', spec)?.toISOString()).toBe(sh('2025-01-01T00:00:00').toISOString());
    expect(inside('ip-infringement', spec, sh('2025-01-01T00:00:00'))).toBe(false);
  });
});

describe('D3: a PUBLIC record outside its window is treated as SHARED', () => {
  const decidedAt = sh('2025-01-10T10:00:00');
  const validUntil = sh('2026-01-10T10:00:00');

  it.each(BY_VALIDITY_PUBLIC_TYPES)('D3: PUBLIC %s before, inside and after its window → SHARED, PUBLIC, SHARED', (type) => {
    const spec = { decidedAt, validUntil };
    expect(effective(type, spec, ORG, ms(decidedAt, -1))).toBe('SHARED');
    expect(effective(type, spec, ORG, decidedAt)).toBe('PUBLIC');
    expect(effective(type, spec, ORG, validUntil)).toBe('SHARED');
  });

  it.each(CATALOG_TYPE_CODES.flatMap((t) => (['SHARED', 'SUBJECT_ONLY'] as const).map((d) => [t, d] as const)))(
    'D3: %s filed %s stays that class inside and outside its window, for every subject kind',
    (type, disclosure) => {
      const spec = { severity: 'GENERAL' as const, decidedAt, validUntil, disclosure };
      for (const now of [ms(decidedAt, -1), decidedAt, ms(validUntil, -1), validUntil, sh('2040-01-01T00:00:00')]) {
        for (const subject of [ORG, ADULT, MINOR]) expect(effective(type, spec, subject, now)).toBe(disclosure);
      }
    },
  );

  it('D3: a MINOR penalty filed PUBLIC is effectively SHARED at any instant', () => {
    const spec = { severity: 'MINOR' as const, decidedAt };
    expect(effective('penalty', spec, ORG, decidedAt)).toBe('SHARED');
    expect(effective('penalty', spec, ORG, sh('2025-06-01T00:00:00'))).toBe('SHARED');
  });

  it.each(['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const)(
    'D3: organisations (%s) keep every PUBLIC type PUBLIC inside its window',
    (kind) => {
      for (const type of BY_VALIDITY_PUBLIC_TYPES) expect(effective(type, { decidedAt, validUntil }, { kind, birthDate: null }, decidedAt)).toBe('PUBLIC');
      expect(effective('penalty', { severity: 'GENERAL', decidedAt }, { kind, birthDate: null }, decidedAt)).toBe('PUBLIC');
    },
  );
});

describe('D5: records about individuals', () => {
  const decidedAt = sh('2025-01-10T10:00:00');
  const now = sh('2025-06-01T12:00:00');

  it('D5: the catalog flags exactly dishonest-debtor, qualification and serious-dishonesty-list public-for-individuals', () => {
    expect(CATALOG_TYPE_CODES.filter((t) => windowRule(t).publicForIndividuals).sort()).toEqual([...PUBLIC_FOR_INDIVIDUALS].sort());
  });

  it.each(PUBLIC_TYPES)('D5: a PUBLIC %s inside its window about an adult is PUBLIC only if the type is public-for-individuals', (type) => {
    const spec = { severity: 'GENERAL' as const, decidedAt };
    expect(effective(type, spec, ORG, now)).toBe('PUBLIC');
    expect(effective(type, spec, ADULT, now)).toBe(PUBLIC_FOR_INDIVIDUALS.includes(type) ? 'PUBLIC' : 'SHARED');
  });

  it.each(PUBLIC_TYPES)('D5: a minor has nothing public — PUBLIC %s inside its window is SHARED', (type) => {
    expect(effective(type, { severity: 'SERIOUS', decidedAt }, MINOR, now)).toBe('SHARED');
  });

  it('D5: the 18th birthday turns at Asia/Shanghai midnight — minor at 23:59:59.999, adult at 00:00', () => {
    const person: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '2008-06-16' };
    const midnight = sh('2026-06-16T00:00:00'); // = 2026-06-15T16:00:00Z
    expect(midnight.toISOString()).toBe('2026-06-15T16:00:00.000Z');
    expect(isAdultAt('2008-06-16', ms(midnight, -1))).toBe(false);
    expect(isAdultAt('2008-06-16', midnight)).toBe(true);
    const spec = { decidedAt: sh('2026-01-01T00:00:00') };
    for (const type of PUBLIC_FOR_INDIVIDUALS) {
      expect(effective(type, spec, person, ms(midnight, -1))).toBe('SHARED');
      expect(effective(type, spec, person, midnight)).toBe('PUBLIC');
    }
  });

  it('D5: a 29 February birthday comes of age on 28 February (PostgreSQL date + interval)', () => {
    const midnight = sh('2026-02-28T00:00:00');
    expect(isAdultAt('2008-02-29', ms(midnight, -1))).toBe(false);
    expect(isAdultAt('2008-02-29', midnight)).toBe(true);
    const person: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '2008-02-29' };
    expect(effective('qualification', { decidedAt: sh('2026-01-01T00:00:00') }, person, ms(midnight, -1))).toBe('SHARED');
    expect(effective('qualification', { decidedAt: sh('2026-01-01T00:00:00') }, person, midnight)).toBe('PUBLIC');
  });

  it('D5: outside its window a public-for-individuals record about an adult is SHARED (D3 still applies)', () => {
    const spec = { decidedAt, validUntil: sh('2025-03-01T00:00:00') };
    expect(effective('qualification', spec, ADULT, now)).toBe('SHARED');
  });
});

describe('publicUntil', () => {
  const decidedAt = sh('2025-01-10T10:00:00');
  const validUntil = sh('2026-01-10T10:00:00');

  it.each(CATALOG_TYPE_CODES.flatMap((t) => (['SHARED', 'SUBJECT_ONLY'] as const).map((d) => [t, d] as const)))(
    'D2: publicUntil of a %s filed %s is null (it is never public)',
    (type, disclosure) => {
      expect(until(type, { severity: 'SERIOUS', decidedAt, validUntil, disclosure })).toBeNull();
    },
  );

  it('D1: publicUntil of a MINOR penalty is null', () => {
    expect(until('penalty', { severity: 'MINOR', decidedAt })).toBeNull();
  });

  it('D6: publicUntil does not depend on the instant; effectiveDisclosure moves with it', () => {
    const spec = { decidedAt, validUntil };
    expect(until('license', spec)?.toISOString()).toBe(validUntil.toISOString());
    expect(effective('license', spec, ORG, ms(validUntil, -1))).toBe('PUBLIC');
    expect(effective('license', spec, ORG, validUntil)).toBe('SHARED');
    expect(effective('license', spec, ORG, ms(validUntil, -1))).toBe('PUBLIC');
  });
});

describe('A3: isBeyondAgencyLookback — "decided more than 5 years ago" on the Asia/Shanghai calendar', () => {
  // expectations are hand-written instants, never computed with policies/calendar.ts
  const beyond = isBeyondAgencyLookback;

  it('A3: the look-back is five calendar years', () => {
    expect(parseInterval(AGENCY_NEGATIVE_LOOKBACK)).toEqual({ months: 60, days: 0 });
  });

  it('A3: exactly 5 years after the decision is not beyond; 1 ms later is; 1 ms earlier is not', () => {
    const decidedAt = sh('2021-06-15T12:00:00');
    const fiveYears = sh('2026-06-15T12:00:00');
    expect(beyond(decidedAt, ms(fiveYears, -1))).toBe(false);
    expect(beyond(decidedAt, fiveYears)).toBe(false);
    expect(beyond(decidedAt, ms(fiveYears, 1))).toBe(true);
  });

  it('A3: 4 years after is within, 5 years and 1 day after is beyond, decades after is beyond', () => {
    const decidedAt = sh('2021-06-15T12:00:00');
    expect(beyond(decidedAt, sh('2025-06-15T12:00:00'))).toBe(false);
    expect(beyond(decidedAt, sh('2026-06-16T12:00:00'))).toBe(true);
    expect(beyond(decidedAt, sh('2060-01-01T00:00:00'))).toBe(true);
  });

  it('A3: a decision at the request instant, or after it, is not beyond', () => {
    const decidedAt = sh('2026-06-15T12:00:00');
    expect(beyond(decidedAt, decidedAt)).toBe(false);
    expect(beyond(decidedAt, sh('2026-01-01T00:00:00'))).toBe(false);
  });

  it('A3: decided 2020-02-29T10:00+08:00 — 5 years end 2025-02-28T10:00+08:00 (day clamped): not beyond at it, beyond 1 ms later', () => {
    const decidedAt = sh('2020-02-29T10:00:00');
    const end = sh('2025-02-28T10:00:00');
    expect(beyond(decidedAt, ms(end, -1))).toBe(false);
    expect(beyond(decidedAt, end)).toBe(false);
    expect(beyond(decidedAt, ms(end, 1))).toBe(true);
    expect(beyond(decidedAt, sh('2025-03-01T00:00:00'))).toBe(true);
  });

  it('A3: decided at Shanghai midnight of 2024-02-29 (2024-02-28T16:00Z) — the look-back ends at Shanghai midnight of 2029-02-28, not a UTC-calendar day later', () => {
    const decidedAt = sh('2024-02-29T00:00:00');
    expect(decidedAt.toISOString()).toBe('2024-02-28T16:00:00.000Z');
    const end = sh('2029-02-28T00:00:00');
    expect(beyond(decidedAt, end)).toBe(false);
    expect(beyond(decidedAt, ms(end, 1))).toBe(true);
    // on the UTC calendar the end would be 2029-02-28T16:00Z (= 2029-03-01T00:00+08:00); by then it is long beyond
    expect(beyond(decidedAt, sh('2029-02-28T12:00:00'))).toBe(true);
  });

  it('A3: decided 2028-02-29T15:00+08:00 — beyond from just after 2033-02-28T15:00+08:00', () => {
    const decidedAt = sh('2028-02-29T15:00:00');
    const end = sh('2033-02-28T15:00:00');
    expect(beyond(decidedAt, end)).toBe(false);
    expect(beyond(decidedAt, ms(end, 1))).toBe(true);
  });

  it('A3: decided 2019-02-28T10:00+08:00 — 5 years later is 2024-02-28 (not the leap day 29 February)', () => {
    const decidedAt = sh('2019-02-28T10:00:00');
    expect(beyond(decidedAt, sh('2024-02-28T10:00:00'))).toBe(false);
    expect(beyond(decidedAt, sh('2024-02-28T10:00:00.001'))).toBe(true);
    expect(beyond(decidedAt, sh('2024-02-29T00:00:00'))).toBe(true);
  });

  it('A3: decided 2019-03-01T00:00+08:00 — 5 years later is 2024-03-01T00:00+08:00 (after the leap day)', () => {
    const decidedAt = sh('2019-03-01T00:00:00');
    expect(beyond(decidedAt, sh('2024-02-29T23:59:59.999'))).toBe(false);
    expect(beyond(decidedAt, sh('2024-03-01T00:00:00'))).toBe(false);
    expect(beyond(decidedAt, sh('2024-03-01T00:00:00.001'))).toBe(true);
  });

  it('A3: late on a Shanghai day that is still the previous UTC day — 2021-12-31T23:30+08:00 ends 2026-12-31T23:30+08:00', () => {
    const decidedAt = sh('2021-12-31T23:30:00');
    const end = sh('2026-12-31T23:30:00');
    expect(beyond(decidedAt, end)).toBe(false);
    expect(beyond(decidedAt, ms(end, 1))).toBe(true);
  });
});

describe('D2/D5: publicUntil is null for a record the public never sees (issue 13, found by the model test)', () => {
  const adult: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '1980-05-17' };
  const untilFor = (type: string, spec: RecordSpec, subject: SubjectFacts) => publicUntil(windowRule(type), facts(spec), spec.disclosure ?? 'PUBLIC', subject);

  it('D2/D5: a registration about an adult individual (type not public for individuals) has no publicUntil; about an enterprise it has', () => {
    const spec: RecordSpec = { decidedAt: new Date('2026-06-01T12:00:00+08:00'), validUntil: new Date('2027-06-01T12:00:00+08:00') };
    expect(untilFor('registration', spec, adult)).toBeNull();
    expect(untilFor('registration', spec, { kind: 'ENTERPRISE', birthDate: null })?.toISOString()).toBe('2027-06-01T04:00:00.000Z');
    expect(untilFor('dishonest-debtor', spec, adult)?.toISOString()).toBe('2027-06-01T04:00:00.000Z');
  });

  it('D2: an empty window (validUntil equal to its start) is never public: publicUntil null', () => {
    expect(untilFor('serious-dishonesty-list', { decidedAt: new Date('2026-06-01T12:00:00+08:00'), validUntil: new Date('2026-06-01T12:00:00+08:00') }, { kind: 'ENTERPRISE', birthDate: null })).toBeNull();
  });

  it('D5: a listing whose window closes before the 18th birthday is never public; one that closes after it keeps its end', () => {
    const child: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '2025-06-01' };
    expect(untilFor('serious-dishonesty-list', { decidedAt: new Date('2026-06-01T12:00:00+08:00') }, child)).toBeNull();
    const teen: SubjectFacts = { kind: 'INDIVIDUAL', birthDate: '2008-06-16' }; // 18 on 2026-06-16, Shanghai
    expect(untilFor('serious-dishonesty-list', { decidedAt: new Date('2026-06-01T12:00:00+08:00') }, teen)?.toISOString()).toBe('2029-06-01T04:00:00.000Z');
    // the window closing exactly when the 18th birthday begins: never public
    expect(untilFor('dishonest-debtor', { decidedAt: new Date('2026-06-01T12:00:00+08:00'), validUntil: new Date('2026-06-16T00:00:00+08:00') }, teen)).toBeNull();
    expect(untilFor('dishonest-debtor', { decidedAt: new Date('2026-06-01T12:00:00+08:00'), validUntil: new Date('2026-06-16T00:00:00.001+08:00') }, teen)?.toISOString()).toBe('2026-06-15T16:00:00.001Z');
  });
});
