import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CODE_RULES,
  USCC_CHARSET,
  ageOn,
  checkLookupCode,
  checkRegistrationCode,
  generateResidentId,
  generateUscc,
  isMinorAt,
  isValidResidentId,
  isValidUscc,
  makeCodeRules,
  normalizeCode,
  residentIdBirthDate,
  residentIdCheckChar,
  shanghaiDate,
  usccCheckChar,
  type CodeRules,
  type SubjectKind,
} from '../../src/domain/identifiers.js';
import { mulberry32 } from '../support/random.js';

/** 2026-03-15 12:00 in Asia/Shanghai. */
const NOW = new Date('2026-03-15T04:00:00Z');
const RESIDENT_CHARSET = '0123456789X';

function rules(extra: string[] = [], exceptions: [string, SubjectKind][] = []): CodeRules {
  return { extraEnterprisePrefixes: new Set(extra), exceptions: new Map(exceptions) };
}

/** A random real date between 1930-01-01 and 2020-12-31. */
function randomBirthDate(rand: () => number): string {
  const start = Date.UTC(1930, 0, 1);
  const end = Date.UTC(2020, 11, 31);
  return new Date(start + Math.floor(rand() * ((end - start) / 86_400_000 + 1)) * 86_400_000).toISOString().slice(0, 10);
}

/** Deterministically search for a resident number (born on `birthDate` in `area`) that also passes the I1 checksum. */
function residentIdAlsoValidUscc(seed: number, birthDate: string, area?: string): string {
  const rand = mulberry32(seed);
  for (let i = 0; i < 10_000; i++) {
    const id = generateResidentId(rand, birthDate, area);
    if (isValidUscc(id)) return id;
  }
  throw new Error('no resident number passing the I1 checksum found');
}

function singleCharacterChanges(code: string, charset: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < code.length; i++) {
    for (const c of charset) {
      if (c !== code[i]) out.push(code.slice(0, i) + c + code.slice(i + 1));
    }
  }
  return out;
}

describe('I1 unified social credit code', () => {
  it.each(['91110000600037341L', '121200004013590816', '9144030071526726XG'])(
    'I1: %s is a valid unified social credit code',
    (code) => {
      expect(isValidUscc(code)).toBe(true);
      expect(usccCheckChar(code.slice(0, 17))).toBe(code[17]);
    },
  );

  it('I1: 91110000600037341N is refused (checksum; the check character should be L)', () => {
    expect(isValidUscc('91110000600037341N')).toBe(false);
    expect(usccCheckChar('91110000600037341')).toBe('L');
  });

  it('I1: 9111000060003IOZSV is refused (I, O, S, V, Z are outside the charset)', () => {
    expect(isValidUscc('9111000060003IOZSV')).toBe(false);
    for (const c of 'IOSVZ') expect(USCC_CHARSET.includes(c)).toBe(false);
  });

  it('I1: the charset is 0-9 and A-Z without I O S V Z (31 characters)', () => {
    expect(USCC_CHARSET).toBe('0123456789ABCDEFGHJKLMNPQRTUWXY');
    expect(USCC_CHARSET.length).toBe(31);
  });

  it('I1: usccCheckChar throws on a wrong length or a character outside the charset', () => {
    expect(() => usccCheckChar('9111000060003734')).toThrow(RangeError);
    expect(() => usccCheckChar('911100006000373411')).toThrow(RangeError);
    expect(() => usccCheckChar('9111000060003IOZS')).toThrow(RangeError);
  });

  it('I1: position 1 must be 1-9, A, N or Y', () => {
    for (const first of USCC_CHARSET) {
      const first17 = `${first}1110000600037341`;
      const code = first17 + usccCheckChar(first17);
      expect(isValidUscc(code)).toBe('123456789ANY'.includes(first));
    }
  });

  it('I1: positions 3-8 must be digits', () => {
    const first17 = '91A10000600037341';
    expect(isValidUscc(first17 + usccCheckChar(first17))).toBe(false);
    const first17b = '9111000A600037341';
    expect(isValidUscc(first17b + usccCheckChar(first17b))).toBe(false);
  });

  it('I1: wrong lengths are refused', () => {
    expect(isValidUscc('')).toBe(false);
    expect(isValidUscc('91110000600037341')).toBe(false);
    expect(isValidUscc('91110000600037341L0')).toBe(false);
  });

  it('I1: 500 generated codes are valid and every single-character change of 50 of them is refused', () => {
    const rand = mulberry32(20260315);
    const prefixes = ['12', '51', '52', '53', '91', '92', '93', 'Y1', 'A1', 'N2'];
    const codes: string[] = [];
    for (let i = 0; i < 500; i++) codes.push(generateUscc(rand, prefixes[i % prefixes.length]!));
    for (const code of codes) expect(isValidUscc(code), code).toBe(true);
    let changes = 0;
    for (const code of codes.slice(0, 50)) {
      for (const changed of singleCharacterChanges(code, USCC_CHARSET)) {
        changes++;
        if (isValidUscc(changed)) expect.fail(`${changed} (from ${code}) should be refused`);
      }
    }
    expect(changes).toBe(50 * 18 * 30);
  });

  it('I1: generateUscc is deterministic given rand and keeps the prefix', () => {
    const a = generateUscc(mulberry32(7), '92');
    const b = generateUscc(mulberry32(7), '92');
    expect(a).toBe(b);
    expect(a.startsWith('92')).toBe(true);
    expect(a).toMatch(/^92\d{6}/);
    expect(() => generateUscc(mulberry32(7), '9')).toThrow(RangeError);
    expect(() => generateUscc(mulberry32(7), 'Z1')).toThrow(RangeError);
  });
});

