import { isDeepStrictEqual } from 'node:util';
import { sortRedactions, type ExpectedRecord, type ExpectedSnapshot, type ExpectedSubject, type Redaction, type Unspecified } from './expected.js';

/**
 * Field-by-field comparison of a gateway answer with the model's. Each difference names the SPEC rule it breaks
 * (`rule`), so a failure reads as "which rule, where, expected what, got what". MODEL_IGNORE (comma-separated rule
 * keys) drops differences while exploring further; the default ignores nothing.
 */
export interface Difference {
  rule: string;
  path: string;
  expected: unknown;
  actual: unknown;
  note?: string;
}

/** Rule keys → the SPEC rules they stand for (printed in failures and in the summary). */
export const RULES: Record<string, string> = {
  error: '§5 PURPOSE_NOT_ALLOWED / unexpected error',
  found: 'P0/P3 subject found or null',
  view: 'G1/G2/A1/A2/S1/S2/U1 view tier',
  'subject-field': 'P1/P3/A2/G1/§4.4 subject fields and masking',
  'subject-redactions': '§4.4 subject redactions (G2/A1 fallback)',
  records: 'P2/G1/A2/A3/S1/D1–D5 which records are listed',
  order: 'records newest decidedAt first, then id desc',
  totalCount: 'D7 totalCount counts visible rows only',
  'record-field': 'record fields (W2 current version)',
  details: 'P2/G1/A2/S1 details',
  publicUntil: 'D1/D2/D5 publicUntil',
  'publicUntil-never-D5-type': 'D2/D5 publicUntil null: a type never public about individuals is never public',
  'publicUntil-never-D5-minor': 'D2/D5 publicUntil null: the window closes before the individual comes of age',
  'publicUntil-never-empty': 'D2 publicUntil null: an empty window (validUntil at or before its start) is never public',
  'record-redactions': '§4.4/R1 record redactions',
  disputed: 'R1/R2 disputed flag',
  dispute: 'R1 dispute statements only to the subject and the source department',
  history: 'W2a which earlier versions are shown',
  snapshot: 'W2a snapshot fields (CreditRecord names only, details/sourceRef per view)',
  search: 'P4/G3 which subjects a search finds',
  check: 'C1–C3 credit check (departments only; visible, in-force records; measures; verdict)',
  suspended: 'A4/§10.2 a suspended organisation\'s token is refused',
  L1: 'L1 access events (one per resolved subject, record ids as returned)',
  write: 'write path (W1–W3, §5 grants, R1–R3) needed to build the world',
};

