import type { Purpose, Role } from './purposes.js';

/** Who is asking, from the verified token (SPEC §10.2). */
export interface Viewer {
  role: Role;
  /** token `sub` (the officer or user id); null for the public */
  actor: string | null;
  orgCode: string | null;
  /** role subject: the subject's own code */
  subjectCode: string | null;
}

export const PUBLIC_VIEWER: Viewer = { role: 'public', actor: null, orgCode: null, subjectCode: null };

export type ViewTier = 'PUBLIC' | 'DEPARTMENT' | 'AGENCY' | 'SELF';
export type RedactionReason = 'MASKED_PERSONAL_DATA' | 'PURPOSE_REQUIRED' | 'GRANT_REQUIRED' | 'NOT_PUBLIC';

/** What a viewer, having stated a purpose (or not), is entitled to for one request. */
export interface Standing {
  viewer: Viewer;
  purpose: Purpose | null;
  /** grants the agency holds for this purpose, active now (SPEC §5); empty for everyone else */
  grants: readonly ActiveGrant[];
}

export interface ActiveGrant {
  id: string;
  subjectCode: string;
  categories: readonly string[];
}

export interface ViewDecision {
  view: ViewTier;
  /** the fallback of G2 / A1: the subject carries `{ field: 'records', reason }` */
  fallbackReason: 'PURPOSE_REQUIRED' | 'GRANT_REQUIRED' | null;
  grantId: string | null;
}

/** The view (tier) a subject is disclosed under (SPEC §4.3: G1, G2, A1, A2, S1, S2, U1). */
export function decideView(standing: Standing, subjectCode: string): ViewDecision {
  const { viewer, purpose } = standing;
  switch (viewer.role) {
    case 'department':
      return purpose
        ? { view: 'DEPARTMENT', fallbackReason: null, grantId: null }
        : { view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED', grantId: null };
    case 'agency': {
      if (!purpose) return { view: 'PUBLIC', fallbackReason: 'PURPOSE_REQUIRED', grantId: null };
      const grant = standing.grants.find((g) => g.subjectCode === subjectCode);
      return grant
        ? { view: 'AGENCY', fallbackReason: null, grantId: grant.id }
        : { view: 'PUBLIC', fallbackReason: 'GRANT_REQUIRED', grantId: null };
    }
    case 'subject':
      return viewer.subjectCode === subjectCode
        ? { view: 'SELF', fallbackReason: null, grantId: null }
        : { view: 'PUBLIC', fallbackReason: null, grantId: null };
    default:
      return { view: 'PUBLIC', fallbackReason: null, grantId: null };
  }
}
