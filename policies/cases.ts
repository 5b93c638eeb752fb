import { caseStatementsVisible } from './records.js';
import type { Audience } from './fields.js';
import type { Viewer, ViewTier } from './viewer.js';

/**
 * Objections, repair applications, their state history (SPEC §8) and grants (§5): who reads them, what of them,
 * and under which view the reading is logged (L1). The services ask these functions and never compare roles
 * themselves.
 */

/**
 * Who is looking at a case: the subject itself, the record's source department (which resolves or decides it), or
 * oversight — the credit office's admins and the auditors, who watch deadlines and state changes but hold no power
 * over credit files (U1).
 */
export type CaseAudience = 'SELF' | 'SOURCE' | 'OVERSIGHT';

export interface CaseReading {
  audience: CaseAudience;
  /** who receives the subject code (policies/fields.ts identityNumberShown): admins as the public (U1), auditors as the log (L4) */
  codeAudience: Audience;
  /** R1: the statements are shown (subject and source department only) */
  statementsVisible: boolean;
  /** the view the disclosure is logged under (L1); null for auditors, whose readings are log work (L4) */
  loggedView: ViewTier | null;
}

/** How `viewer` reads a case about `subjectCode` on a record of `sourceOrg`; null when it may not read it at all. */
export function caseReading(viewer: Viewer, theCase: { subjectCode: string; sourceOrg: string }): CaseReading | null {
  if (viewer.role === 'subject' && viewer.subjectCode === theCase.subjectCode) {
    return { audience: 'SELF', codeAudience: 'SELF', statementsVisible: true, loggedView: 'SELF' };
  }
  if (viewer.role === 'department' && viewer.orgCode === theCase.sourceOrg) {
    const statementsVisible = caseStatementsVisible({ view: 'DEPARTMENT', orgCode: viewer.orgCode }, theCase.sourceOrg);
    return { audience: 'SOURCE', codeAudience: 'DEPARTMENT', statementsVisible, loggedView: 'DEPARTMENT' };
  }
  if (viewer.role === 'auditor') return { audience: 'OVERSIGHT', codeAudience: 'AUDIT', statementsVisible: false, loggedView: null };
  if (viewer.role === 'admin') return { audience: 'OVERSIGHT', codeAudience: 'PUBLIC', statementsVisible: false, loggedView: 'PUBLIC' };
  return null;
}

/** The case-event log (`caseEvents`) is the auditors' (L4): codes in full, as in the access log. */
export const CASE_LOG_READING: CaseReading = { audience: 'OVERSIGHT', codeAudience: 'AUDIT', statementsVisible: false, loggedView: null };

/** An officer's personal id (token `sub`) in a case's history: auditors only (L5: a subject sees the organisation). */
export function caseActorVisible(viewer: Viewer): boolean {
  return viewer.role === 'auditor';
}

export interface GrantReading {
  codeAudience: Audience;
  loggedView: ViewTier;
}

/**
 * A grant is read by the subject that gave it (SELF) and by the agency that holds it, which sees the granting
 * subject as its grant lets it (A2: an individual's identity number masked); null for anyone else.
 */
export function grantReading(viewer: Viewer, grant: { subjectCode: string; agencyCode: string }): GrantReading | null {
  if (viewer.role === 'subject' && viewer.subjectCode === grant.subjectCode) return { codeAudience: 'SELF', loggedView: 'SELF' };
  if (viewer.role === 'agency' && viewer.orgCode === grant.agencyCode) return { codeAudience: 'AGENCY', loggedView: 'AGENCY' };
  return null;
}