describe('I2 resident identity number', () => {
  it('I2: 11010519491231002X is a valid resident identity number', () => {
    expect(isValidResidentId('11010519491231002X', NOW)).toBe(true);
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdBirthDate('11010519491231002X')).toBe('1949-12-31');
  });

  it('I2: 36042619910102009X is refused (checksum; the check character should be 3)', () => {
    expect(isValidResidentId('36042619910102009X', NOW)).toBe(false);
    expect(residentIdCheckChar('36042619910102009')).toBe('3');
  });

  it('I2: 360426199113010079 is refused (month 13 is not a real date, although the checksum matches)', () => {
    expect(residentIdCheckChar('36042619911301007')).toBe('9');
    expect(residentIdBirthDate('360426199113010079')).toBeNull();
    expect(isValidResidentId('360426199113010079', NOW)).toBe(false);
  });

  it('I2: the birth date must be a real calendar date (29 Feb only in leap years, no year 0000)', () => {
    expect(residentIdBirthDate('440200200002290000')).toBe('2000-02-29');
    expect(residentIdBirthDate('440200190002290000')).toBeNull();
    expect(residentIdBirthDate('440200202302290000')).toBeNull();
    expect(residentIdBirthDate('440200199904310000')).toBeNull();
    expect(residentIdBirthDate('440200199900010000')).toBeNull();
    expect(residentIdBirthDate('440200000001010000')).toBeNull();
    expect(residentIdBirthDate('4402001999A1010000')).toBeNull();
    expect(residentIdBirthDate('44020019')).toBeNull();
  });

  it('I2: a birth date after today (Asia/Shanghai) is refused; today itself is accepted', () => {
    const rand = mulberry32(1);
    const tomorrow = generateResidentId(rand, '2026-03-16');
    const today = generateResidentId(rand, '2026-03-15');
    expect(isValidResidentId(tomorrow, NOW)).toBe(false);
    expect(isValidResidentId(today, NOW)).toBe(true);
    // 2026-03-14T16:00:00Z is already 2026-03-15 in Shanghai; one second earlier it is still the 14th.
    expect(isValidResidentId(today, new Date('2026-03-14T16:00:00Z'))).toBe(true);
    expect(isValidResidentId(today, new Date('2026-03-14T15:59:59Z'))).toBe(false);
    const check = checkRegistrationCode(tomorrow, 'INDIVIDUAL', DEFAULT_CODE_RULES, NOW);
    expect(check).toMatchObject({ ok: false, reason: 'INVALID_CODE' });
    expect(checkLookupCode(tomorrow, DEFAULT_CODE_RULES, NOW)).toMatchObject({ ok: false, reason: 'INVALID_CODE' });
  });

  it('I2: only digits, with X allowed as the check character alone', () => {
    expect(isValidResidentId('11010519491231002x', NOW)).toBe(false); // not normalised
    expect(isValidResidentId('1101051949123100X2', NOW)).toBe(false);
    expect(isValidResidentId('11010519491231002', NOW)).toBe(false);
    expect(() => residentIdCheckChar('1101051949123100X')).toThrow(RangeError);
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
  });

  it('I2: 500 generated numbers are valid and every single-character change of 50 of them is refused', () => {
    const rand = mulberry32(11643);
    const areas = ['440200', '110105', '360426', '510100', '650100'];
    const ids: string[] = [];
    for (let i = 0; i < 500; i++) ids.push(generateResidentId(rand, randomBirthDate(rand), areas[i % areas.length]));
    for (const id of ids) expect(isValidResidentId(id, NOW), id).toBe(true);
    let changes = 0;
    for (const id of ids.slice(0, 50)) {
      for (const changed of singleCharacterChanges(id, RESIDENT_CHARSET)) {
        changes++;
        if (isValidResidentId(changed, NOW)) expect.fail(`${changed} (from ${id}) should be refused`);
      }
    }
    expect(changes).toBe(50 * 18 * 10);
  });

  it('I2: generateResidentId is deterministic, uses the birth date and defaults the area to 440200', () => {
    const a = generateResidentId(mulberry32(3), '1990-05-17');
    expect(a).toBe(generateResidentId(mulberry32(3), '1990-05-17'));
    expect(a.slice(0, 14)).toBe('44020019900517');
    expect(generateResidentId(mulberry32(3), '1990-05-17', '110105').slice(0, 6)).toBe('110105');
    expect(() => generateResidentId(mulberry32(3), '1990-02-30')).toThrow(RangeError);
    expect(() => generateResidentId(mulberry32(3), '1990-05-17', '1101')).toThrow(RangeError);
  });
});

