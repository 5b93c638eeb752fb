import { recordRedactions, viewSeesRecordDetails } from '../../../policies/fields.js';
import type { ViewTier } from '../../../policies/viewer.js';
import type { CreditRecord } from './record.type.js';
import type { RecordRow } from './records.repository.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';

/** A visible record row → the GraphQL object for one view (P2: no details for the public). */
export function toCreditRecord(row: RecordRow, view: ViewTier, sourceOrganization?: OrganizationRow): CreditRecord {
  const seesDetails = viewSeesRecordDetails(view, row.effectiveDisclosure);
  return {
    id: row.id,
    type: row.type,
    category: row.category,
    nature: row.nature,
    severity: row.severity,
    title: row.title,
    summary: row.summary,
    decisionNumber: row.decisionNumber,
    decidedAt: row.decidedAt,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    publicUntil: row.publicUntil,
    legalBasis: row.legalBasis,
    amount: row.amount,
    grade: row.grade,
    group: row.group,
    details: seesDetails ? row.details : null,
    disclosure: row.disclosure,
    status: row.status,
    disputed: row.disputed === true, // a stored credit check from before migration 0008 has no flag
    // R1/R2: every viewer of the record sees the flag; the objection's texts go with `details` (not the public's)
    redactions: row.disputed && !seesDetails
      ? [...recordRedactions(view, row.effectiveDisclosure), { field: 'dispute', reason: 'NOT_PUBLIC' }]
      : recordRedactions(view, row.effectiveDisclosure),
    version: row.version,
    row,
    view,
    sourceOrganization,
  };
}
