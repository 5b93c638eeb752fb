/** Purposes (查询事由, SPEC §5): which kinds each role may state. Data, not code paths. */
export const DEPARTMENT_PURPOSES = [
  'LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING', 'SUPERVISION', 'LAW_ENFORCEMENT',
  'JUDICIAL',
] as const;
export const AGENCY_PURPOSES = ['CREDIT_REPORT', 'LENDING', 'LEASING', 'CONTRACTING', 'EMPLOYMENT_SCREENING'] as const;
export const PURPOSE_KINDS = [...DEPARTMENT_PURPOSES, ...AGENCY_PURPOSES] as const;
export type PurposeKind = (typeof PURPOSE_KINDS)[number];

export const PURPOSE_REFERENCE_MAX_LENGTH = 64;

export type Role = 'public' | 'department' | 'agency' | 'subject' | 'auditor' | 'admin' | 'exchange';

export function allowedPurposes(role: Role): readonly PurposeKind[] {
  if (role === 'department') return DEPARTMENT_PURPOSES;
  if (role === 'agency') return AGENCY_PURPOSES;
  return [];
}

export interface Purpose {
  kind: PurposeKind;
  reference: string;
}

export type PurposeCheck =
  | { ok: true; purpose: Purpose }
  | { ok: false; reason: 'PURPOSE_NOT_ALLOWED' | 'INVALID_PURPOSE_REFERENCE'; message: string };

/** §5: the kind must be one of the caller's; the reference (case or application number) is 1–64 characters. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function checkPurpose(role: Role, purpose: { kind: string; reference: string }): PurposeCheck {
  if (!(allowedPurposes(role) as readonly string[]).includes(purpose.kind)) {
    return {
      ok: false,
      reason: 'PURPOSE_NOT_ALLOWED',
      message: `Purpose ${purpose.kind} is not one a ${role} caller may state.`,
    };
  }
  const reference = purpose.reference.trim();
  const characters = [...reference].length; // code points, not UTF-16 units
  if (characters < 1 || characters > PURPOSE_REFERENCE_MAX_LENGTH) {
    return {
      ok: false,
      reason: 'INVALID_PURPOSE_REFERENCE',
      message: `A purpose reference is 1 to ${PURPOSE_REFERENCE_MAX_LENGTH} characters.`,
    };
  }
  // a case or application number is printable text: no control characters (NUL breaks PostgreSQL text), no unpaired
  // surrogates (no valid UTF-8) — it is stored in every access event and shown in the subject's receipts (L5)
  if (/[\u0000-\u001f\u007f]/.test(reference) || UNPAIRED_SURROGATE.test(reference)) {
    return {
      ok: false,
      reason: 'INVALID_PURPOSE_REFERENCE',
      message: 'A purpose reference may not contain control characters or malformed Unicode.',
    };
  }
  return { ok: true, purpose: { kind: purpose.kind as PurposeKind, reference } };
}