describe('Asia/Shanghai dates and ages', () => {
  it('I2: shanghaiDate is the UTC+08:00 calendar date of the instant', () => {
    expect(shanghaiDate(new Date('2026-03-14T15:59:59.999Z'))).toBe('2026-03-14');
    expect(shanghaiDate(new Date('2026-03-14T16:00:00Z'))).toBe('2026-03-15');
    expect(shanghaiDate(new Date('2025-12-31T16:00:00Z'))).toBe('2026-01-01');
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow(RangeError);
  });

  it('I2: ageOn counts whole years; the day before the birthday is one year less', () => {
    expect(ageOn('2008-03-15', '2026-03-14')).toBe(17);
    expect(ageOn('2008-03-15', '2026-03-15')).toBe(18);
    expect(ageOn('2008-03-15', '2026-12-31')).toBe(18);
    expect(ageOn('2008-03-15', '2008-03-15')).toBe(0);
    expect(ageOn('1949-12-31', '2026-03-15')).toBe(76);
    expect(() => ageOn('2008-02-30', '2026-03-15')).toThrow(RangeError);
    expect(() => ageOn('2008-3-15', '2026-03-15')).toThrow(RangeError);
  });

  it('I2: a 29 Feb birthday is reached on 28 Feb in non-leap years and on 29 Feb in leap years', () => {
    expect(ageOn('2008-02-29', '2026-02-27')).toBe(17);
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(18);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2004-02-29', '2024-02-28')).toBe(19);
    expect(ageOn('2004-02-29', '2024-02-29')).toBe(20);
  });

  it('I2: isMinorAt flips at midnight Asia/Shanghai on the 18th birthday', () => {
    const id = generateResidentId(mulberry32(18), '2008-03-15');
    expect(isMinorAt(id, new Date('2026-03-14T15:59:59Z'))).toBe(true); // 2026-03-14 23:59:59 in Shanghai
    expect(isMinorAt(id, new Date('2026-03-14T16:00:00Z'))).toBe(false); // 2026-03-15 00:00:00 in Shanghai
  });

  it('I2: isMinorAt for a 29 Feb birthday turns adult on 28 Feb of a non-leap year', () => {
    const id = generateResidentId(mulberry32(29), '2008-02-29');
    expect(isMinorAt(id, new Date('2026-02-27T15:59:59Z'))).toBe(true);
    expect(isMinorAt(id, new Date('2026-02-27T16:00:00Z'))).toBe(false);
  });

  it('I2: isMinorAt throws when the number has no real birth date', () => {
    expect(() => isMinorAt('360426199113010079', NOW)).toThrow(RangeError);
  });
});

