import { randomInt } from 'node:crypto';

/**
 * Valid subject codes for the model's worlds, from SPEC I1 and I2 (independent of src/domain/identifiers.ts).
 * Every call draws fresh random digits, so worlds applied again (fast-check runs and shrinks) never collide with
 * subjects an earlier run registered in the same database.
 */
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

const digits = (n: number) => Array.from({ length: n }, () => String(randomInt(10))).join('');

/** I1: 18 characters; `prefix` (registration authority + kind, e.g. `91`), 6 digits, 9 code characters, check. */
export function newUscc(prefix: string): string {
  const organisationCode = Array.from({ length: 9 }, () => USCC_CHARSET[randomInt(USCC_CHARSET.length)]).join('');
  const first17 = `${prefix}${digits(6)}${organisationCode}`;
  const sum = [...first17].reduce((acc, c, i) => acc + USCC_CHARSET.indexOf(c) * USCC_WEIGHTS[i], 0);
  return first17 + USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** I2: 6-digit area, the birth date YYYYMMDD, 3-digit sequence, check character. */
export function newResidentId(birthDate: string): string {
  const first17 = `${String(1 + randomInt(6))}${digits(5)}${birthDate.replace(/-/g, '')}${digits(3)}`;
  const sum = [...first17].reduce((acc, c, i) => acc + Number(c) * RESIDENT_WEIGHTS[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** I4 registration prefixes per organisation kind. */
export const USCC_PREFIXES = {
  ENTERPRISE: ['91', '92', '93'],
  PUBLIC_INSTITUTION: ['12'],
  SOCIAL_ORGANIZATION: ['51', '52', '53'],
} as const;
