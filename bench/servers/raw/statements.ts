import { PUBLIC_VIEWER, type Standing } from '../../../policies/viewer.js';
import { createScopedAccess } from '../../../src/context/scoped-access.js';
import { findOrganizations } from '../../../src/modules/organizations/organizations.repository.js';
import { findVisibleSubjectWithPage } from '../../../src/modules/subjects/subjects.repository.js';
import { MIN_SEARCH_LENGTH, searchableKinds, searchVisibleSubjects } from '../../../src/modules/subjects/search.repository.js';
import { queryEvents } from '../../../src/modules/access-log/access-log.repository.js';
import { findSubjectsByCodes, writeRecordBatch } from '../../../src/modules/filing/filing.repository.js';
import { listCatalogTypes } from '../../../src/modules/catalog/catalog.repository.js';
import type { NormalisedRecord } from '../../../src/modules/filing/record-validation.js';
import { captureStatements, pick, prepare, type Prepared, type Slot } from './capture.js';

/**
 * The gateway's statements for S1–S5, recorded from the gateway's own repository functions with the scopes
 * the gateway builds (createScopedAccess), see capture.ts. Everything here runs once, at start-up.
 */
const NOW = new Date('1999-12-31T23:59:59.999Z');
const sentinel = (name: string) => `SENTINEL:${name}:`;
const CODE = sentinel('code');
const ORG = sentinel('org');
const LIMIT = 7776; // the gateway asks for limit + 1 rows (one more tells hasNextPage)

export const DEPARTMENT_PURPOSE_SENTINEL = { kind: 'LICENSING', reference: 'BENCH' } as const;

/** P4: what the public search covers — the gateway's own rule. */
export const PUBLIC_SEARCH_KINDS = searchableKinds('public', false, null);
export { MIN_SEARCH_LENGTH };

export interface ScopeValues {
  now: string;
  /** department standing only: the token's organisation (G1: what it filed itself) */
  org?: string;
}
export interface SubjectValues extends ScopeValues {
  code: string;
}
export interface SearchValues extends ScopeValues {
  /** the lower-cased query */
  term: string;
  /** normalizeCode(query) */
  code: string;
  limit: number;
  afterName?: string;
  afterCode?: string;
}
export interface EventValues {
  from: string;
  to: string;
  limit: number;
  afterAt?: string;
  afterSequence?: number;
}
export interface InsertValues {
  org: string;
  now: string;
  rows: readonly { id: string; record: NormalisedRecord }[];
}

const scopeSlots = (withOrg: boolean): Slot<ScopeValues>[] => [
  { sentinel: NOW.toISOString(), bind: (v) => v.now, optional: true },
  ...(withOrg ? [{ sentinel: ORG, bind: (v: ScopeValues) => v.org, optional: true }] : []),
];

function accessFor(kind: 'public' | 'department') {
  const standing: Standing = kind === 'public'
    ? { viewer: PUBLIC_VIEWER, purpose: null, grants: [] }
    : { viewer: { role: 'department', actor: 'bench', orgCode: ORG, subjectCode: null }, purpose: DEPARTMENT_PURPOSE_SENTINEL, grants: [] };
  return createScopedAccess(undefined as never, standing, NOW); // the loaders it creates are never used
}

/** `findOrganizations(codes)`: one statement whatever the number of codes (they travel as one text[]). */
let organizationStatement: Promise<Prepared<readonly string[]>> | undefined;
export function organizationsStatement(): Promise<Prepared<readonly string[]>> {
  const code = sentinel('org-codes');
  organizationStatement ??= captureStatements((db) => findOrganizations(db, [code])).then((statements) =>
    prepare<readonly string[]>(pick(statements, /organizations/, 'findOrganizations'), [{ sentinel: code, bind: (v) => v }], 'findOrganizations'));
  return organizationStatement;
}