describe('I3 normalisation', () => {
  it('I3: normalizeCode trims and upper-cases', () => {
    expect(normalizeCode(' 11010519491231002x ')).toBe('11010519491231002X');
    expect(normalizeCode('\t9144030071526726xg\n')).toBe('9144030071526726XG');
  });

  it("I3: ' 11010519491231002x ' registers and looks up as 11010519491231002X", () => {
    expect(checkRegistrationCode(' 11010519491231002x ', 'INDIVIDUAL', DEFAULT_CODE_RULES, NOW)).toEqual({
      ok: true,
      code: '11010519491231002X',
      kind: 'INDIVIDUAL',
      flagged: false,
    });
    expect(checkLookupCode(' 11010519491231002x ', DEFAULT_CODE_RULES, NOW)).toEqual({
      ok: true,
      code: '11010519491231002X',
      kind: 'INDIVIDUAL',
      flagged: false,
    });
  });

  it("I3: ' 9144030071526726xg ' registers as the enterprise 9144030071526726XG", () => {
    expect(checkRegistrationCode(' 9144030071526726xg ', 'ENTERPRISE', DEFAULT_CODE_RULES, NOW)).toEqual({
      ok: true,
      code: '9144030071526726XG',
      kind: 'ENTERPRISE',
      flagged: false,
    });
  });

  it('I3: codes failing I1/I2 are refused with INVALID_CODE (registration and lookup)', () => {
    const cases: [string, SubjectKind][] = [
      ['91110000600037341N', 'ENTERPRISE'],
      ['9111000060003IOZSV', 'ENTERPRISE'],
      ['36042619910102009X', 'INDIVIDUAL'],
      ['360426199113010079', 'INDIVIDUAL'],
      ['', 'ENTERPRISE'],
      ['not a code', 'INDIVIDUAL'],
    ];
    for (const [code, kind] of cases) {
      const reg = checkRegistrationCode(code, kind, DEFAULT_CODE_RULES, NOW);
      expect(reg, code).toMatchObject({ ok: false, reason: 'INVALID_CODE' });
      const look = checkLookupCode(code, DEFAULT_CODE_RULES, NOW);
      expect(look, code).toMatchObject({ ok: false, reason: 'INVALID_CODE' });
    }
  });

  it('I3: refusal messages are short English sentences', () => {
    const reg = checkRegistrationCode('91110000600037341N', 'ENTERPRISE', DEFAULT_CODE_RULES, NOW);
    if (reg.ok) expect.fail('should be refused');
    expect(reg.message).toMatch(/^[A-Z][^\n]{5,120}\.$/);
    expect(reg.code).toBe('91110000600037341N');
  });
});

