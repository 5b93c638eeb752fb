/**
 * Run by test/unit/hidden-classes.test.ts as `node --allow-natives-syntax --import tsx <this file>`: builds the
 * objects the read path makes per request, many times over, and prints for each kind whether every instance shares
 * one hidden class (V8 map) with fast properties. On Node 20 (V8 11.3) an object made by a spread and then given more
 * properties (`{ ...row, view }`), or an object literal with a getter, gets a map of its own per evaluation: allocated
 * in the old generation, it keeps the young objects it points to alive through every minor GC (bench/RESULTS.md 4g).
 */
import 'reflect-metadata';
import { projectSubject } from '../../policies/fields.js';
import { defineAbility } from '../../policies/abilities.js';
import { PUBLIC_VIEWER, decideView, type Standing } from '../../policies/viewer.js';
import { DisclosureCollector } from '../../src/context/disclosures.js';
import { toLazyConnection } from '../../src/graphql/connection.js';
import { recordFieldMap, scopeOf } from '../../src/modules/disclosure/scope.sql.js';
import { DEFAULT_ALIASES, REQUEST_NOW } from '../../src/modules/disclosure/record-facts.sql.js';
import { presentSubject } from '../../src/modules/subjects/subjects.service.js';
import type { SubjectRow } from '../../src/modules/subjects/subjects.repository.js';
import { mapRecordRow, mapRecordVersionRow } from '../../src/modules/records/records.repository.js';
import { applyTrustedDocuments, sha256Hex, type TrustedDocuments } from '../../src/http/trusted-documents.js';
import { toCreditRecord } from '../../src/modules/records/records.projection.js';
import type { RequestContext } from '../../src/context/request-context.js';
import type { ScopedAccess } from '../../src/context/scoped-access.js';

// natives syntax is not TypeScript: compiled at run time (the flag allows it in Function bodies too)
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const hasFastProperties = new Function('a', 'return %HasFastProperties(a)') as (a: object) => boolean;

const N = 200;

function row(i: number, kind = 'ENTERPRISE'): SubjectRow {
  return {
    id: i, code: kind === 'INDIVIDUAL' ? `44020319800101${String(1000 + (i % 9000)).slice(0, 4)}` : `91440203MA${String(i).padStart(8, '0')}`,
    kind, name: `Subject ${i}`, status: 'ACTIVE', registeredAt: '2020-01-01', address: `Road ${i}`, legalRepresentative: `Rep ${i}`,
    legalRepresentativeId: i % 2 ? `4402031980010${i % 10}0000` : null, birthDate: null, codeFlagged: false,
  };
}

/** a record row as src/db/rows.ts hands it to mapRecordRow (timestamps as wire text, see WIRE_TEXT_TYPES) */
function recordRow(i: number): Record<string, unknown> {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, subject_id: i, subject_code: row(i).code, type: 'ADMIN_PENALTY',
    category: 'PENALTY', nature: 'NEGATIVE', severity: i % 2 ? 'MINOR' : null, title: `Record ${i}`, summary: null, decision_number: `D-${i}`,
    decided_at: '2024-03-01 08:00:00+00', valid_from: '2024-03-01 08:00:00+00', valid_until: i % 3 ? null : '2027-03-01 08:00:00+00',
    legal_basis: 'Art. 1', amount: i % 2 ? 1000 : null, grade: null, group_code: null, details: { note: `n${i}` }, source_org: 'DEPT-1',
    disclosure: 'PUBLIC', status: 'ACTIVE', disputed: false, version: 1, origin_platform: null, origin_id: null,
    public_until: '2027-03-01 08:00:00+00', effective_disclosure: 'PUBLIC',
  };
}

const publicStanding: Standing = { viewer: PUBLIC_VIEWER, purpose: null, grants: [] };
const agencyStanding: Standing = {
  viewer: { role: 'agency', actor: 'probe', orgCode: 'AGENCY-1', subjectCode: null }, purpose: { kind: 'LENDING', reference: 'P-2' },
  grants: [{ id: 'g-1', subjectCode: row(1).code, categories: ['PENALTY'] }],
};
const selfStanding = (i: number): Standing => ({ viewer: { role: 'subject', actor: 'probe', orgCode: null, subjectCode: row(i).code }, purpose: null, grants: [] });
const departmentStanding: Standing = { viewer: { role: 'department', actor: 'probe', orgCode: 'DEPT-1', subjectCode: null }, purpose: { kind: 'LICENSING', reference: 'P-1' }, grants: [] };

function accessFor(standing: Standing): ScopedAccess {
  return { standing, decide: (code: string) => decideView(standing, code) } as unknown as ScopedAccess;
}