/** MODEL_IGNORE: comma-separated rule keys or key prefixes (e.g. `publicUntil-never`) to leave out while exploring. */
export function ignoredRule(): (rule: string) => boolean {
  const keys = (process.env.MODEL_IGNORE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return (rule) => keys.some((key) => rule.startsWith(key));
}

const DATE_FIELDS = new Set(['decidedAt', 'validFrom', 'validUntil', 'publicUntil', 'replacedAt']);

/** An instant in any ISO form → its canonical `toISOString()`; anything else unchanged. */
export function canonicalDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

const same = (field: string, expected: unknown, actual: unknown) =>
  isDeepStrictEqual(expected, DATE_FIELDS.has(field) ? canonicalDate(actual) : actual);

function ruleOfRecordField(field: string): string {
  if (field === 'details') return 'details';
  if (field === 'publicUntil') return 'publicUntil';
  if (field === 'disputed') return 'disputed';
  return 'record-field';
}

/** CreditRecord's field names: the only keys a history snapshot may carry (W2a), plus sourceRef for the source. */
const CREDIT_RECORD_FIELDS = new Set([
  'id', 'type', 'category', 'nature', 'severity', 'title', 'summary', 'decisionNumber', 'decidedAt', 'validFrom', 'validUntil',
  'publicUntil', 'legalBasis', 'amount', 'grade', 'group', 'details', 'disclosure', 'status', 'disputed', 'version', 'source',
]);

function compareSnapshot(expected: ExpectedSnapshot, actual: unknown, path: string, out: Difference[]): void {
  if (!actual || typeof actual !== 'object') {
    out.push({ rule: 'snapshot', path, expected: 'an object', actual });
    return;
  }
  const snapshot = actual as Record<string, unknown>;
  for (const key of Object.keys(snapshot)) {
    if (key === 'sourceRef') continue;
    if (!CREDIT_RECORD_FIELDS.has(key)) out.push({ rule: 'snapshot', path: `${path}.${key}`, expected: 'no such key (not a CreditRecord field)', actual: snapshot[key] });
  }
  for (const [key, value] of Object.entries(expected.values)) {
    if (!same(key, value, snapshot[key] ?? null)) out.push({ rule: 'snapshot', path: `${path}.${key}`, expected: value, actual: snapshot[key] });
  }
  if (expected.details === undefined) {
    if (snapshot.details !== undefined && snapshot.details !== null) {
      out.push({ rule: 'snapshot', path: `${path}.details`, expected: 'absent (no details for this view)', actual: snapshot.details });
    }
  } else if (!isDeepStrictEqual(expected.details, snapshot.details)) {
    out.push({ rule: 'snapshot', path: `${path}.details`, expected: expected.details, actual: snapshot.details });
  }
  const ref = snapshot.sourceRef;
  if (ref !== undefined && ref !== null && ref !== expected.sourceRef) {
    out.push({ rule: 'snapshot', path: `${path}.sourceRef`, expected: expected.sourceRef ?? 'absent (not the source organisation)', actual: ref });
  }
  for (const [key, value] of Object.entries(expected.optional)) {
    if (!(key in snapshot) || same(key, value, snapshot[key])) continue;
    const never = key === 'publicUntil' && value === null && same(key, expected.windowEnd, snapshot[key]);
    out.push({
      rule: never ? `publicUntil-never-${expected.neverPublic?.split(':')[0]}` : 'snapshot', path: `${path}.${key}`, expected: value, actual: snapshot[key],
      ...(never ? { note: expected.neverPublic ?? undefined } : {}),
    });
  }
}

export interface Observation {
  key: string;
  value: string;
}

function compareHistory(expected: ExpectedRecord['history'], actual: unknown, path: string, out: Difference[], seen: Observation[]): void {
  if (expected && !Array.isArray(expected)) {
    const value = actual === null ? 'null' : Array.isArray(actual) ? `a list of ${actual.length}` : typeof actual;
    seen.push({ key: (expected as Unspecified).unspecified, value });
    return;
  }
  if (expected === null) {
    if (actual !== null) out.push({ rule: 'history', path, expected: null, actual });
    return;
  }
  if (!Array.isArray(actual)) {
    out.push({ rule: 'history', path, expected: expected.map((v) => v.version), actual });
    return;
  }
  const versions = [...actual].sort((a, b) => Number(a?.version) - Number(b?.version)) as { version: number; snapshot: unknown; redactions?: Redaction[] }[];
  const expectedVersions = expected.map((v) => v.version);
  const actualVersions = versions.map((v) => v.version);
  if (!isDeepStrictEqual(expectedVersions, actualVersions)) {
    out.push({ rule: 'history', path, expected: expectedVersions, actual: actualVersions });
    return;
  }
  expected.forEach((v, i) => {
    compareSnapshot(v.snapshot, versions[i].snapshot, `${path}[v${v.version}].snapshot`, out);
    // §4.4 for a version: withheld details are named; a withheld sourceRef may be named (non-source viewers only)
    const named = sortRedactions(versions[i].redactions ?? []).filter((r) => !(r.field === 'sourceRef' && r.reason === 'NOT_PUBLIC' && v.snapshot.sourceRef === null));
    const expectedNamed = v.snapshot.details === undefined ? [{ field: 'details', reason: 'NOT_PUBLIC' }] : [];
    if (!isDeepStrictEqual(named, expectedNamed)) out.push({ rule: 'snapshot', path: `${path}[v${v.version}].redactions`, expected: expectedNamed, actual: versions[i].redactions });
  });
}

/**
 * R1: a disputed record shows `disputed: true` to every viewer of it; its texts (statement, note) only to the subject
 * and the source department. For anyone else the SPEC leaves open whether the dispute is null (then the record names
 * `{dispute, NOT_PUBLIC}`) or an object without the texts (then the dispute names them NOT_PUBLIC); either is checked.
 */
function compareDispute(expected: ExpectedRecord, actual: Record<string, unknown>, path: string, out: Difference[], seen: Observation[]): Redaction[] {
  const dispute = (actual.dispute ?? null) as null | Record<string, unknown>;
  const e = expected.dispute;
  if (!e) {
    if (dispute !== null) out.push({ rule: 'dispute', path, expected: null, actual: dispute, note: expected.why });
    return [];
  }
  if (e.entitled) {
    const shown = dispute && { status: dispute.status, outcome: dispute.outcome, statement: dispute.statement, note: dispute.note };
    if (!isDeepStrictEqual(shown, { status: e.status, outcome: e.outcome, statement: e.statement, note: e.note })) {
      out.push({ rule: 'dispute', path, expected: { status: e.status, outcome: e.outcome, statement: e.statement, note: e.note }, actual: dispute, note: expected.why });
    }
    if (dispute && ((dispute.redactions as Redaction[] | undefined) ?? []).length) out.push({ rule: 'dispute', path: `${path}.redactions`, expected: [], actual: dispute.redactions });
    return [];
  }
  seen.push({ key: 'R1: dispute of a record whose texts the viewer may not see', value: dispute === null ? 'null (record names dispute NOT_PUBLIC)' : 'an object without the texts' });
  if (dispute === null) return [{ field: 'dispute', reason: 'NOT_PUBLIC' }];
  const withheld: Redaction[] = [{ field: 'statement', reason: 'NOT_PUBLIC' }, ...(e.note !== null ? [{ field: 'note', reason: 'NOT_PUBLIC' }] : [])];
  const expectedShape = { status: e.status, outcome: e.outcome, statement: null, note: null, redactions: sortRedactions(withheld) };
  const shown = { status: dispute.status, outcome: dispute.outcome, statement: dispute.statement, note: dispute.note, redactions: sortRedactions((dispute.redactions as Redaction[] | undefined) ?? []) };
  if (!isDeepStrictEqual(shown, expectedShape)) out.push({ rule: 'dispute', path, expected: expectedShape, actual: dispute, note: expected.why });
  return [];
}

function compareRecord(expected: ExpectedRecord, actual: Record<string, unknown>, path: string, out: Difference[], seen: Observation[]): void {
  for (const [field, value] of Object.entries(expected.fields)) {
    if (same(field, value, actual[field])) continue;
    // D2: a record never public (D5 individual, empty window) shows no publicUntil, not the window's end
    const rule = field === 'publicUntil' && value === null && same(field, expected.windowEnd, actual[field])
      ? `publicUntil-never-${expected.neverPublic?.split(':')[0]}` : ruleOfRecordField(field);
    out.push({ rule, path: `${path}.${field}`, expected: value, actual: actual[field], note: rule.startsWith('publicUntil-never') ? `${expected.why}; ${expected.neverPublic}` : expected.why });
  }
  const disputeRedactions = compareDispute(expected, actual, `${path}.dispute`, out, seen);
  const expectedRedactions = sortRedactions([...expected.redactions, ...disputeRedactions]);
  const redactions = sortRedactions((actual.redactions as Redaction[] | undefined) ?? []);
  // §4.4 names every withheld field; whether a null `history` (W2a, public view) is also named is left open
  const named = redactions.filter((r) => !(r.field === 'history' && !Array.isArray(expected.history)));
  if (actual.history === null) seen.push({ key: '§4.4: a null history is named in the record\'s redactions', value: named.length === redactions.length ? 'no' : 'yes' });
  if (!isDeepStrictEqual(expectedRedactions, named)) {
    out.push({ rule: 'record-redactions', path: `${path}.redactions`, expected: expectedRedactions, actual: actual.redactions, note: expected.why });
  }
  compareHistory(expected.history, actual.history, `${path}.history`, out, seen);
}

interface Connection {
  totalCount: number;
  edges: { node: Record<string, unknown> }[];
}

/** A subject answer (lookup or search node); `full` compares every record field, else only which records. */
export function compareSubject(
  expected: ExpectedSubject, actual: Record<string, unknown>, path: string, out: Difference[], seen: Observation[], full: boolean,
): void {
  for (const [field, value] of Object.entries(expected.fields)) {
    if (!isDeepStrictEqual(value, actual[field])) out.push({ rule: field === 'view' ? 'view' : 'subject-field', path: `${path}.${field}`, expected: value, actual: actual[field] });
  }
  const redactions = sortRedactions((actual.redactions as Redaction[] | undefined) ?? []);
  if (!isDeepStrictEqual(expected.redactions, redactions)) {
    out.push({ rule: 'subject-redactions', path: `${path}.redactions`, expected: expected.redactions, actual: actual.redactions });
  }
  const records = actual.records as Connection;
  const actualIds = records.edges.map((e) => String(e.node.id));
  const expectedIds = expected.records.map((r) => String(r.fields.id));
  if (records.totalCount !== expectedIds.length) out.push({ rule: 'totalCount', path: `${path}.records.totalCount`, expected: expectedIds.length, actual: records.totalCount });
  const missing = expected.records.filter((r) => !actualIds.includes(String(r.fields.id)));
  const extra = actualIds.filter((id) => !expectedIds.includes(id));
  for (const r of missing) out.push({ rule: 'records', path: `${path}.records`, expected: `record ${r.fields.id} listed`, actual: 'absent', note: r.why });
  for (const id of extra) out.push({ rule: 'records', path: `${path}.records`, expected: 'absent', actual: `record ${id} listed` });
  if (!missing.length && !extra.length && !isDeepStrictEqual(expectedIds, actualIds)) {
    out.push({ rule: 'order', path: `${path}.records`, expected: expectedIds, actual: actualIds });
  }
  if (!full) return;
  for (const r of expected.records) {
    const node = records.edges.find((e) => String(e.node.id) === String(r.fields.id))?.node;
    if (node) compareRecord(r, node, `${path}.records[${r.fields.id}]`, out, seen);
  }
}

export const sortedNodes = <T extends { fields: Record<string, unknown> }>(nodes: T[]) =>
  [...nodes].sort((a, b) => `${a.fields.code}|${a.fields.name}`.localeCompare(`${b.fields.code}|${b.fields.name}`));
