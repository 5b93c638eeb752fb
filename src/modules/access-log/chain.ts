import { createHash } from 'node:crypto';

/**
 * The access-log hash chain (SPEC L3), recomputed in the application independently of the SQL function that
 * wrote it (migrations/0003_access_log.sql): hash = SHA-256(prevHash ‖ canonical event), where the canonical
 * event is every column but `hash`, each as `<length in characters>:<text>` (or `-` for NULL), joined by '|'.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** The columns of an event in their canonical text form (timestamps as UTC ISO with microseconds). */
export interface CanonicalEventFields {
  sequence: string;
  at: string;
  requestId: string | null;
  actor: string | null;
  role: string | null;
  orgCode: string | null;
  view: string | null;
  purposeKind: string | null;
  purposeReference: string | null;
  grantId: string | null;
  subjectCode: string | null;
  /** the record_ids array, element by element (NULL elements kept) */
  recordIds: readonly (string | null)[];
  operationName: string | null;
  prevHash: string | null;
}

const FIELD_ORDER: (keyof CanonicalEventFields)[] = [
  'sequence', 'at', 'requestId', 'actor', 'role', 'orgCode', 'view', 'purposeKind', 'purposeReference', 'grantId',
  'subjectCode', 'recordIds', 'operationName', 'prevHash',
];

function field(value: string | null): string {
  return value === null ? '-' : `${[...value].length}:${value}`;
}

/** An array as <count>#<each element as a field, joined by ','>: distinct arrays never share a text. */
function arrayText(values: readonly (string | null)[]): string {
  return `${values.length}#${values.map(field).join(',')}`;
}

export function canonicalEvent(event: CanonicalEventFields): string {
  return FIELD_ORDER.map((name) => {
    const value = event[name];
    return field(Array.isArray(value) ? arrayText(value) : (value as string | null));
  }).join('|');
}

export function chainHash(prevHash: string, event: CanonicalEventFields): string {
  return createHash('sha256').update(prevHash + canonicalEvent(event), 'utf8').digest('hex');
}

/** A case event (SPEC L6: objection and repair events are chained like the access log), canonical text form. */
export interface CanonicalCaseEventFields {
  sequence: string;
  caseKind: string;
  caseId: string;
  recordId: string;
  subjectCode: string;
  action: string;
  outcome: string | null;
  actor: string | null;
  role: string;
  orgCode: string | null;
  at: string;
  prevHash: string | null;
}

const CASE_FIELD_ORDER: (keyof CanonicalCaseEventFields)[] = [
  'sequence', 'caseKind', 'caseId', 'recordId', 'subjectCode', 'action', 'outcome', 'actor', 'role', 'orgCode', 'at', 'prevHash',
];

export function canonicalCaseEvent(event: CanonicalCaseEventFields): string {
  return CASE_FIELD_ORDER.map((name) => field(event[name])).join('|');
}

export function caseChainHash(prevHash: string, event: CanonicalCaseEventFields): string {
  return createHash('sha256').update(prevHash + canonicalCaseEvent(event), 'utf8').digest('hex');
}

export interface SegmentResult {
  checked: number;
  /** the first sequence number at which the chain fails: a missing, duplicated or altered event */
  firstBroken: number | null;
  /** the hash of the last event checked (to continue with the next segment) */
  lastHash: string | null;
}

/** One stored link of a chain: its canonical fields (with `sequence` and `prevHash`) and its stored hash. */
export interface ChainLink<F extends { sequence: string; prevHash: string | null }> {
  fields: F;
  hash: string;
}

/**
 * Checks consecutive links starting at sequence `first`: numbers contiguous, each prev_hash equal to the
 * previous link's hash, each hash recomputing with `hashOf`. `prevHash` is the hash before `first` (GENESIS_HASH
 * for sequence 1, null when that link is missing).
 */
export function verifyLinks<F extends { sequence: string; prevHash: string | null }>(
  rows: readonly ChainLink<F>[], first: number, prevHash: string | null, hashOf: (prev: string, fields: F) => string,
): SegmentResult {
  let expected = first;
  let prev = prevHash;
  let checked = 0;
  for (const row of rows) {
    const sequence = Number(row.fields.sequence);
    if (sequence !== expected) return { checked, firstBroken: Math.min(sequence, expected), lastHash: prev };
    if (prev === null) return { checked, firstBroken: Math.max(1, sequence - 1), lastHash: null };
    if (row.fields.prevHash !== prev || hashOf(prev, row.fields) !== row.hash) {
      return { checked, firstBroken: sequence, lastHash: prev };
    }
    prev = row.hash;
    expected += 1;
    checked += 1;
  }
  return { checked, firstBroken: null, lastHash: prev };
}

/** The access-log chain (L3) over one segment of events. */
export function verifySegment(rows: readonly ChainLink<CanonicalEventFields>[], first: number, prevHash: string | null): SegmentResult {
  return verifyLinks(rows, first, prevHash, chainHash);
}
