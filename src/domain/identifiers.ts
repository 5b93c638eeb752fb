/**
 * Subject identifiers (product spec rules I1–I5). Pure: no I/O, no clock — "today" always comes from an
 * injected `now: Date`, evaluated in Asia/Shanghai (fixed UTC+08:00, no DST).
 *
 * - I1 unified social credit code (USCC, GB 32100) for legal persons.
 * - I2 resident identity number (GB 11643) for individuals.
 * - I3 input codes are trimmed and upper-cased; a code failing I1/I2 is refused with INVALID_CODE.
 * - I4 the kind must agree with the code (KIND_MISMATCH otherwise); at registration the declared kind
 *   chooses the scheme.
 * - I5 real codes failing the checks are accepted only through a configured exception table, and flagged.
 */

export type SubjectKind = 'ENTERPRISE' | 'INDIVIDUAL' | 'PUBLIC_INSTITUTION' | 'SOCIAL_ORGANIZATION';

/** I1 charset: digits and upper-case letters without I, O, S, V, Z. value(c) = index in this string. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
/** I1 position 1 (registration authority). */
const USCC_FIRST_CHARS = '123456789ANY';

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const RESIDENT_ID_CHECK_CHARS = '10X98765432';

/** I4 built-in registration prefixes (first two characters of a USCC) and the kind they imply. */
export const ORGANISATION_PREFIX_KINDS: ReadonlyMap<string, SubjectKind> = new Map<string, SubjectKind>([
  ['12', 'PUBLIC_INSTITUTION'],
  ['51', 'SOCIAL_ORGANIZATION'],
  ['52', 'SOCIAL_ORGANIZATION'],
  ['53', 'SOCIAL_ORGANIZATION'],
  ['91', 'ENTERPRISE'],
  ['92', 'ENTERPRISE'],
  ['93', 'ENTERPRISE'],
]);

/** Fixed offset of Asia/Shanghai (no DST since 1991). */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------------------------------------------------
// I3 normalisation

/** I3: trim surrounding whitespace and upper-case (so a resident number's `x` becomes `X`). */
export function normalizeCode(raw: string): string {
  return raw.trim().toUpperCase();
}

// ---------------------------------------------------------------------------------------------------------
// I1 unified social credit code

function usccValue(c: string): number {
  // indexOf on a single character; '' and multi-char strings never come here (callers iterate characters).
  return USCC_CHARSET.indexOf(c);
}

