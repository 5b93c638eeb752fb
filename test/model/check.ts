import type { GraphQLResponse, TestGateway } from '../support/gateway.js';
import { ACCESS_LOG_QUERY, asAuditor, CHECK_QUERY, requestAs, SEARCH_QUERY, SUBJECT_QUERY } from './client.js';
import { compareCheck, expectedCheck, type MeasureData } from './credit-check.js';
import { compareSubject, sortedNodes, type Difference, type Observation } from './compare.js';
import { expectedLookup, expectedSearch, type ExpectedEvent, type ExpectedSubject } from './expected.js';
import type { ModelState, Viewer } from './model.js';
import type { Plan, PlannedRead } from './plan.js';

/**
 * Runs a world's reads at their instants and compares each answer with the model's, then reads the access log
 * (L1) and compares the events of every subject with the ones the answers must have written.
 */
export interface CheckResult {
  differences: Difference[];
  observations: Observation[];
  reads: number;
  records: number;
  /** what the reads exercised: view tiers, record classes per view, versions, disputes, refusals, nulls; ms per step */
  coverage: Map<string, number>;
}

/** One world's checking: the gateway, the model's state, and what the reads found. */
interface Run {
  gw: TestGateway;
  state: ModelState;
  measures: readonly MeasureData[];
  out: Difference[];
  seen: Observation[];
  events: ExpectedEvent[];
  coverage: Map<string, number>;
}

const count = (coverage: Map<string, number>, key: string, n = 1) => coverage.set(key, (coverage.get(key) ?? 0) + n);

function cover(run: Run, subject: ExpectedSubject, full: boolean): void {
  const view = String(subject.fields.view);
  const fallback = subject.redactions.some((r) => r.field === 'records') ? ' (fallback)' : '';
  count(run.coverage, `view ${view}${fallback}${subject.fields.kind === 'INDIVIDUAL' ? ' individual' : ''}`);
  if (!full) return;
  for (const r of subject.records) {
    count(run.coverage, `record in ${view}: ${r.why.replace(/ source .*$/, '').replace(/^\S+ /, '')}`);
    if (r.dispute) count(run.coverage, `disputed record in ${view} (${r.dispute.entitled ? 'texts' : 'no texts'})`);
    if (!Array.isArray(r.history)) continue;
    count(run.coverage, `earlier versions shown in ${view}`, r.history.length);
    count(run.coverage, `earlier versions left out in ${view} (W2a)`, Number(r.fields.version) - 1 - r.history.length);
    count(run.coverage, `earlier versions with details in ${view}`, r.history.filter((v) => v.snapshot.details !== undefined).length);
  }
}

export function describeViewer(v: Viewer): string {
  const who = v.role === 'subject' ? `subject ${v.subjectCode}` : v.org ? `${v.role} ${v.org}` : v.role;
  return v.purpose ? `${who} purpose ${v.purpose.kind}` : who;
}

function describeRead(read: PlannedRead): string {
  const filter = read.filter ? ` records(${JSON.stringify(read.filter)})` : '';
  const op = read.op === 'subject' ? `subject("${read.code}")${filter}`
    : read.op === 'check' ? `creditCheck("${read.code}", ${read.scenario})` : `searchSubjects("${read.query}")`;
  return `read#${read.index} ${op} as ${describeViewer(read.viewer)} at ${read.at.toISOString()}`;
}

function compareRefusal(reason: string, response: GraphQLResponse, field: string, path: string, out: Difference[]): void {
  const extensions = response.body.errors?.[0]?.extensions;
  if (extensions?.code !== 'BAD_USER_INPUT' || extensions.reason !== reason || (response.body.data?.[field] ?? null) !== null) {
    out.push({ rule: 'error', path, expected: `BAD_USER_INPUT ${reason}`, actual: response.body });
  }
}

function unexpectedError(response: GraphQLResponse, path: string, out: Difference[]): boolean {
  if (!response.body.errors?.length && response.body.data) return false;
  out.push({ rule: 'error', path, expected: 'an answer without errors', actual: response.body.errors ?? response.body });
  return true;
}

/** The event an answer must have written (L1): its view and the record ids it actually returned. */
function eventOf(answer: Record<string, any>, subjectCode: string, operationName: ExpectedEvent['operationName'], viewer: Viewer, grantIds: string[]): ExpectedEvent {
  return {
    operationName, subjectCode, view: answer.view, purposeKind: viewer.purpose?.kind ?? null,
    org: viewer.role === 'subject' || viewer.role === 'public' ? null : viewer.org,
    recordIds: (answer.records.edges as { node: { id: string } }[]).map((e) => String(e.node.id)).sort(),
    grantIds: answer.view === 'AGENCY' ? grantIds : [],
  };
}