describe('I4 kind agrees with the code', () => {
  const prefixKinds: [string, SubjectKind][] = [
    ['12', 'PUBLIC_INSTITUTION'],
    ['51', 'SOCIAL_ORGANIZATION'],
    ['52', 'SOCIAL_ORGANIZATION'],
    ['53', 'SOCIAL_ORGANIZATION'],
    ['91', 'ENTERPRISE'],
    ['92', 'ENTERPRISE'],
    ['93', 'ENTERPRISE'],
  ];

  it.each(prefixKinds)('I4: prefix %s registers and looks up as %s', (prefix, kind) => {
    const code = generateUscc(mulberry32(Number(prefix)), prefix);
    expect(checkRegistrationCode(code, kind, DEFAULT_CODE_RULES, NOW)).toEqual({ ok: true, code, kind, flagged: false });
    expect(checkLookupCode(code, DEFAULT_CODE_RULES, NOW)).toEqual({ ok: true, code, kind, flagged: false });
    for (const other of ['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION', 'INDIVIDUAL'] as const) {
      if (other === kind) continue;
      expect(checkRegistrationCode(code, other, DEFAULT_CODE_RULES, NOW), other).toMatchObject({
        ok: false,
        reason: 'KIND_MISMATCH',
      });
    }
  });

  it('I4: 121200004013590816 is a public institution', () => {
    expect(checkLookupCode('121200004013590816', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: true,
      kind: 'PUBLIC_INSTITUTION',
    });
  });

  it('I4: 91110000600037341L registered as PUBLIC_INSTITUTION is refused with KIND_MISMATCH', () => {
    expect(checkRegistrationCode('91110000600037341L', 'PUBLIC_INSTITUTION', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: false,
      code: '91110000600037341L',
      reason: 'KIND_MISMATCH',
    });
  });

  it('I4: an unknown prefix is refused at registration unless listed in extraEnterprisePrefixes', () => {
    const code = generateUscc(mulberry32(11), '11');
    expect(isValidUscc(code)).toBe(true);
    expect(checkRegistrationCode(code, 'ENTERPRISE', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: false,
      reason: 'KIND_MISMATCH',
    });
    const configured = makeCodeRules({ extraEnterprisePrefixes: ['11'] });
    expect(checkRegistrationCode(code, 'ENTERPRISE', configured, NOW)).toEqual({
      ok: true,
      code,
      kind: 'ENTERPRISE',
      flagged: false,
    });
    expect(checkRegistrationCode(code, 'PUBLIC_INSTITUTION', configured, NOW)).toMatchObject({
      ok: false,
      reason: 'KIND_MISMATCH',
    });
  });

  it('I4: an extra enterprise prefix does not override a built-in prefix', () => {
    const code = generateUscc(mulberry32(12), '12');
    const configured = rules(['12']);
    expect(checkRegistrationCode(code, 'ENTERPRISE', configured, NOW)).toMatchObject({ ok: false, reason: 'KIND_MISMATCH' });
    expect(checkRegistrationCode(code, 'PUBLIC_INSTITUTION', configured, NOW)).toMatchObject({ ok: true });
  });

  it('I4: an unknown prefix with a valid checksum is still ok for lookup, as ENTERPRISE', () => {
    for (const prefix of ['11', 'Y1', 'A1', '31']) {
      const code = generateUscc(mulberry32(prefix.charCodeAt(0)), prefix);
      expect(checkLookupCode(code, DEFAULT_CODE_RULES, NOW), code).toEqual({
        ok: true,
        code,
        kind: 'ENTERPRISE',
        flagged: false,
      });
    }
  });

  it('I4: a resident number that also passes the I1 checksum still registers as INDIVIDUAL', () => {
    const id = residentIdAlsoValidUscc(1, '1990-05-17');
    expect(id.slice(0, 2)).toBe('44');
    expect(isValidUscc(id)).toBe(true);
    expect(isValidResidentId(id, NOW)).toBe(true);
    expect(checkRegistrationCode(id, 'INDIVIDUAL', DEFAULT_CODE_RULES, NOW)).toEqual({
      ok: true,
      code: id,
      kind: 'INDIVIDUAL',
      flagged: false,
    });
  });

  it('I4: a resident number that also passes the I1 checksum is refused as ENTERPRISE when its prefix is not an organisation prefix', () => {
    const id = residentIdAlsoValidUscc(1, '1990-05-17');
    expect(checkRegistrationCode(id, 'ENTERPRISE', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: false,
      code: id,
      reason: 'KIND_MISMATCH',
    });
    // Lookup: valid under both schemes, prefix 44 is not an organisation prefix → INDIVIDUAL.
    expect(checkLookupCode(id, DEFAULT_CODE_RULES, NOW)).toEqual({ ok: true, code: id, kind: 'INDIVIDUAL', flagged: false });
  });

  it('I4: lookup of a code valid under both schemes prefers the USCC kind for an organisation prefix', () => {
    // 51 is both a social-organisation prefix and the Sichuan area code.
    const id = residentIdAlsoValidUscc(2, '1985-07-01', '510100');
    expect(checkLookupCode(id, DEFAULT_CODE_RULES, NOW)).toMatchObject({ ok: true, kind: 'SOCIAL_ORGANIZATION' });
    expect(checkRegistrationCode(id, 'INDIVIDUAL', DEFAULT_CODE_RULES, NOW)).toMatchObject({ ok: true, kind: 'INDIVIDUAL' });
  });

  it('I4: a resident number registered as an organisation, or a USCC registered as INDIVIDUAL, is a KIND_MISMATCH', () => {
    expect(isValidUscc('11010519491231002X')).toBe(false);
    expect(checkRegistrationCode('11010519491231002X', 'ENTERPRISE', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: false,
      reason: 'KIND_MISMATCH',
    });
    expect(checkRegistrationCode('91110000600037341L', 'INDIVIDUAL', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: false,
      reason: 'KIND_MISMATCH',
    });
  });
});