/** The subject and its first records page in one statement, as the gateway reads them when both are asked for. */
async function subjectWithPageStatement(kind: 'public' | 'department'): Promise<Prepared<SubjectValues & { limit: number }>> {
  const access = accessFor(kind);
  const statements = await captureStatements((db) =>
    findVisibleSubjectWithPage(db, CODE, access.subjectScope, access.recordScope, { categories: null, types: null, after: null, limit: LIMIT }, NOW));
  return prepare<SubjectValues & { limit: number }>(pick(statements, /WITH subj AS/, 'findVisibleSubjectWithPage'), [
    { sentinel: CODE, bind: (v) => v.code },
    { sentinel: LIMIT + 1, bind: (v) => v.limit + 1 },
    ...scopeSlots(kind === 'department'),
  ], `subject with records page (${kind})`);
}

/**
 * The gateway's search statement: `withTotal` as the gateway runs it when the response selects totalCount (S3's
 * document), without for a page alone (the website's search box, `count=0`).
 */
async function searchStatement(withAfter: boolean, withTotal: boolean): Promise<Prepared<SearchValues>> {
  const access = accessFor('public');
  const term = sentinel('term');
  const [afterName, afterCode] = [sentinel('after-name'), sentinel('after-code')];
  const statements = await captureStatements((db) => searchVisibleSubjects(db, {
    nameContains: term, code: CODE, kinds: PUBLIC_SEARCH_KINDS, professionalGroup: null,
    after: withAfter ? { name: afterName, code: afterCode } : null, limit: LIMIT, withTotal,
  }, access.subjectScope, access.recordScope, NOW));
  const what = `searchSubjects${withAfter ? ' (after)' : ''}${withTotal ? ' (counted)' : ''}`;
  return prepare<SearchValues>(pick(statements, /subject_name_grams/, 'searchVisibleSubjects'), [
    { sentinel: term, bind: (v) => v.term },
    { sentinel: CODE, bind: (v) => v.code },
    { sentinel: LIMIT + 1, bind: (v) => v.limit + 1 },
    ...(withAfter ? [{ sentinel: afterName, bind: (v: SearchValues) => v.afterName }, { sentinel: afterCode, bind: (v: SearchValues) => v.afterCode }] : []),
    ...scopeSlots(false),
  ], what);
}

async function eventStatements(withAfter: boolean): Promise<{ page: Prepared<EventValues>; total: Prepared<EventValues> }> {
  const [from, to, at] = [new Date('1901-01-01T00:00:00.001Z'), new Date('1902-01-01T00:00:00.002Z'), sentinel('after-at')];
  const sequence = -7003;
  const statements = await captureStatements((db) => queryEvents(db, {
    from, to, orgCode: null, actor: null, subjectCode: null, view: null, purposeKind: null,
    after: withAfter ? { at, sequence } : null, limit: LIMIT,
  }));
  const range: Slot<EventValues>[] = [{ sentinel: from.toISOString(), bind: (v) => v.from }, { sentinel: to.toISOString(), bind: (v) => v.to }];
  const what = `accessLog${withAfter ? ' (after)' : ''}`;
  return {
    page: prepare<EventValues>(pick(statements, /ORDER BY/, what), [
      ...range,
      { sentinel: LIMIT + 1, bind: (v) => v.limit + 1 },
      ...(withAfter ? [{ sentinel: at, bind: (v: EventValues) => v.afterAt }, { sentinel: sequence, bind: (v: EventValues) => v.afterSequence }] : []),
    ], what),
    total: prepare<EventValues>(pick(statements, /count\(\*\)/, what), range, `${what} total`),
  };
}

async function subjectsByCodesStatement(): Promise<Prepared<readonly string[]>> {
  const statements = await captureStatements((db) => findSubjectsByCodes(db, [CODE]));
  return prepare<readonly string[]>(pick(statements, /subjects/, 'findSubjectsByCodes'), [{ sentinel: CODE, bind: (codes) => codes }], 'findSubjectsByCodes');
}

