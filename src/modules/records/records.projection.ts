import { recordFieldRules, type RecordReader } from '../../../policies/records.js';
import type { ScopedAccess } from '../../context/scoped-access.js';
import type { CreditRecord } from './record.type.js';
import type { RecordRow } from './records.repository.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';

/**
 * A visible record row → the GraphQL object for one reader; which fields it carries is decided by
 * policies/records.ts. `access` is the standing it was read under (its history is judged by the same rules, W2a).
 */
export function toCreditRecord(
  row: RecordRow, reader: RecordReader, access: ScopedAccess | null, sourceOrganization?: OrganizationRow, asOf?: Date,
): CreditRecord {
  // every record one literal of one shape, `asOf` included (a stored credit check's records are not `{ ...record, asOf }`,
  // which gives each object a hidden class of its own on Node 20: policies/fields.ts)
  const fields = recordFieldRules(reader.view, row.effectiveDisclosure, row.disputed === true);
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
    details: fields.details ? row.details : null,
    disclosure: row.disclosure,
    status: row.status,
    disputed: row.disputed === true, // a stored credit check from before migration 0008 has no flag
    redactions: fields.redactions,
    version: row.version,
    row,
    reader,
    fields,
    access,
    sourceOrganization,
    asOf,
  };
}