const DOCUMENT = 'query Probe($code: String!) { subject(code: $code) { code } }';
const trusted: TrustedDocuments = { mode: 'public', byHash: new Map([[sha256Hex(DOCUMENT), DOCUMENT]]), named: [] };
/** a website request's body as JSON.parse gives it: operation name, variables and the persisted-query hash, no text */
const persistedBody = (i: number) => JSON.parse(JSON.stringify({
  operationName: 'Probe', variables: { code: row(i).code }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(DOCUMENT) } },
})) as unknown;

/** kind → a factory of the i-th object (each call builds a new one, as a request does) */
const kinds: Record<string, (i: number) => object> = {
  'projectSubject PUBLIC organisation': (i) => projectSubject(row(i), decideView(publicStanding, row(i).code)),
  'projectSubject PUBLIC individual': (i) => projectSubject(row(i, 'INDIVIDUAL'), decideView(publicStanding, row(i, 'INDIVIDUAL').code)),
  'projectSubject DEPARTMENT': (i) => projectSubject(row(i), decideView(departmentStanding, row(i).code)),
  'projectSubject AGENCY': (i) => projectSubject(row(i), decideView(agencyStanding, row(i).code)),
  'projectSubject AGENCY individual': (i) => projectSubject(row(i, 'INDIVIDUAL'), decideView(agencyStanding, row(i, 'INDIVIDUAL').code)),
  'projectSubject SELF': (i) => projectSubject(row(i), decideView(selfStanding(i), row(i).code)),
  'presentSubject PUBLIC': (i) => presentSubject({ disclosures: new DisclosureCollector() } as RequestContext, row(i), accessFor(publicStanding), 'subject'),
  'presentSubject DEPARTMENT': (i) => presentSubject({ disclosures: new DisclosureCollector() } as RequestContext, row(i), accessFor(departmentStanding), 'subject'),
  'presentSubject AGENCY': (i) => presentSubject({ disclosures: new DisclosureCollector() } as RequestContext, row(i), accessFor(agencyStanding), 'subject'),
  'DisclosureCollector.subject entry': (i) => new DisclosureCollector().subject({ subjectCode: row(i).code, view: 'PUBLIC', purpose: null, grantId: null, operationName: 'subject' }),
  'Listing.subject entry': (i) => new DisclosureCollector().listing('searchSubjects', null, 3).subject({ subjectCode: row(i).code, view: 'PUBLIC', grantId: null }),
  'toLazyConnection': (i) => toLazyConnection(3, (k) => ({ k }), (k) => `c${i}-${k}`, i % 2 === 0, i),
  'toLazyConnection pageInfo': (i) => toLazyConnection(3, (k) => ({ k }), (k) => `c${i}-${k}`, i % 2 === 0, i).pageInfo,
  'toLazyConnection edge': (i) => toLazyConnection(3, (k) => ({ k }), (k) => `c${i}-${k}`, false, i).edges[1],
  'mapRecordRow': (i) => mapRecordRow(recordRow(i)),
  'toCreditRecord PUBLIC': (i) => toCreditRecord(mapRecordRow(recordRow(i)), { view: 'PUBLIC', orgCode: null }, null),
  'toCreditRecord DEPARTMENT': (i) => toCreditRecord(mapRecordRow(recordRow(i)), { view: 'DEPARTMENT', orgCode: 'DEPT-1' }, null),
  'toCreditRecord as of a credit check': (i) => toCreditRecord(mapRecordRow(recordRow(i)), { view: 'DEPARTMENT', orgCode: 'DEPT-1' }, null, undefined, new Date(i)),
  'mapRecordVersionRow': (i) => mapRecordVersionRow({ ...recordRow(i), replaced_at: '2024-04-01 08:00:00+00', changed_fields: '{title}', source_ref: `S-${i}` }),
  'applyTrustedDocuments POST body': (i) => (applyTrustedDocuments(trusted, true, 'POST', persistedBody(i), new URLSearchParams()) as { body: object }).body,
  'scopeOf': () => scopeOf(defineAbility(publicStanding), 'Record', () => recordFieldMap(DEFAULT_ALIASES, REQUEST_NOW)),
};

/**
 * The control: the pattern itself. If this V8 gives `{ ...row, view }` one map for all, the probe cannot tell a
 * regression from none (the test then skips, saying so).
 */
const control = (i: number) => ({ ...row(i), view: 'PUBLIC' });

const results: Record<string, { sameMap: boolean; fast: boolean }> = {};
for (const [kind, make] of Object.entries({ ...kinds, control })) {
  // a first round lets field representations settle (a map may be generalised once), then N more must share it
  for (let i = 0; i < 20; i++) make(i);
  const first = make(20);
  let sameMap = true;
  let fast = hasFastProperties(first);
  for (let i = 21; i < 20 + N; i++) {
    const next = make(i);
    sameMap &&= haveSameMap(first, next);
    fast &&= hasFastProperties(next);
  }
  results[kind] = { sameMap, fast };
}
process.stdout.write(`${JSON.stringify(results)}\n`);