describe('I5 exception table', () => {
  const pilot = '91110000600037341N'; // fails the I1 checksum

  it('I5: an invalid-checksum code is refused when not listed', () => {
    expect(checkRegistrationCode(pilot, 'ENTERPRISE', DEFAULT_CODE_RULES, NOW)).toMatchObject({
      ok: false,
      reason: 'INVALID_CODE',
    });
    expect(checkLookupCode(pilot, rules([], [['91110000600037341L', 'ENTERPRISE']]), NOW)).toMatchObject({
      ok: false,
      reason: 'INVALID_CODE',
    });
  });

  it('I5: an invalid-checksum code listed in the exception table is accepted and flagged', () => {
    const configured = rules([], [[pilot, 'ENTERPRISE']]);
    expect(checkRegistrationCode(pilot, 'ENTERPRISE', configured, NOW)).toEqual({
      ok: true,
      code: pilot,
      kind: 'ENTERPRISE',
      flagged: true,
    });
    expect(checkLookupCode(` ${pilot.toLowerCase()} `, configured, NOW)).toEqual({
      ok: true,
      code: pilot,
      kind: 'ENTERPRISE',
      flagged: true,
    });
  });

  it('I5: a listed code registered with a different kind than listed is a KIND_MISMATCH', () => {
    const configured = rules([], [[pilot, 'ENTERPRISE']]);
    expect(checkRegistrationCode(pilot, 'PUBLIC_INSTITUTION', configured, NOW)).toMatchObject({
      ok: false,
      reason: 'KIND_MISMATCH',
    });
  });

  it('I5: an invalid-checksum resident number listed as INDIVIDUAL is accepted and flagged', () => {
    const configured = makeCodeRules({ exceptions: { '36042619910102009x': 'INDIVIDUAL' } });
    expect(checkRegistrationCode('36042619910102009X', 'INDIVIDUAL', configured, NOW)).toEqual({
      ok: true,
      code: '36042619910102009X',
      kind: 'INDIVIDUAL',
      flagged: true,
    });
    expect(checkLookupCode('36042619910102009X', configured, NOW)).toMatchObject({ ok: true, kind: 'INDIVIDUAL', flagged: true });
  });

  it('I5: valid codes are never flagged, even when the exception table is not empty', () => {
    const configured = rules([], [[pilot, 'ENTERPRISE']]);
    expect(checkRegistrationCode('91110000600037341L', 'ENTERPRISE', configured, NOW)).toMatchObject({
      ok: true,
      flagged: false,
    });
    expect(checkLookupCode('11010519491231002X', configured, NOW)).toMatchObject({ ok: true, flagged: false });
  });

  it('I5: DEFAULT_CODE_RULES has no extra prefixes and no exceptions', () => {
    expect(DEFAULT_CODE_RULES.extraEnterprisePrefixes.size).toBe(0);
    expect(DEFAULT_CODE_RULES.exceptions.size).toBe(0);
  });
});