/** §1, A4, §10.2: a suspended organisation's token is refused (HTTP 401), never downgraded to the public view. */
async function checkSuspended(run: Run, read: PlannedRead, path: string): Promise<void> {
  count(run.coverage, 'refused UNAUTHENTICATED (suspended)');
  const query = read.op === 'check' ? CHECK_QUERY : read.op === 'search' ? SEARCH_QUERY : SUBJECT_QUERY;
  const response = await requestAs(run.gw, read.viewer, query, {
    code: read.code, query: read.query, scenario: read.scenario, purpose: read.viewer.purpose ?? undefined,
  });
  if (response.status !== 401 || response.body.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED' || response.body.data) {
    run.out.push({ rule: 'suspended', path, expected: 'HTTP 401 UNAUTHENTICATED, no data', actual: { status: response.status, body: response.body } });
  }
}

/** C1–C3 */
async function checkCreditCheck(run: Run, read: PlannedRead, path: string): Promise<void> {
  const expected = expectedCheck(run.state, read.viewer, read.subjectCode!, read.scenario, read.at, run.measures);
  const response = await requestAs(run.gw, read.viewer, CHECK_QUERY, { code: read.code, scenario: read.scenario, purpose: read.viewer.purpose });
  count(run.coverage, 'error' in expected ? `check refused ${expected.error.code}` : `check ${expected.verdict}`);
  const ids = compareCheck(expected, response.body, path, run.out);
  if (!ids) return;
  run.events.push({
    operationName: 'creditCheck', subjectCode: read.subjectCode!, view: response.body.data.creditCheck.subject.view,
    purposeKind: read.viewer.purpose!.kind, org: read.viewer.org, recordIds: ids, grantIds: [],
  });
}

/** `subject(code, purpose)` with its records, following the cursor when the read pages (D7, order across pages). */
async function checkLookup(run: Run, read: PlannedRead, path: string): Promise<void> {
  const expected = expectedLookup(run.state, read.viewer, read.subjectCode!, read.at, read.filter);
  const variables = { code: read.code, purpose: read.viewer.purpose ?? undefined, ...(read.filter ?? {}), ...(read.pageSize ? { first: read.pageSize } : {}) };
  const response = await requestAs(run.gw, read.viewer, SUBJECT_QUERY, variables);
  if ('error' in expected) {
    count(run.coverage, `refused ${expected.error}`);
    return compareRefusal(expected.error, response, 'subject', path, run.out);
  }
  if (unexpectedError(response, path, run.out)) return;
  const actual = response.body.data.subject;
  const grantIds = expected.subject?.event.grantIds ?? [];
  if (actual) run.events.push(eventOf(actual, read.subjectCode!, 'subject', read.viewer, grantIds));
  if ((expected.subject === null) !== (actual === null)) {
    run.out.push({ rule: 'found', path, expected: expected.subject ? 'the subject' : null, actual: actual ? `the subject (view ${actual.view})` : null });
    return;
  }
  if (!expected.subject) return void count(run.coverage, 'subject null (P0/P3)');
  cover(run, expected.subject, true);
  for (let page = 2; actual.records.pageInfo.hasNextPage && page <= 50; page += 1) {
    count(run.coverage, 'records pages followed');
    const next = await requestAs(run.gw, read.viewer, SUBJECT_QUERY, { ...variables, after: actual.records.pageInfo.endCursor });
    if (unexpectedError(next, `${path} page ${page}`, run.out)) return;
    const more = next.body.data.subject;
    run.events.push(eventOf(more, read.subjectCode!, 'subject', read.viewer, grantIds));
    if (more.records.totalCount !== actual.records.totalCount) {
      run.out.push({ rule: 'totalCount', path: `${path} page ${page}`, expected: actual.records.totalCount, actual: more.records.totalCount });
    }
    actual.records.edges.push(...more.records.edges);
    actual.records.pageInfo = more.records.pageInfo;
  }
  compareSubject(expected.subject, actual, path, run.out, run.seen, true);
}

