import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { importFile, rejectsPath } from '../../src/modules/ingest/importer.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { expectBadUserInput, expectNoErrors, NOW, uniqueToken } from '../support/disclosure-e2e.js';
import { createSubject } from '../support/factories.js';
import type { GraphQLResponse, TestGateway } from '../support/gateway.js';
import { openGatewaySuite } from '../support/suite.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC W5 (issuing authority, 一数一源) over HTTP with real tokens: admins say which departments may file each
 * catalog type (`setIssuers`), `catalog` shows the lists, and a row of any other organisation is refused NOT_ISSUER —
 * in `submitRecords` (a W1 row error, the batch atomic) and in the NDJSON importer (a reject with its line number),
 * which share the planner. An empty list lets every department file the type. Each test starts from empty lists.
 */
const SET_ISSUERS = `mutation($type: String!, $orgCodes: [String!]!) {
  setIssuers(type: $type, orgCodes: $orgCodes) { code issuers { code kind } } }`;
const CATALOG = `{ catalog { code issuers { code } } }`;
const SUBMIT = `mutation($records: [RecordInput!]!) {
  submitRecords(records: $records) { accepted ids errors { index reason message } } }`;
const DECIDED = '2026-01-05T09:00:00+08:00';

type Row = Record<string, unknown>;
interface BatchResult { accepted: number; ids: string[]; errors: { index: number; reason: string; message: string }[] }