/** The unnest INSERT of writeRecordBatch (its BEGIN/COMMIT are left out: one statement is atomic anyway). */
async function insertRecordsStatement(): Promise<Prepared<InsertValues>> {
  const text = (field: string) => sentinel(`record-${field}`);
  const record = {
    subjectId: -7101, subjectCode: text('subjectCode'), type: text('type'), category: text('category'), nature: text('nature'),
    severity: text('severity'), title: text('title'), summary: text('summary'), decisionNumber: text('decisionNumber'),
    decidedAt: new Date(1001), validFrom: new Date(1002), validUntil: new Date(1003), legalBasis: text('legalBasis'),
    amount: -7102, grade: text('grade'), groupCode: text('groupCode'), disclosure: text('disclosure'), details: text('details'),
    sourceRef: text('sourceRef'), contentHash: text('contentHash'),
  } as unknown as NormalisedRecord;
  const id = sentinel('record-id');
  const statements = await captureStatements((db) => writeRecordBatch(db, ORG, 'bench', [{ id, record }], [], NOW));
  type Row = InsertValues['rows'][number];
  const column = (sentinelValue: string | number, pickValue: (row: Row) => unknown): Slot<InsertValues> =>
    ({ sentinel: sentinelValue, bind: (v) => v.rows.map(pickValue) });
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const fields = ['type', 'category', 'nature', 'severity', 'title', 'summary', 'decisionNumber', 'legalBasis', 'grade', 'groupCode',
    'disclosure', 'sourceRef', 'contentHash'] as const;
  return prepare<InsertValues>(pick(statements, /INSERT INTO records/, 'insertRecords'), [
    { sentinel: ORG, bind: (v) => v.org },
    { sentinel: NOW.toISOString(), bind: (v) => v.now },
    column(id, (row) => row.id),
    column(record.subjectId, (row) => row.record.subjectId),
    column(record.amount as number, (row) => row.record.amount),
    column(iso(record.decidedAt)!, (row) => iso(row.record.decidedAt)),
    column(iso(record.validFrom)!, (row) => iso(row.record.validFrom)),
    column(iso(record.validUntil)!, (row) => iso(row.record.validUntil)),
    column(JSON.stringify(record.details), (row) => (row.record.details === null || row.record.details === undefined ? null : JSON.stringify(row.record.details))),
    ...fields.map((field) => column(record[field] as string, (row) => row.record[field])),
  ], 'insertRecords');
}

export interface RawStatements {
  subjectWithPage: { public: Prepared<SubjectValues & { limit: number }>; department: Prepared<SubjectValues & { limit: number }> };
  search: {
    counted: { first: Prepared<SearchValues>; after: Prepared<SearchValues> };
    page: { first: Prepared<SearchValues>; after: Prepared<SearchValues> };
  };
  events: { first: { page: Prepared<EventValues>; total: Prepared<EventValues> }; after: { page: Prepared<EventValues>; total: Prepared<EventValues> } };
  subjectsByCodes: Prepared<readonly string[]>;
  insertRecords: Prepared<InsertValues>;
  catalog: Prepared<null>;
}

export async function buildStatements(): Promise<RawStatements> {
  const catalog = prepare<null>(pick(await captureStatements((db) => listCatalogTypes(db)), /catalog_types/, 'listCatalogTypes'), [], 'catalog');
  return {
    subjectWithPage: { public: await subjectWithPageStatement('public'), department: await subjectWithPageStatement('department') },
    search: {
      counted: { first: await searchStatement(false, true), after: await searchStatement(true, true) },
      page: { first: await searchStatement(false, false), after: await searchStatement(true, false) },
    },
    events: { first: await eventStatements(false), after: await eventStatements(true) },
    subjectsByCodes: await subjectsByCodesStatement(),
    insertRecords: await insertRecordsStatement(),
    catalog,
  };
}
