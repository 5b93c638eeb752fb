import { exchangeReader } from '../../../policies/exchange.js';
import { toCreditRecord } from '../records/records.projection.js';
import type { OrganizationRow } from '../organizations/organizations.repository.js';
import type { ChangeRow } from './feed.repository.js';

/**
 * A change as a line of an exchange file (X4): the fields of `RecordChange`, its record with the fields of
 * `CreditRecord` a department sees under SUPERVISION (the same projection as the GraphQL feed: policies/exchange.ts
 * and policies/records.ts), and the same JSON a live consumer receives, so one importer reads both.
 */
export interface ChangeJson {
  sequence: string;
  kind: string;
  at: string;
  subjectCode: string;
  subjectKind: string;
  subjectName: string;
  record: RecordJson;
}

export interface RecordJson {
  id: string;
  type: string;
  category: string;
  nature: string;
  severity: string | null;
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  decidedAt: string;
  validFrom: string | null;
  validUntil: string | null;
  publicUntil: string | null;
  legalBasis: string | null;
  amount: number | null;
  grade: string | null;
  group: string | null;
  details: unknown;
  disclosure: string;
  status: string;
  disputed: boolean;
  version: number;
  source: { code: string; name: string | null };
  origin: { platform: string; originId: string } | null;
}

/** The GraphQL selection a live consumer asks for: exactly the fields of ChangeJson. */
export const CHANGE_SELECTION = `sequence kind at subjectCode subjectKind subjectName
  record { id type category nature severity title summary decisionNumber decidedAt validFrom validUntil publicUntil
    legalBasis amount grade group details disclosure status disputed version source { code name } origin { platform originId } }`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function changeToJson(row: ChangeRow, peerCode: string, sources: ReadonlyMap<string, OrganizationRow>): ChangeJson {
  const record = toCreditRecord(row.record, exchangeReader(peerCode), null);
  return {
    sequence: row.sequence,
    kind: row.kind,
    at: row.at.toISOString(),
    subjectCode: row.record.subjectCode,
    subjectKind: row.subjectKind,
    subjectName: row.subjectName,
    record: {
      id: record.id,
      type: record.type,
      category: record.category,
      nature: record.nature,
      severity: record.severity,
      title: record.title,
      summary: record.summary,
      decisionNumber: record.decisionNumber,
      decidedAt: record.decidedAt.toISOString(),
      validFrom: iso(record.validFrom),
      validUntil: iso(record.validUntil),
      publicUntil: iso(record.publicUntil),
      legalBasis: record.legalBasis,
      amount: record.amount,
      grade: record.grade,
      group: record.group,
      details: record.details ?? null,
      disclosure: record.disclosure,
      status: record.status,
      disputed: record.disputed,
      version: record.version,
      source: { code: row.record.sourceOrg, name: sources.get(row.record.sourceOrg)?.name ?? null },
      origin: row.record.originPlatform && row.record.originId ? { platform: row.record.originPlatform, originId: row.record.originId } : null,
    },
  };
}

export const CHANGE_KINDS = ['FILED', 'VERSIONED', 'WITHDRAWN', 'REPAIRED', 'DISPUTED', 'UNDISPUTED', 'UNSHARED'] as const;

/** A received change that cannot be read (a malformed line, a field of the wrong type). */
export class MalformedChange extends Error {}

/** Checks the shape of a received change (a file line or a feed node) before anything is filed. */
export function parseChange(value: unknown): ChangeJson {
  const fail = (what: string): never => {
    throw new MalformedChange(what);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('a change is one JSON object');
  const change = value as Record<string, unknown>;
  const record = change.record as Record<string, unknown> | undefined;
  // at most 18 digits: every such number fits PostgreSQL's bigint (a 19-digit one may not, and would fail a whole batch)
  if (typeof change.sequence !== 'string' || !/^[0-9]{1,18}$/.test(change.sequence)) fail('sequence must be a string of 1–18 digits');
  if (!(CHANGE_KINDS as readonly string[]).includes(String(change.kind))) fail('kind is not a RecordChangeKind');
  for (const field of ['at', 'subjectCode', 'subjectKind', 'subjectName'] as const) {
    if (typeof change[field] !== 'string') fail(`${field} must be a string`);
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) fail('record must be an object');
  for (const field of ['id', 'type', 'title', 'decidedAt', 'disclosure', 'status'] as const) {
    if (typeof record![field] !== 'string' || record![field] === '') fail(`record.${field} must be a non-empty string`);
  }
  if (!Number.isInteger(record!.version)) fail('record.version must be an integer');
  if (typeof record!.disputed !== 'boolean') fail('record.disputed must be a boolean');
  return value as ChangeJson;
}