describe.each(testDatabaseKinds())('W5 issuing authority on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;
  let deptB: string;
  let agency: string;
  let auditOffice: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
  });

  afterEach(async () => {
    await database.db.execute(sql`DELETE FROM catalog_type_issuers`);
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  /** As the admin by default; `null` calls as the public (no token). */
  const setIssuers = (type: string, orgCodes: string[], token: string | null = tokens.admin()) =>
    gw.request(SET_ISSUERS, { token: token ?? undefined, variables: { type, orgCodes } });

  async function issuersOf(type: string): Promise<string[]> {
    const response = await gw.request(CATALOG);
    expectNoErrors(response);
    const entry = (response.body.data.catalog as { code: string; issuers: { code: string }[] }[]).find((t) => t.code === type);
    return entry!.issuers.map((o) => o.code);
  }

  async function submit(token: string, rows: Row[]): Promise<BatchResult> {
    const response = await gw.request(SUBMIT, { token, variables: { records: rows } });
    expectNoErrors(response);
    return response.body.data.submitRecords as BatchResult;
  }

  async function recordsOf(subjectId: number) {
    return queryRows<{ id: string; type: string; source_org: string; version: number }>(database.db, sql`
      SELECT id, type, source_org, version FROM records WHERE subject_id = ${subjectId} ORDER BY type`);
  }

  const enterprise = () => createSubject(database.db, deptA, 'ENTERPRISE');
  const judgment = (subjectCode: string, overrides: Row = {}): Row => ({
    subjectCode, type: 'judgment', sourceRef: uniqueToken('JDG'), title: '民事判决书', severity: 'GENERAL', decidedAt: DECIDED, ...overrides,
  });
  const licence = (subjectCode: string, overrides: Row = {}): Row => ({
    subjectCode, type: 'license', sourceRef: uniqueToken('LIC'), title: '食品经营许可证', decidedAt: DECIDED, ...overrides,
  });
  const refusal = (response: GraphQLResponse) => ({ data: response.body.data?.setIssuers ?? null, code: response.body.errors?.[0]?.extensions?.code });

  describe('setIssuers', () => {
    it('W5: only admins set issuers — the public gets UNAUTHENTICATED, every other role FORBIDDEN, and nothing changes', async () => {
      expect(refusal(await setIssuers('judgment', [deptA], null))).toEqual({ data: null, code: 'UNAUTHENTICATED' });
      const subject = await enterprise();
      for (const token of [tokens.department(deptA), tokens.agency(agency), tokens.auditor(auditOffice), tokens.subject(subject.code)]) {
        expect(refusal(await setIssuers('judgment', [deptA], token))).toEqual({ data: null, code: 'FORBIDDEN' });
      }
      expect(await issuersOf('judgment')).toEqual([]);
      const admitted = await setIssuers('judgment', [deptA]);
      expectNoErrors(admitted);
      expect(admitted.body.data.setIssuers).toEqual({ code: 'judgment', issuers: [{ code: deptA, kind: 'DEPARTMENT' }] });
    });

    it('W5: setIssuers replaces the whole list (de-duplicated, codes normalised) and `catalog` shows each type\'s issuers', async () => {
      const both = await setIssuers(' judgment ', [deptB, deptA, deptA.toLowerCase(), ` ${deptB} `]);
      expectNoErrors(both);
      expect(both.body.data.setIssuers.issuers.map((o: { code: string }) => o.code)).toEqual([deptA, deptB].sort());
      expect(await issuersOf('judgment')).toEqual([deptA, deptB].sort());

      const replaced = await setIssuers('judgment', [deptB]);
      expectNoErrors(replaced);
      expect(await issuersOf('judgment')).toEqual([deptB]);
      expect(await issuersOf('penalty')).toEqual([]);

      expectNoErrors(await setIssuers('judgment', []));
      expect(await issuersOf('judgment')).toEqual([]);
    });

    it('W5: two setIssuers in one document each answer the list they set (mutations run in order)', async () => {
      const response = await gw.request(`mutation($a: [String!]!, $b: [String!]!) {
        first: setIssuers(type: "judgment", orgCodes: $a) { issuers { code } }
        second: setIssuers(type: "judgment", orgCodes: $b) { issuers { code } } }`, { token: tokens.admin(), variables: { a: [deptA], b: [deptB] } });
      expectNoErrors(response);
      expect(response.body.data).toEqual({ first: { issuers: [{ code: deptA }] }, second: { issuers: [{ code: deptB }] } });
      expect(await issuersOf('judgment')).toEqual([deptB]);
    });

    it('W5: refusals NOT_IN_CATALOG, UNKNOWN_ORGANIZATION and NOT_A_DEPARTMENT leave the list as it was', async () => {
      expectNoErrors(await setIssuers('tax-arrears', [deptA]));
      const cases: [string, string[], string][] = [
        ['no-such-type', [deptB], 'NOT_IN_CATALOG'],
        ['tax-arrears', [deptB, 'NO-SUCH-ORG'], 'UNKNOWN_ORGANIZATION'],
        ['tax-arrears', [deptB, agency], 'NOT_A_DEPARTMENT'],
        ['tax-arrears', [auditOffice], 'NOT_A_DEPARTMENT'],
        ['tax-arrears', ['PLATFORM'], 'NOT_A_DEPARTMENT'],
      ];
      for (const [type, codes, reason] of cases) {
        const response = await setIssuers(type, codes);
        expectBadUserInput(response, reason);
        expect(response.body.data?.setIssuers ?? null).toBeNull();
      }
      expect(await issuersOf('tax-arrears')).toEqual([deptA]);
    });

    it('W5: `catalog` loads the issuers of every type in one statement, not one per type', async () => {
      expectNoErrors(await setIssuers('judgment', [deptA]));
      expectNoErrors(await setIssuers('tax-rating', [deptB]));
      database.resetStatements();
      const response = await gw.request(CATALOG);
      expectNoErrors(response);
      expect(response.body.data.catalog.length).toBe(17);
      expect(database.statements.filter((s) => s.includes('catalog_type_issuers'))).toHaveLength(1);
    });
  });

  describe('submitRecords', () => {
    it('W5: a non-issuer department\'s row is refused NOT_ISSUER and the batch stays atomic (nothing written)', async () => {
      expectNoErrors(await setIssuers('judgment', [deptB]));
      const subject = await enterprise();
      const result = await submit(tokens.department(deptA), [licence(subject.code), judgment(subject.code)]);
      expect(result).toMatchObject({ accepted: 0, ids: [] });
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([{ index: 1, reason: 'NOT_ISSUER' }]);
      expect(result.errors[0]!.message).toContain(deptB);
      expect(await recordsOf(subject.id)).toEqual([]);
    });

    it('W5: an issuer\'s row is accepted and filed under its own name', async () => {
      expectNoErrors(await setIssuers('judgment', [deptB]));
      const subject = await enterprise();
      const result = await submit(tokens.department(deptB), [judgment(subject.code), licence(subject.code)]);
      expect(result).toMatchObject({ accepted: 2, errors: [] });
      expect((await recordsOf(subject.id)).map((r) => [r.type, r.source_org])).toEqual([['judgment', deptB], ['license', deptB]]);
    });

    it('W5: an empty issuer list admits every department', async () => {
      const subject = await enterprise();
      expect((await submit(tokens.department(deptA), [judgment(subject.code)])).accepted).toBe(1);
      expectNoErrors(await setIssuers('judgment', [deptA]));
      expect((await submit(tokens.department(deptB), [judgment(subject.code)])).errors.map((e) => e.reason)).toEqual(['NOT_ISSUER']);
      expectNoErrors(await setIssuers('judgment', []));
      expect((await submit(tokens.department(deptB), [judgment(subject.code)])).accepted).toBe(1);
      expect((await recordsOf(subject.id)).map((r) => r.source_org).sort()).toEqual([deptA, deptB].sort());
    });

    it('W5, W2: a de-listed source\'s unchanged re-submission answers its existing id; a changed one is NOT_ISSUER', async () => {
      const subject = await enterprise();
      const row = judgment(subject.code);
      const filed = await submit(tokens.department(deptA), [row]);
      expect(filed.accepted).toBe(1);
      expectNoErrors(await setIssuers('judgment', [deptB]));

      expect(await submit(tokens.department(deptA), [row])).toEqual({ accepted: 1, ids: filed.ids, errors: [] });
      const changed = await submit(tokens.department(deptA), [{ ...row, title: '民事判决书（更正）' }]);
      expect(changed.errors.map((e) => e.reason)).toEqual(['NOT_ISSUER']);
      expect(await recordsOf(subject.id)).toEqual([{ id: filed.ids[0], type: 'judgment', source_org: deptA, version: 1 }]);
    });

    it('W5, R2: a de-listed source still corrects its record when it resolves an objection as CORRECTED', async () => {
      const subject = await enterprise();
      const filed = await submit(tokens.department(deptA), [judgment(subject.code)]);
      expect(filed.accepted).toBe(1);
      expectNoErrors(await setIssuers('judgment', [deptB]));
      const objected = await gw.request(`mutation($r: ID!) { fileObjection(recordId: $r, reason: "判决书文号有误") { id } }`, {
        token: tokens.subject(subject.code), variables: { r: filed.ids[0] },
      });
      expectNoErrors(objected);
      const resolved = await gw.request(`mutation($id: ID!) {
        resolveObjection(id: $id, outcome: CORRECTED, note: "已更正文号", correction: { decisionNumber: "（2026）粤02民初1号" }) { status outcome correctedVersion } }`, {
        token: tokens.department(deptA), variables: { id: objected.body.data.fileObjection.id },
      });
      expectNoErrors(resolved);
      expect(resolved.body.data.resolveObjection).toEqual({ status: 'RESOLVED', outcome: 'CORRECTED', correctedVersion: 2 });
      expect(await recordsOf(subject.id)).toEqual([{ id: filed.ids[0], type: 'judgment', source_org: deptA, version: 2 }]);
    });

    it('W5, W1: a non-issuer\'s row that is invalid anyway reports its own reason first (DISCLOSURE_TOO_LOOSE)', async () => {
      expectNoErrors(await setIssuers('judgment', [deptB]));
      const subject = await enterprise();
      const result = await submit(tokens.department(deptA), [judgment(subject.code, { disclosure: 'PUBLIC' }), judgment(subject.code)]);
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([
        { index: 0, reason: 'DISCLOSURE_TOO_LOOSE' }, { index: 1, reason: 'NOT_ISSUER' },
      ]);
    });
  });

  describe('NDJSON importer', () => {
    it('W5, W4: the importer rejects a non-issuer\'s line with NOT_ISSUER and its line number; the other lines import', async () => {
      expectNoErrors(await setIssuers('judgment', [deptB]));
      const subject = await enterprise();
      const lines = [licence(subject.code), judgment(subject.code), licence(subject.code), judgment(subject.code)];
      const dir = await mkdtemp(path.join(tmpdir(), 'cqg-issuers-'));
      try {
        const file = path.join(dir, 'records.ndjson');
        await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
        const result = await importFile({
          db: database.db, filer: { orgCode: deptA, role: 'department', actor: 'importer-test' }, file, now: () => NOW,
        });
        expect(result).toMatchObject({ imported: 2, rejected: 2, skipped: 0, lines: 4 });
        const rejects = (await readFile(rejectsPath(file), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
        expect(rejects.map((r) => ({ line: r.line, reason: r.reason }))).toEqual([{ line: 2, reason: 'NOT_ISSUER' }, { line: 4, reason: 'NOT_ISSUER' }]);
        expect((await recordsOf(subject.id)).map((r) => [r.type, r.source_org])).toEqual([['license', deptA], ['license', deptA]]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
