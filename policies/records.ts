import { recordRedactions, viewSeesRecordDetails, type Redaction } from './fields.js';
import type { ViewTier } from './viewer.js';

/**
 * What a viewer receives of a record, of its earlier versions (W2, W2a) and of its dispute (R1), decided here and
 * nowhere else. Which records a viewer may see at all is decided by the row rules (abilities.ts, compiled to SQL);
 * these functions decide the fields of a record already judged visible.
 */

/** Who reads a record: the view it was disclosed under, and the reading organisation (for W2a's sourceRef and R1). */
export interface RecordReader {
  view: ViewTier;
  orgCode: string | null;
}

const DISPUTE_WITHHELD: Redaction = Object.freeze({ field: 'dispute', reason: 'NOT_PUBLIC' } as const);

/** The fields a view withholds from one record (P2, A2): `details`, and the dispute where details are withheld. */
export function recordFieldRules(view: ViewTier, effectiveDisclosure: string, disputed: boolean) {
  const details = viewSeesRecordDetails(view, effectiveDisclosure);
  return {
    details,
    /** W2a: earlier versions are offered only to views that see the record's own details */
    history: details,
    /** R1: `dispute` (its status and, for the subject and the source, its texts) goes with the details */
    dispute: details,
    redactions: disputed && !details ? [...recordRedactions(view, effectiveDisclosure), DISPUTE_WITHHELD] : recordRedactions(view, effectiveDisclosure),
  };
}

/**
 * R1: the statements of a case (the subject's reason, the department's note, a repair application's commitment and
 * evidence) are seen by the subject itself and by the record's source department only.
 */
export function caseStatementsVisible(reader: RecordReader, sourceOrg: string): boolean {
  return reader.view === 'SELF' || (reader.view === 'DEPARTMENT' && reader.orgCode === sourceOrg);
}

/** The content of a record (or of an earlier version) as stored, with its effective class at the request's instant. */
export interface RecordContent {
  type: string;
  category: string;
  nature: string;
  severity: string | null;
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  decidedAt: Date;
  validFrom: Date | null;
  validUntil: Date | null;
  /** D2: the end of the public window (null: none, or never public) */
  publicUntil: Date | null;
  legalBasis: string | null;
  amount: number | null;
  grade: string | null;
  group: string | null;
  details: unknown;
  sourceOrg: string;
  disclosure: string;
  /** the class the record is disclosed as at the request's instant (D3, D5) */
  effectiveDisclosure: string;
  status: string;
}

/** An earlier version of a record, already judged visible to the reader by the row rules (W2a). */
export type VersionFieldsIn = RecordContent & { sourceRef: string };

/**
 * W2a: an earlier version carries only CreditRecord fields the reader may see of that version, judged as a record of
 * its own: `details` only where §4.3 gives them for the version's own effective class, the `sourceRef` only to its
 * source organisation, and never internal columns (row ids, subject ids, content hashes).
 */
export function projectRecordVersion(version: VersionFieldsIn, reader: RecordReader): { snapshot: Record<string, unknown>; redactions: Redaction[] } {
  const redactions: Redaction[] = [];
  const seesDetails = viewSeesRecordDetails(reader.view, version.effectiveDisclosure);
  if (!seesDetails) redactions.push({ field: 'details', reason: 'NOT_PUBLIC' });
  const ownSource = reader.view === 'DEPARTMENT' && reader.orgCode === version.sourceOrg;
  if (!ownSource) redactions.push({ field: 'sourceRef', reason: 'NOT_PUBLIC' });
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    snapshot: {
      type: version.type,
      category: version.category,
      nature: version.nature,
      severity: version.severity,
      title: version.title,
      summary: version.summary,
      decisionNumber: version.decisionNumber,
      decidedAt: iso(version.decidedAt),
      validFrom: iso(version.validFrom),
      validUntil: iso(version.validUntil),
      publicUntil: iso(version.publicUntil),
      legalBasis: version.legalBasis,
      amount: version.amount,
      grade: version.grade,
      group: version.group,
      details: seesDetails ? version.details : null,
      disclosure: version.disclosure,
      status: version.status,
      sourceRef: ownSource ? version.sourceRef : null,
    },
    redactions,
  };
}
