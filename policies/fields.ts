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

/**
 * Who receives a subject's data on any path: one of the four view tiers (§4.3), or AUDIT — auditors reading the
 * access log and the oversight lists (L4: the log keeps every subject code in full, and auditors read it).
 */
export type Audience = ViewTier | 'AUDIT';

/**
 * §4.4, P3, A2, U1, L4: an individual's identity number is shown in full only to the subject itself, to
 * departments with a purpose and to auditors; the public, agencies and admins get it masked. One rule for every
 * path that carries a subject code (subjects, cases, case events, grants).
 */
export function identityNumberShown(audience: Audience, subjectKind: string): boolean {
  return subjectKind !== 'INDIVIDUAL' || audience === 'SELF' || audience === 'DEPARTMENT' || audience === 'AUDIT';
}

/** A subject code as `audience` may receive it, with the redaction that names a mask. */
export function presentSubjectCode(code: string, subjectKind: string, audience: Audience): { code: string; redactions: Redaction[] } {
  return identityNumberShown(audience, subjectKind)
    ? { code, redactions: [] }
    : { code: maskResidentId(code), redactions: [{ field: 'subjectCode', reason: 'MASKED_PERSONAL_DATA' }] };
}

export function projectSubject(subject: SubjectFieldsIn, decision: ViewDecision): SubjectFieldsOut {
  // one literal of a fixed shape, not `{ ...subject, view, … }`: on Node 20 (V8 11.3) an object made by a spread and
  // then given more properties gets a hidden class of its own, allocated in the old generation, and keeps the young
  // objects it points to alive through every minor GC (bench/RESULTS.md 4g)
  const out: SubjectFieldsOut = {
    code: subject.code, kind: subject.kind, name: subject.name, status: subject.status, registeredAt: subject.registeredAt,
    address: subject.address, legalRepresentative: subject.legalRepresentative, legalRepresentativeId: subject.legalRepresentativeId,
    codeFlagged: subject.codeFlagged, view: decision.view, redactions: [],
  };
  const withhold = (field: keyof SubjectFieldsIn, reason: RedactionReason) => {
    (out as unknown as Record<string, unknown>)[field] = null;
    out.redactions.push({ field, reason });
  };
  const individual = subject.kind === 'INDIVIDUAL';
  const codeShown = identityNumberShown(decision.view, subject.kind);
  switch (decision.view) {
    case 'PUBLIC':
      if (!codeShown) {
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
      if (!codeShown) {
        out.code = maskResidentId(subject.code);
        out.redactions.push({ field: 'code', reason: 'MASKED_PERSONAL_DATA' });
      }
      if (individual) withhold('address', 'NOT_PUBLIC');
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
