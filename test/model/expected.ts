import {
  canSee, currentOf, decideView, effectiveClass, isDisputed, maskIdentity, maskName, publicUntil, purposeRefusal, seesDetails,
  seesStatements, subjectVisible, visibleRecords, windowEnd, neverPublicBecause, type Decision, type MRecord, type MSubject, type ModelState, type Viewer,
} from './model.js';

/**
 * What the model says a viewer must receive, field by field: the answer of `subject(code, purpose)`, of
 * `searchSubjects`, and the access event each resolved subject writes (L1).
 */
export interface Redaction {
  field: string;
  reason: string;
}

/** A field the SPEC leaves open for this viewer: the actual answer is recorded, not judged. */
export interface Unspecified {
  unspecified: string;
}

export interface ExpectedSnapshot {
  /** compared exactly (a missing key counts as null) */
  values: Record<string, unknown>;
  /** `details`: the value, or undefined when the view gives no details (then the key is absent or null) */
  details: unknown;
  /** `sourceRef`: allowed (and then equal) only for the record's source organisation */
  sourceRef: string | null;
  /** further CreditRecord fields a snapshot may carry; compared when present */
  optional: Record<string, unknown>;
  /** the version's window end (a `publicUntil` equal to it while the model says null is the D2 "never public" case) */
  windowEnd: string | null;
  neverPublic: string | null;
}

export interface ExpectedVersion {
  version: number;
  snapshot: ExpectedSnapshot;
}

export interface ExpectedRecord {
  fields: Record<string, unknown>;
  redactions: Redaction[];
  /** R1: null when not disputed; `entitled` viewers (the subject, the source department) get the texts */
  dispute: null | { entitled: boolean; status: string; outcome: string | null; statement: string; note: string | null };
  history: null | Unspecified | ExpectedVersion[];
  /** why the model lists it (printed with a difference) */
  why: string;
  /** the window's end, which `publicUntil` must not show when the record is never public (D2 "never public") */
  windowEnd: string | null;
  neverPublic: string | null;
}

export interface ExpectedEvent {
  operationName: 'subject' | 'searchSubjects' | 'creditCheck';
  subjectCode: string;
  view: string;
  purposeKind: string | null;
  org: string | null;
  recordIds: string[];
  /** AGENCY: one of these grants; otherwise null */
  grantIds: string[];
}

export interface ExpectedSubject {
  fields: Record<string, unknown>;
  redactions: Redaction[];
  records: ExpectedRecord[];
  event: ExpectedEvent;
}

export type ExpectedLookup = { error: string } | { subject: ExpectedSubject | null };
export type ExpectedSearch = { error: string } | { nodes: ExpectedSubject[] };

const iso = (d: Date | null) => (d ? d.toISOString() : null);
export const sortRedactions = (list: Redaction[]) => [...list].sort((a, b) => `${a.field} ${a.reason}`.localeCompare(`${b.field} ${b.reason}`));

/** P1, P3, A2, G1, S1 and §4.4: the subject's own fields in a view. */
function subjectFields(subject: MSubject, d: Decision): { fields: Record<string, unknown>; redactions: Redaction[] } {
  const fields: Record<string, unknown> = {
    code: subject.code, kind: subject.kind, name: subject.name, status: 'ACTIVE', registeredAt: subject.registeredAt,
    address: subject.address, legalRepresentative: subject.legalRepresentative, legalRepresentativeId: subject.legalRepresentativeId,
    view: d.view,
  };
  const redactions: Redaction[] = [];
  const individual = subject.kind === 'INDIVIDUAL';
  if (d.view === 'PUBLIC' || d.view === 'AGENCY') {
    if (individual) {
      fields.code = maskIdentity(subject.code);
      redactions.push({ field: 'code', reason: 'MASKED_PERSONAL_DATA' });
      // SPEC lists no address for a private person in P3/A2 views (the gateway withholds it as NOT_PUBLIC)
      fields.address = null;
      redactions.push({ field: 'address', reason: 'NOT_PUBLIC' });
    }
    if (d.view === 'PUBLIC' && individual) {
      fields.name = maskName(subject.name);
      redactions.push({ field: 'name', reason: 'MASKED_PERSONAL_DATA' });
    }
    if (d.view === 'PUBLIC' && !individual) {
      fields.legalRepresentativeId = null; // P1: never
      redactions.push({ field: 'legalRepresentativeId', reason: 'NOT_PUBLIC' });
    }
    if (d.view === 'AGENCY' && subject.legalRepresentativeId) {
      fields.legalRepresentativeId = maskIdentity(subject.legalRepresentativeId); // A2: identity numbers masked
      redactions.push({ field: 'legalRepresentativeId', reason: 'MASKED_PERSONAL_DATA' });
    }
  }
  if (d.fallback) redactions.push({ field: 'records', reason: d.fallback }); // G2, A1: always, hidden records or not
  return { fields, redactions: sortRedactions(redactions) };
}

const SNAPSHOT_VALUES = ['title', 'summary', 'decisionNumber', 'decidedAt', 'validFrom', 'validUntil', 'severity', 'legalBasis', 'amount', 'grade', 'group', 'disclosure'] as const;

