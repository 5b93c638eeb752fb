import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNamedType, isObjectType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import type { TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { at, CREDIT_REPORT, expectNoErrors, LICENSING, NOW, placeRecord } from '../support/disclosure-e2e.js';
import { eventsOfRequest, post, type HttpResult, type StoredEvent } from '../support/access-log-e2e.js';
import { iso, plusDays } from '../support/grants-e2e.js';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { DISCLOSURE_INVENTORY } from '../../policies/disclosure-inventory.js';
import { maskResidentId } from '../../src/domain/masking.js';

/**
 * Issue 13 point 3 — every disclosure logged (SPEC L1). The operations that can return subject data are found
 * from the schema (a root field whose answer reaches a type the inventory classifies as carrying subject data),
 * not from a hand list: the test fails when such an operation has no scenario here. Each scenario runs the
 * operation over HTTP; the answer is walked for every subject it names and every record it returns, and the
 * events stored under the request's id must name exactly those subjects and exactly those records.
 */

/** Root fields whose answer can carry a subject's code, name, records, statements or cases. */
function operationsCarryingSubjectData(schema: GraphQLSchema): string[] {
  const carries = new Map<string, boolean>();
  const reaches = (type: GraphQLNamedType, seen: Set<string>): boolean => {
    if (!isObjectType(type)) return false;
    if (carries.has(type.name)) return carries.get(type.name)!;
    if (DISCLOSURE_INVENTORY[type.name]?.carries === 'subject') return true;
    if (seen.has(type.name)) return false;
    seen.add(type.name);
    const result = Object.values(type.getFields()).some((field) => reaches(getNamedType(field.type), seen));
    carries.set(type.name, result);
    return result;
  };
  return [schema.getQueryType()!, schema.getMutationType()!].flatMap((root) =>
    Object.values(root.getFields()).filter((field) => reaches(getNamedType(field.type), new Set())).map((field) => `${root.name}.${field.name}`));
}

interface Shown {
  subjects: Set<string>;
  records: Set<string>;
}

/** Every subject code and record id an answer carries, by the GraphQL type of the object that carries it. */
function shownIn(data: unknown, shown: Shown = { subjects: new Set(), records: new Set() }): Shown {
  if (Array.isArray(data)) {
    for (const item of data) shownIn(item, shown);
    return shown;
  }
  if (!data || typeof data !== 'object') return shown;
  const object = data as Record<string, unknown>;
  switch (object.__typename) {
    case 'Subject': shown.subjects.add(String(object.code)); break;
    case 'CreditRecord': shown.records.add(String(object.id)); break;
    case 'Grant': shown.subjects.add(String(object.subjectCode)); break;
    case 'RecordChange': shown.subjects.add(String(object.subjectCode)); break;
    case 'Objection': case 'RepairApplication': case 'CaseEvent':
      shown.subjects.add(String(object.subjectCode));
      shown.records.add(String(object.recordId));
      break;
    default: break;
  }
  for (const value of Object.values(object)) shownIn(value, shown);
  return shown;
}

const sameSubject = (shownCode: string, loggedCode: string) => shownCode === loggedCode || shownCode === maskResidentId(loggedCode);

async function expectLoggedExactly(db: TestDatabase['db'], response: HttpResult, operation: string): Promise<StoredEvent[]> {
  expectNoErrors(response);
  const shown = shownIn(response.body.data);
  const events = (await eventsOfRequest(db, response.requestId)).filter((e) => e.subjectCode !== null);
  expect(shown.subjects.size + shown.records.size, `${operation}: the scenario shows subject data`).toBeGreaterThan(0);
  for (const code of shown.subjects) expect(events.some((e) => sameSubject(code, e.subjectCode!)), `${operation}: an event for ${code}`).toBe(true);
  for (const event of events) {
    // a subject is shown by its code, or by a record of it that the answer returns (withdrawRecord answers the record)
    const shownSubject = [...shown.subjects].some((code) => sameSubject(code, event.subjectCode!)) || event.recordIds.some((id) => shown.records.has(id));
    expect(shownSubject, `${operation}: no event for a subject not shown`).toBe(true);
    expect(event.operationName, operation).toBe(operation.split('.')[1]);
  }
  expect(new Set(events.flatMap((e) => e.recordIds)), `${operation}: the events name exactly the records returned`).toEqual(shown.records);
  return events;
}

const SUBJECT_DOC = `__typename code records(first: 100) { edges { node { __typename id history { version } } } }`;
const OBJECTION_DOC = `__typename id subjectCode recordId reason history { __typename subjectCode recordId }`;
const REPAIR_DOC = `__typename id subjectCode recordId commitment`;
const CHECK_DOC = `checkId subject { ${SUBJECT_DOC} } restrictions { record { __typename id } } warnings { record { __typename id } } incentives { record { __typename id } }`;

describe.each(testDatabaseKinds())('L1: every operation that returns subject data logs it (issue 13 point 3) on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;
  let deptB: string;
  let agency: string;
  let auditOffice: string;
  let company: SubjectFixture;
  let person: SubjectFixture;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
    company = await createSubject(database.db, deptA, 'ENTERPRISE', { name: `留痕测试${Date.now()}有限公司` });
    person = await createSubject(database.db, deptA, 'INDIVIDUAL');
    ids.licence = (await placeRecord(database.db, company, deptA, { type: 'license', decidedAt: at('2026-05-01T00:00:00Z') })).id;
    ids.arrears = (await placeRecord(database.db, company, deptA, { type: 'tax-arrears', severity: 'GENERAL', decidedAt: at('2026-02-01T00:00:00Z') })).id;
    ids.penalty = (await placeRecord(database.db, company, deptA, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-12-01T00:00:00Z') })).id;
    ids.listing = (await placeRecord(database.db, person, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T00:00:00Z') })).id;
    const early = await gw.request(`mutation($r: ID!) { fileObjection(recordId: $r, reason: "早已履行完毕") { id } }`, { token: tokens.subject(person.code), variables: { r: ids.listing } });
    expectNoErrors(early);
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const db = () => database.db;
  const run = (query: string, token?: string, variables?: Record<string, unknown>) => post(gw, query, { token, variables });

  /** One scenario per operation, in the order they run (later ones use what earlier ones created). */
  const scenarios: [string, () => Promise<HttpResult | 'L4'>][] = [
    ['Mutation.grantAuthorization', async () => {
      const response = await run(`mutation($i: GrantInput!) { grantAuthorization(input: $i) { __typename id subjectCode } }`, tokens.subject(company.code), {
        i: { agencyCode: agency, categories: ['COMPLIANCE', 'ADMINISTRATIVE'], purpose: 'CREDIT_REPORT', validUntil: iso(plusDays(NOW, 60)) },
      });
      ids.grant = response.body.data?.grantAuthorization?.id;
      return response;
    }],
    ['Query.subject', () => run(`query($c: String!, $p: PurposeInput) { subject(code: $c, purpose: $p) { ${SUBJECT_DOC} } }`, tokens.agency(agency), { c: company.code, p: CREDIT_REPORT })],
    ['Query.searchSubjects', () => run(`query($q: String!, $p: PurposeInput) { searchSubjects(query: $q, purpose: $p) { edges { node { ${SUBJECT_DOC} } } } }`, tokens.department(deptB), { q: '留痕测试', p: LICENSING })],
    ['Query.publicNotices', () => run(`{ publicNotices(types: ["license", "penalty"], first: 100) { edges { node { subject { ${SUBJECT_DOC} } record { __typename id title } } } } }`, tokens.department(deptB))],
    ['Query.myGrants', () => run(`{ myGrants { edges { node { __typename id subjectCode } } } }`, tokens.agency(agency))],
    ['Mutation.fileObjection', async () => {
      const response = await run(`mutation($r: ID!) { fileObjection(recordId: $r, reason: "许可信息有误") { ${OBJECTION_DOC} } }`, tokens.subject(company.code), { r: ids.licence });
      ids.objection = response.body.data?.fileObjection?.id;
      return response;
    }],
    ['Mutation.applyForRepair', async () => {
      const response = await run(`mutation($r: ID!) { applyForRepair(recordId: $r, commitment: "承诺守信", evidence: "缴款凭证") { ${REPAIR_DOC} } }`, tokens.subject(company.code), { r: ids.penalty });
      ids.repair = response.body.data?.applyForRepair?.id;
      return response;
    }],
    ['Query.objectionsToResolve', () => run(`{ objectionsToResolve(first: 100) { edges { node { ${OBJECTION_DOC} } } } }`, tokens.department(deptA))],
    ['Query.repairApplicationsToDecide', () => run(`{ repairApplicationsToDecide(first: 100) { edges { node { ${REPAIR_DOC} } } } }`, tokens.department(deptA))],
    ['Query.overdueObjections', async () => {
      gw.clock.now = plusDays(NOW, 14);
      try {
        return await run(`{ overdueObjections(first: 100) { edges { node { ${OBJECTION_DOC} } } } }`, tokens.admin());
      } finally {
        gw.clock.now = NOW;
      }
    }],
    ['Query.caseEvents', () => run(`{ caseEvents(first: 100) { edges { node { __typename subjectCode recordId action } } } }`, tokens.auditor(auditOffice))],
    ['Query.creditCheck', async () => {
      const response = await run(`query($c: String!, $p: PurposeInput!) { creditCheck(code: $c, scenario: LICENSING, purpose: $p) { ${CHECK_DOC} } }`, tokens.department(deptB), { c: company.code, p: LICENSING });
      ids.check = response.body.data?.creditCheck?.checkId;
      return response;
    }],
    ['Query.creditCheckReceipt', () => run(`query($id: ID!) { creditCheckReceipt(checkId: $id) { ${CHECK_DOC} } }`, tokens.department(deptB), { id: ids.check })],
    ['Mutation.resolveObjection', () => run(`mutation($id: ID!) { resolveObjection(id: $id, outcome: NOT_ERRONEOUS, note: "经核实无误") { ${OBJECTION_DOC} } }`, tokens.department(deptA), { id: ids.objection })],
    ['Mutation.decideRepair', () => run(`mutation($id: ID!) { decideRepair(id: $id, approve: false, reason: "材料不全") { ${REPAIR_DOC} } }`, tokens.department(deptA), { id: ids.repair })],
    ['Mutation.revokeAuthorization', () => run(`mutation($id: ID!) { revokeAuthorization(id: $id) { __typename id subjectCode } }`, tokens.subject(company.code), { id: ids.grant })],
    ['Mutation.withdrawRecord', () => run(`mutation($id: ID!) { withdrawRecord(id: $id, reason: "依法撤销") { __typename id status } }`, tokens.department(deptA), { id: ids.licence })],
    ['Query.recordChanges', async () => {
      const peer = await createOrganization(db(), 'PEER_PLATFORM');
      return run(`{ recordChanges(first: 100) { edges { node { __typename subjectCode record { __typename id } } } } }`, tokens.exchange(peer));
    }],
    ['Query.accessLog', async () => 'L4'],
  ];

  it('L1: the scenarios below cover exactly the operations the schema says can return subject data', async () => {
    expect(scenarios.map(([operation]) => operation).sort()).toEqual(operationsCarryingSubjectData(await buildGatewaySchema()).sort());
  });

  it('L1: each operation writes one event per subject it shows, naming exactly the records it returned', async () => {
    for (const [operation, scenario] of scenarios) {
      const response = await scenario();
      if (response === 'L4') {
        // L4: the auditors' log is read as stored; the reading itself is one event without a subject
        const read = await run(`{ accessLog(first: 5) { edges { node { subjectCode recordIds } } } }`, tokens.auditor(auditOffice));
        expectNoErrors(read);
        expect((await eventsOfRequest(db(), read.requestId)).map((e) => [e.subjectCode, e.operationName, e.role])).toEqual([[null, 'accessLog', 'auditor']]);
        continue;
      }
      const events = await expectLoggedExactly(db(), response, operation);
      expect(events.length, operation).toBeGreaterThan(0);
    }
  });

  // L1 (review of c22cbee): `first: 0` places no subject, but hasNextPage tells from the look-ahead row whether anything
  // matches — an answer that only pages discloses as much as one that only counts, so it logs one event without a subject.
  it('L1: an answer that only pages (first: 0, hasNextPage) logs one event without a subject; one that finds nothing logs none', async () => {
    const peer = await createOrganization(db(), 'PEER_PLATFORM');
    const pagingOnly: [string, string, string | undefined, Record<string, unknown> | undefined, boolean][] = [
      ['searchSubjects', `query($q: String!, $p: PurposeInput) { searchSubjects(query: $q, purpose: $p, first: 0) { pageInfo { hasNextPage } } }`,
        tokens.department(deptB), { q: '留痕测试', p: LICENSING }, true],
      ['searchSubjects', `query($q: String!, $p: PurposeInput) { searchSubjects(query: $q, purpose: $p, first: 0) { pageInfo { hasNextPage } } }`,
        tokens.department(deptB), { q: '留痕测试无此名称', p: LICENSING }, false],
      ['publicNotices', `{ publicNotices(types: ["penalty"], first: 0) { pageInfo { hasNextPage } } }`, tokens.department(deptB), undefined, true],
      ['recordChanges', `{ recordChanges(first: 0) { pageInfo { hasNextPage } } }`, tokens.exchange(peer), undefined, true],
    ];
    for (const [operation, query, token, variables, matches] of pagingOnly) {
      const response = await run(query, token, variables);
      expectNoErrors(response);
      const answer = response.body.data?.[operation] as { pageInfo: { hasNextPage: boolean } };
      expect(answer.pageInfo.hasNextPage, `${operation} ${JSON.stringify(variables ?? {})}`).toBe(matches);
      const events = await eventsOfRequest(db(), response.requestId);
      expect(events.map((e) => [e.subjectCode, e.operationName]), `${operation} ${JSON.stringify(variables ?? {})}`)
        .toEqual(matches ? [[null, operation]] : []);
    }
  });
});
