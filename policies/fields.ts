import { maskPersonName, maskResidentId } from '../src/domain/masking.js';
import type { RedactionReason, ViewDecision, ViewTier } from './viewer.js';

/**
 * Field visibility and masking (SPEC §4.3 P1, P3, G1, A2, S1 and §4.4), decided here and nowhere else.
 */
export interface Redaction {
  field: string;
  reason: RedactionReason;
}

export interface SubjectFieldsIn {
  code: string;
  kind: string;
  name: string;
  status: string;
  registeredAt: string | null;
  address: string | null;
  legalRepresentative: string | null;
  legalRepresentativeId: string | null;
  codeFlagged: boolean;
}

export interface SubjectFieldsOut extends SubjectFieldsIn {
  view: ViewTier;
  redactions: Redaction[];
}

export function projectSubject(subject: SubjectFieldsIn, decision: ViewDecision): SubjectFieldsOut {
  const out: SubjectFieldsOut = { ...subject, view: decision.view, redactions: [] };
  const withhold = (field: keyof SubjectFieldsIn, reason: RedactionReason) => {
    (out as unknown as Record<string, unknown>)[field] = null;
    out.redactions.push({ field, reason });
  };
  const individual = subject.kind === 'INDIVIDUAL';
  switch (decision.view) {
    case 'PUBLIC':
      if (individual) {
        // P3: name and identity number masked; no address of a private person
        out.code = maskResidentId(subject.code);
        out.name = maskPersonName(subject.name);
        out.redactions.push({ field: 'code', reason: 'MASKED_PERSONAL_DATA' }, { field: 'name', reason: 'MASKED_PERSONAL_DATA' });
        withhold('address', 'NOT_PUBLIC');
      }
      // P1: never the legal representative's identity number (organisations; individuals have none)
      else withhold('legalRepresentativeId', 'NOT_PUBLIC');
      break;
    case 'AGENCY':
      // A2: the public view plus the name in full; identity numbers masked; a grant opens record
      // categories, not a private person's address
      if (individual) {
        out.code = maskResidentId(subject.code);
        out.redactions.push({ field: 'code', reason: 'MASKED_PERSONAL_DATA' });
        withhold('address', 'NOT_PUBLIC');
      }
      if (subject.legalRepresentativeId) {
        out.legalRepresentativeId = maskResidentId(subject.legalRepresentativeId);
        out.redactions.push({ field: 'legalRepresentativeId', reason: 'MASKED_PERSONAL_DATA' });
      }
      break;
    case 'DEPARTMENT':
    case 'SELF':
      break;
  }
  // G2 / A1: always, whether or not anything is hidden — a redaction never reveals that a record exists
  if (decision.fallbackReason) out.redactions.push({ field: 'records', reason: decision.fallbackReason });
  return out;
}

/**
 * Which records' `details` and version history a view receives: never the public's (P2); an agency only for
 * what its grant opened beyond the public view, the SHARED records (A2); departments and the subject all.
 */
export function viewSeesRecordDetails(view: ViewTier, effectiveDisclosure: string): boolean {
  if (view === 'PUBLIC') return false;
  if (view === 'AGENCY') return effectiveDisclosure === 'SHARED';
  return true;
}

const NO_REDACTIONS: readonly Redaction[] = Object.freeze([]);
const DETAILS_WITHHELD: readonly Redaction[] = Object.freeze([Object.freeze({ field: 'details', reason: 'NOT_PUBLIC' } as const)]);

/** The redactions of a record in one view (shared, frozen: one pair of arrays for every record of every page). */
export function recordRedactions(view: ViewTier, effectiveDisclosure: string): readonly Redaction[] {
  return viewSeesRecordDetails(view, effectiveDisclosure) ? NO_REDACTIONS : DETAILS_WITHHELD;
}

/**
 * Who is looking at an objection or a repair application (SPEC §8): the subject itself, the record's source
 * department (which resolves or decides it), or oversight (the credit office's admins and auditors, who watch
 * deadlines and state changes but hold no power over credit files, U1).
 */
export type CaseAudience = 'SELF' | 'SOURCE' | 'OVERSIGHT';

export interface CaseFieldRules {
  /** an individual's identity number is masked (U1: oversight sees subjects as the public does) */
  maskSubjectCode: boolean;
  /** the statements (objection reason, department note, commitment, evidence) are withheld */
  withholdTexts: boolean;
}

export function caseFieldRules(audience: CaseAudience, subjectKind: string): CaseFieldRules {
  return { maskSubjectCode: audience === 'OVERSIGHT' && subjectKind === 'INDIVIDUAL', withholdTexts: audience === 'OVERSIGHT' };
}

/** An officer's personal id (token `sub`) in a case's history: auditors only (L5: a subject sees the organisation). */
export function caseActorVisible(role: string): boolean {
  return role === 'auditor';
}