function expectedHistory(record: MRecord, d: Decision, viewer: Viewer, subject: MSubject, now: Date): ExpectedRecord['history'] {
  if (d.view === 'PUBLIC') return null; // W2a: no history for the public view (it gets no details)
  const effective = effectiveClass(record.type, currentOf(record), subject, now);
  if (d.view === 'AGENCY' && effective === 'PUBLIC') {
    return { unspecified: 'W2a: history of a record an agency sees only as the public does (no details)' };
  }
  return record.versions.slice(0, -1).flatMap((c, i): ExpectedVersion[] => {
    // W2a: each earlier version judged like a record of its own (its class, window, status at the request instant)
    if (!canSee(d, viewer, record, c, 'ACTIVE', subject, now)) return [];
    const values: Record<string, unknown> = { status: 'ACTIVE' };
    for (const field of SNAPSHOT_VALUES) values[field] = c[field] instanceof Date ? iso(c[field] as Date) : c[field];
    return [{
      version: i + 1,
      snapshot: {
        values,
        details: seesDetails(d.view, effectiveClass(record.type, c, subject, now)) ? c.details : undefined,
        sourceRef: d.view === 'DEPARTMENT' && viewer.org === record.source ? record.sourceRef : null,
        optional: {
          id: record.id, type: record.type.code, category: record.type.category, nature: record.type.nature, version: i + 1,
          publicUntil: iso(publicUntil(record.type, c, subject)),
        },
        windowEnd: iso(windowEnd(record.type, c)),
        neverPublic: neverPublicBecause(record.type, c, subject),
      },
    }];
  });
}

function expectedRecord(record: MRecord, d: Decision, viewer: Viewer, subject: MSubject, now: Date): ExpectedRecord {
  const c = currentOf(record);
  const effective = effectiveClass(record.type, c, subject, now);
  const details = seesDetails(d.view, effective);
  const disputed = isDisputed(record.objection);
  const statements = seesStatements(d, viewer, record);
  const redactions: Redaction[] = [];
  if (!details) redactions.push({ field: 'details', reason: 'NOT_PUBLIC' });
  const o = record.objection;
  return {
    fields: {
      id: record.id, type: record.type.code, category: record.type.category, nature: record.type.nature, severity: c.severity,
      title: c.title, summary: c.summary, decisionNumber: c.decisionNumber, decidedAt: iso(c.decidedAt), validFrom: iso(c.validFrom),
      validUntil: iso(c.validUntil), publicUntil: iso(publicUntil(record.type, c, subject)), legalBasis: c.legalBasis, amount: c.amount,
      grade: c.grade, group: c.group, details: details ? c.details : null, disclosure: c.disclosure, status: record.status, disputed,
      version: record.versions.length, source: { code: record.source },
    },
    redactions: sortRedactions(redactions),
    dispute: disputed && o ? { entitled: statements, status: o.status, outcome: o.outcome, statement: o.statement, note: o.note } : null,
    history: expectedHistory(record, d, viewer, subject, now),
    windowEnd: iso(windowEnd(record.type, c)),
    neverPublic: neverPublicBecause(record.type, c, subject),
    why: `${record.type.code} class ${c.disclosure} effective ${effective} status ${record.status} source ${record.source}`,
  };
}

/** D7: `records(categories, types)` narrows what the viewer may see, and nothing else. */
export type RecordFilter = null | { categories: string[] } | { types: string[] };
const passes = (filter: RecordFilter, r: MRecord) =>
  !filter || ('categories' in filter ? filter.categories.includes(r.type.category) : filter.types.includes(r.type.code));

export function expectedSubject(
  state: ModelState, viewer: Viewer, subject: MSubject, now: Date, operationName: ExpectedEvent['operationName'], filter: RecordFilter = null,
): ExpectedSubject | null {
  const d = decideView(state, viewer, subject, now);
  if (!subjectVisible(state, d, subject, now)) return null; // P3
  const { fields, redactions } = subjectFields(subject, d);
  const records = visibleRecords(state, d, viewer, subject, now).filter((r) => passes(filter, r)).map((r) => expectedRecord(r, d, viewer, subject, now));
  return {
    fields,
    redactions,
    records,
    event: {
      operationName, subjectCode: subject.code, view: d.view, purposeKind: viewer.purpose?.kind ?? null,
      org: viewer.role === 'subject' || viewer.role === 'public' ? null : viewer.org,
      recordIds: records.map((r) => String(r.fields.id)).sort(), grantIds: d.grantIds,
    },
  };
}

/** `subject(code, purpose)`: §5 refusal, P0 (unknown code), then the subject in its view. */
export function expectedLookup(state: ModelState, viewer: Viewer, code: string, now: Date, filter: RecordFilter): ExpectedLookup {
  const refusal = purposeRefusal(viewer);
  if (refusal) return { error: refusal };
  const subject = state.subjects.find((s) => s.code === code);
  return { subject: subject ? expectedSubject(state, viewer, subject, now, 'subject', filter) : null };
}

/**
 * `searchSubjects(query, purpose)`: P4 (organisations whose name contains the query, case-insensitive, or whose
 * code equals it; never individuals) and G3 (departments with a purpose also find individuals). Only the world's
 * own subjects can match: its queries are its unique tag or one of its codes.
 */
export function expectedSearch(state: ModelState, viewer: Viewer, query: string, now: Date): ExpectedSearch {
  const refusal = purposeRefusal(viewer);
  if (refusal) return { error: refusal };
  const q = query.trim();
  const individuals = viewer.role === 'department' && viewer.purpose !== null;
  const nodes = state.subjects
    .filter((s) => (s.kind !== 'INDIVIDUAL' || individuals) && (s.name.toLowerCase().includes(q.toLowerCase()) || s.code === q.toUpperCase()))
    .map((s) => expectedSubject(state, viewer, s, now, 'searchSubjects'))
    .filter((s): s is ExpectedSubject => s !== null);
  return { nodes };
}