/** I1 check character for the first 17 characters of a USCC. Throws on a wrong length or a character outside the charset. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) {
    throw new RangeError('A unified social credit code check needs exactly 17 characters.');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = usccValue(first17[i]!);
    if (v < 0) throw new RangeError('A unified social credit code contains a character outside its charset.');
    sum += v * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
}

/** I1 structure only (length, charset, position 1, positions 3–8 digits); no checksum. */
function hasUsccStructure(code: string): boolean {
  if (code.length !== 18) return false;
  if (!USCC_FIRST_CHARS.includes(code[0]!)) return false;
  for (let i = 0; i < 18; i++) {
    const c = code[i]!;
    if (usccValue(c) < 0) return false;
    if (i >= 2 && i <= 7 && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

/** I1: structure and checksum. `code` must already be normalised (see {@link normalizeCode}). */
export function isValidUscc(code: string): boolean {
  return hasUsccStructure(code) && usccCheckChar(code.slice(0, 17)) === code[17];
}

// ---------------------------------------------------------------------------------------------------------
// Dates (Asia/Shanghai)

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Year 0000 is refused: it does not exist in the Gregorian calendar (PostgreSQL refuses it too). */
function isRealDate(y: number, m: number, d: number): boolean {
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function parseIsoDate(date: string): { y: number; m: number; d: number } {
  const match = DATE_RE.exec(date);
  if (!match) throw new RangeError('A date must be written YYYY-MM-DD.');
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (!isRealDate(y, m, d)) throw new RangeError('The date is not a real calendar date.');
  return { y, m, d };
}

/** 'YYYY-MM-DD' of the instant `now` in Asia/Shanghai (UTC+08:00). Throws on an invalid Date. */
export function shanghaiDate(now: Date): string {
  const t = now.getTime();
  if (Number.isNaN(t)) throw new RangeError('The current time is not a valid date.');
  return new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Age in whole years on `onDate` (both 'YYYY-MM-DD'): the largest N with birthDate + N years ≤ onDate, where adding
 * years clamps to the end of the month like PostgreSQL's `date + interval 'N years'` — so a 29 February birthday is
 * reached on 28 February in non-leap years. Negative when onDate precedes birthDate. Throws on malformed dates.
 */
export function ageOn(birthDate: string, onDate: string): number {
  const b = parseIsoDate(birthDate);
  const o = parseIsoDate(onDate);
  let years = o.y - b.y;
  const anniversaryDay = Math.min(b.d, daysInMonth(o.y, b.m));
  if (o.m < b.m || (o.m === b.m && o.d < anniversaryDay)) years -= 1;
  return years;
}

// ---------------------------------------------------------------------------------------------------------
// I2 resident identity number

/** I2 check character for the first 17 digits of a resident identity number. Throws unless given exactly 17 digits. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new RangeError('A resident identity number check needs exactly 17 digits.');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i]!;
  return RESIDENT_ID_CHECK_CHARS[sum % 11]!;
}

/** 'YYYY-MM-DD' if positions 7–14 of `code` are digits forming a real calendar date, else null. No other check. */
export function residentIdBirthDate(code: string): string | null {
  const digits = code.slice(6, 14);
  if (!/^\d{8}$/.test(digits)) return null;
  const y = Number(digits.slice(0, 4));
  const m = Number(digits.slice(4, 6));
  const d = Number(digits.slice(6, 8));
  if (!isRealDate(y, m, d)) return null;
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/**
 * I2: 17 digits + digit-or-X, a real birth date not after today (Asia/Shanghai at `now`), and the checksum.
 * `code` must already be normalised (a lower-case `x` is refused here; {@link normalizeCode} upper-cases it).
 */
export function isValidResidentId(code: string, now: Date): boolean {
  if (!/^\d{17}[\dX]$/.test(code)) return false;
  const birth = residentIdBirthDate(code);
  if (birth === null || birth > shanghaiDate(now)) return false;
  return residentIdCheckChar(code.slice(0, 17)) === code[17];
}

/**
 * Under 18 on the Asia/Shanghai date of `now`. Only the birth date (positions 7–14) is read — validate the number
 * first. Throws a RangeError when positions 7–14 are not a real date.
 */
export function isMinorAt(residentId: string, now: Date): boolean {
  const birth = residentIdBirthDate(normalizeCode(residentId));
  if (birth === null) throw new RangeError('The resident identity number does not contain a real birth date.');
  return ageOn(birth, shanghaiDate(now)) < 18;
}

// ---------------------------------------------------------------------------------------------------------
// I3–I5 registration and lookup

export interface CodeRules {
  /** registration prefixes (first 2 chars) → kind, beyond the built-in 12/51/52/53/91/92/93; e.g. { '11': 'ENTERPRISE' } */
  extraEnterprisePrefixes: ReadonlySet<string>;
  /** I5 exception table: normalised code → the kind it was registered with */
  exceptions: ReadonlyMap<string, SubjectKind>;
}

/** No extra prefixes, no exceptions. */
export const DEFAULT_CODE_RULES: CodeRules = Object.freeze({
  extraEnterprisePrefixes: new Set<string>(),
  exceptions: new Map<string, SubjectKind>(),
});

/**
 * Convenience builder for configuration: normalises (trim + upper-case) the prefixes and exception codes so that
 * hand-written configuration matches normalised input.
 */
export function makeCodeRules(config: {
  extraEnterprisePrefixes?: Iterable<string>;
  exceptions?: Iterable<readonly [string, SubjectKind]> | Readonly<Record<string, SubjectKind>>;
}): CodeRules {
  const prefixes = new Set<string>();
  for (const p of config.extraEnterprisePrefixes ?? []) prefixes.add(normalizeCode(p));
  const exceptions = new Map<string, SubjectKind>();
  const source = config.exceptions ?? [];
  const entries: Iterable<readonly [string, SubjectKind]> =
    Symbol.iterator in source
      ? (source as Iterable<readonly [string, SubjectKind]>)
      : Object.entries(source as Readonly<Record<string, SubjectKind>>);
  for (const [code, kind] of entries) exceptions.set(normalizeCode(code), kind);
  return { extraEnterprisePrefixes: prefixes, exceptions };
}

export type CodeCheck =
  | { ok: true; code: string; kind: SubjectKind; flagged: boolean } // flagged = accepted only through the I5 exception table
  | { ok: false; code: string; reason: 'INVALID_CODE' | 'KIND_MISMATCH'; message: string };

/**
 * I4: the kind a (valid) USCC's registration prefix implies — built-in prefixes first, then the configured extra
 * enterprise prefixes; null for an unknown prefix.
 */
export function usccPrefixKind(code: string, rules: CodeRules): SubjectKind | null {
  const prefix = code.slice(0, 2);
  const builtIn = ORGANISATION_PREFIX_KINDS.get(prefix);
  if (builtIn !== undefined) return builtIn;
  return rules.extraEnterprisePrefixes.has(prefix) ? 'ENTERPRISE' : null;
}

function invalid(code: string, message: string): CodeCheck {
  return { ok: false, code, reason: 'INVALID_CODE', message };
}

function mismatch(code: string, message: string): CodeCheck {
  return { ok: false, code, reason: 'KIND_MISMATCH', message };
}

/** Registration (I3, I4, I5): the declared kind chooses the scheme; kind must agree with the prefix. */
export function checkRegistrationCode(raw: string, declaredKind: SubjectKind, rules: CodeRules, now: Date): CodeCheck {
  const code = normalizeCode(raw);

  // The normal path: the scheme chosen by the declared kind.
  let normalRefusal: CodeCheck;
  if (declaredKind === 'INDIVIDUAL') {
    if (isValidResidentId(code, now)) return { ok: true, code, kind: 'INDIVIDUAL', flagged: false };
    normalRefusal = isValidUscc(code)
      ? mismatch(code, 'The code is an organisation code, not a resident identity number.')
      : invalid(code, 'The code is not a valid resident identity number.');
  } else if (isValidUscc(code)) {
    const prefixKind = usccPrefixKind(code, rules);
    if (prefixKind === declaredKind) return { ok: true, code, kind: declaredKind, flagged: false };
    normalRefusal =
      prefixKind === null
        ? mismatch(code, 'The registration prefix of the code is not accepted for organisations.')
        : mismatch(code, 'The registration prefix of the code does not match the declared kind.');
  } else {
    normalRefusal = isValidResidentId(code, now)
      ? mismatch(code, 'The code is a resident identity number, not an organisation code.')
      : invalid(code, 'The code is not a valid unified social credit code.');
  }

  // I5: the exception table can accept a code the normal path refused, with the kind it was registered with.
  const exceptionKind = rules.exceptions.get(code);
  if (exceptionKind === undefined) return normalRefusal;
  if (exceptionKind === declaredKind) return { ok: true, code, kind: declaredKind, flagged: true };
  return mismatch(code, 'The code is listed as an exception for a different kind.');
}

/** Lookup (I3): valid under either scheme (or in the exception table). `kind` = the kind the code implies
 *  (INDIVIDUAL for a valid resident number, else the prefix's kind; for a code valid under both schemes prefer the
 *  USCC kind if its prefix is a known organisation prefix, else INDIVIDUAL). Unknown prefix with a valid checksum is still ok for lookup with kind ENTERPRISE. */
export function checkLookupCode(raw: string, rules: CodeRules, now: Date): CodeCheck {
  const code = normalizeCode(raw);
  const uscc = isValidUscc(code);
  const resident = isValidResidentId(code, now);
  const prefixKind = uscc ? usccPrefixKind(code, rules) : null;

  if (uscc && resident) return { ok: true, code, kind: prefixKind ?? 'INDIVIDUAL', flagged: false };
  if (resident) return { ok: true, code, kind: 'INDIVIDUAL', flagged: false };
  if (uscc) return { ok: true, code, kind: prefixKind ?? 'ENTERPRISE', flagged: false };

  const exceptionKind = rules.exceptions.get(code);
  if (exceptionKind !== undefined) return { ok: true, code, kind: exceptionKind, flagged: true };
  return invalid(code, LOOKUP_INVALID_MESSAGE);
}

/** I3/I5: what a lookup of a code failing both checksums answers (a listed code the caller cannot see answers the same). */
export const LOOKUP_INVALID_MESSAGE = 'The code is neither a valid unified social credit code nor a valid resident identity number.';

// ---------------------------------------------------------------------------------------------------------
// Generators (seeds and tests)

/** A few real 6-digit administrative area codes used by {@link generateUscc}. */
const SAMPLE_AREA_CODES = [
  '110000', '110105', '120000', '310000', '310115', '320500', '330100', '370200',
  '420100', '440100', '440200', '440300', '500000', '510100', '610100', '650100',
] as const;

function pick<T>(rand: () => number, items: ArrayLike<T>): T {
  const i = Math.floor(rand() * items.length);
  return items[Math.min(Math.max(i, 0), items.length - 1)]!;
}

/**
 * A valid USCC starting with `prefix2` (e.g. '91'): positions 3–8 a real 6-digit area code, 9–17 random charset
 * characters, 18 the check character. Deterministic given `rand` (floats in [0,1)). Throws when `prefix2` is not
 * two charset characters with an allowed first character.
 */
export function generateUscc(rand: () => number, prefix2: string): string {
  if (prefix2.length !== 2 || !USCC_FIRST_CHARS.includes(prefix2[0]!) || usccValue(prefix2[1]!) < 0) {
    throw new RangeError('A unified social credit code prefix must be two valid characters.');
  }
  let first17 = prefix2 + pick(rand, SAMPLE_AREA_CODES);
  for (let i = 0; i < 9; i++) first17 += pick(rand, USCC_CHARSET);
  return first17 + usccCheckChar(first17);
}

/**
 * A resident identity number born on `birthDate` ('YYYY-MM-DD') in `area` (6 digits, default '440200') with a random
 * 3-digit sequence and the check character. Deterministic given `rand`. Throws on a malformed date or area.
 */
export function generateResidentId(rand: () => number, birthDate: string, area = '440200'): string {
  if (!/^\d{6}$/.test(area)) throw new RangeError('An area code must be 6 digits.');
  const { y, m, d } = parseIsoDate(birthDate);
  let first17 = area + pad(y, 4) + pad(m, 2) + pad(d, 2);
  for (let i = 0; i < 3; i++) first17 += pick(rand, '0123456789');
  return first17 + residentIdCheckChar(first17);
}