/** `searchSubjects`: which subjects, in which view, with which records (P4, G3). */
async function checkSearch(run: Run, read: PlannedRead, path: string): Promise<void> {
  const expected = expectedSearch(run.state, read.viewer, read.query!, read.at);
  const response = await requestAs(run.gw, read.viewer, SEARCH_QUERY, { query: read.query, purpose: read.viewer.purpose ?? undefined });
  if ('error' in expected) {
    count(run.coverage, `refused ${expected.error}`);
    return compareRefusal(expected.error, response, 'searchSubjects', path, run.out);
  }
  count(run.coverage, `search found ${expected.nodes.length}`);
  if (unexpectedError(response, path, run.out)) return;
  const connection = response.body.data.searchSubjects as { totalCount: number; edges: { node: Record<string, unknown> }[] };
  const nodes = sortedNodes(expected.nodes);
  const actualNodes = connection.edges.map((e) => e.node).sort((a, b) => `${a.code}|${a.name}`.localeCompare(`${b.code}|${b.name}`));
  const found = (list: { code?: unknown; name?: unknown }[]) => list.map((n) => `${n.code} ${n.name}`);
  const expectedFound = found(nodes.map((n) => n.fields));
  if (JSON.stringify(expectedFound) !== JSON.stringify(found(actualNodes)) || connection.totalCount !== nodes.length) {
    run.out.push({ rule: 'search', path, expected: expectedFound, actual: { totalCount: connection.totalCount, nodes: found(actualNodes) } });
    return;
  }
  nodes.forEach((node, i) => {
    cover(run, node, false);
    compareSubject(node, actualNodes[i], `${path} node ${node.fields.code}`, run.out, run.seen, false);
    run.events.push(eventOf(actualNodes[i], node.event.subjectCode, 'searchSubjects', read.viewer, node.event.grantIds));
  });
}

async function checkRead(run: Run, read: PlannedRead): Promise<void> {
  run.gw.clock.now = read.at;
  const path = describeRead(read);
  if (read.viewer.org && run.state.suspended.includes(read.viewer.org)) return checkSuspended(run, read, path);
  if (read.op === 'check') return checkCreditCheck(run, read, path);
  if (read.op === 'subject') return checkLookup(run, read, path);
  return checkSearch(run, read, path);
}

interface EventNode {
  operationName: string | null;
  view: string | null;
  purpose: { kind: string } | null;
  grantId: string | null;
  organization: { code: string } | null;
  recordIds: string[];
}

const READ_OPERATIONS = ['subject', 'searchSubjects', 'creditCheck'];

const eventKey = (e: { operationName: string | null; view: string | null; purposeKind: string | null; org: string | null; recordIds: string[] }) =>
  `${e.operationName} view ${e.view} purpose ${e.purposeKind} org ${e.org} records [${[...e.recordIds].sort().join(',')}]`;
const actualKey = (e: EventNode) => eventKey({ ...e, purposeKind: e.purpose?.kind ?? null, org: e.organization?.code ?? null });

async function eventsOf(run: Run, auditOffice: string, subjectCode: string, path: string): Promise<EventNode[] | null> {
  const nodes: EventNode[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const response = await requestAs(run.gw, asAuditor(auditOffice), ACCESS_LOG_QUERY, { filter: { subjectCode }, first: 100, after });
    if (unexpectedError(response, path, run.out)) return null;
    const log = response.body.data.accessLog;
    nodes.push(...(log.edges as { node: EventNode }[]).map((e) => e.node));
    if (!log.pageInfo.hasNextPage) break;
    after = log.pageInfo.endCursor;
  }
  return nodes.filter((e) => READ_OPERATIONS.includes(String(e.operationName)));
}

/** L1: every resolved subject wrote exactly one event with the record ids it returned (and the grant of an AGENCY view). */
async function checkAccessLog(run: Run, plan: Plan): Promise<void> {
  for (const subject of run.state.subjects) {
    const path = `accessLog(subjectCode ${subject.code})`;
    const actual = await eventsOf(run, plan.auditOffice, subject.code, path);
    if (!actual) continue;
    const remaining = [...actual];
    for (const expected of run.events.filter((e) => e.subjectCode === subject.code)) {
      const i = remaining.findIndex((e) => actualKey(e) === eventKey(expected)
        && (expected.grantIds.length ? expected.grantIds.includes(String(e.grantId)) : e.grantId === null));
      if (i >= 0) remaining.splice(i, 1);
      else run.out.push({ rule: 'L1', path, expected: `${eventKey(expected)} grant ∈ [${expected.grantIds}]`, actual: actual.map((e) => `${actualKey(e)} grant ${e.grantId}`) });
    }
    for (const e of remaining) run.out.push({ rule: 'L1', path, expected: 'no further event', actual: `${actualKey(e)} grant ${e.grantId}` });
  }
}

export async function checkReads(gw: TestGateway, plan: Plan, state: ModelState, measures: readonly MeasureData[]): Promise<CheckResult> {
  const run: Run = { gw, state, measures, out: [], seen: [], events: [], coverage: new Map() };
  for (const read of plan.reads) {
    const started = performance.now();
    await checkRead(run, read);
    count(run.coverage, `ms in ${read.op}`, Math.round(performance.now() - started));
  }
  const started = performance.now();
  await checkAccessLog(run, plan);
  count(run.coverage, 'ms in accessLog', Math.round(performance.now() - started));
  count(run.coverage, 'access events checked (L1)', run.events.length);
  return { differences: run.out, observations: run.seen, reads: plan.reads.length, records: state.records.length, coverage: run.coverage };
}
