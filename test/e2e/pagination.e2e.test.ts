import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import {
  at, distinctBirthDate, expectBadUserInput, expectNoErrors, LICENSING, lookup, NOW, placeRecord, search, sorted, uniqueToken,
  type LookupOptions, type PlacedRecord, type SearchOptions,
} from '../support/disclosure-e2e.js';

/**
 * SPEC §10.3 Relay pagination of `Subject.records` and `searchSubjects`: `first` defaults to 20 and is capped at
 * 100 (FIRST_TOO_LARGE), malformed cursors are INVALID_CURSOR, walking with `after` returns each visible row
 * exactly once in order, and `totalCount` counts visible rows only (D7).
 */

interface Edge {
  cursor: string;
  node: { id: string; code: string; name: string; decidedAt: string };
}
interface ConnectionPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Edge[];
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

const MALFORMED_CURSORS: [string, string][] = [
  ['not base64', 'not a cursor!'],
  ['base64 of non-JSON', 'YWJj'],
  ['JSON object', cursorOf({ after: 1 })],
  ['wrong arity', cursorOf(['2026-01-01T00:00:00.000Z'])],
  ['wrong types', cursorOf([1, 2])],
  ['empty', ''],
];

/** Cursors that decode to the right shape but whose values were never issued by the server. */
const FORGED_RECORD_CURSORS: [string, string][] = [
  ['a non-date sort key', cursorOf(['not-a-date', '00000000-0000-0000-0000-000000000000'])],
  ['a non-uuid id', cursorOf(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])],
];

describe.each(testDatabaseKinds())('pagination on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database, { now: NOW });
    deptA = await createOrganization(database.db, 'DEPARTMENT');
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  const db = () => database.db;

  async function recordsPage(code: string, options: LookupOptions): Promise<ConnectionPage> {
    const response = await lookup(gw, code, options);
    expectNoErrors(response);
    return response.body.data.subject.records;
  }

  async function searchPage(query: string, options: SearchOptions): Promise<ConnectionPage> {
    const response = await search(gw, query, options);
    expectNoErrors(response);
    return response.body.data.searchSubjects;
  }

  /** Follows `endCursor` until `hasNextPage` is false; checks the page invariants on the way. */
  async function walk(fetchPage: (after?: string) => Promise<ConnectionPage>, pageSize: number): Promise<{ edges: Edge[]; pages: ConnectionPage[] }> {
    const pages: ConnectionPage[] = [];
    let after: string | undefined;
    for (let i = 0; i < 100; i += 1) {
      const page = await fetchPage(after);
      pages.push(page);
      expect(page.edges.length).toBeLessThanOrEqual(pageSize);
      if (page.edges.length) expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1].cursor);
      if (!page.pageInfo.hasNextPage) break;
      expect(page.edges.length).toBe(pageSize);
      after = page.pageInfo.endCursor!;
    }
    const last = pages[pages.length - 1];
    expect(last.pageInfo.hasNextPage).toBe(false);
    // totalCount is the same on every page
    expect(new Set(pages.map((p) => p.totalCount)).size).toBe(1);
    return { edges: pages.flatMap((p) => p.edges), pages };
  }

  /** 13 public records (several sharing a decidedAt) and 7 hidden from the public. */
  async function mixedFile(subject: SubjectFixture): Promise<{ visible: PlacedRecord[]; hidden: PlacedRecord[] }> {
    const visible: PlacedRecord[] = [];
    const hidden: PlacedRecord[] = [];
    const sameInstant = at('2026-02-02T02:00:00Z');
    for (let i = 0; i < 9; i += 1) {
      visible.push(await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at(`2026-01-${String(10 + i).padStart(2, '0')}T02:00:00Z`) }));
    }
    for (let i = 0; i < 4; i += 1) visible.push(await placeRecord(db(), subject, deptA, { type: 'honor', decidedAt: sameInstant }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SHARED', decidedAt: at('2026-01-12T02:00:00Z') }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: sameInstant }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-03-01T02:00:00Z') }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'tax-arrears', decidedAt: at('2026-01-15T02:00:00Z') }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'judgment', decidedAt: at('2025-12-01T02:00:00Z') }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'license', validUntil: at('2026-05-01T00:00:00Z'), decidedAt: at('2026-01-11T02:00:00Z') }));
    hidden.push(await placeRecord(db(), subject, deptA, { type: 'license', status: 'WITHDRAWN', decidedAt: sameInstant }));
    return { visible, hidden };
  }

  function expectNewestFirst(edges: Edge[]): void {
    for (let i = 1; i < edges.length; i += 1) {
      expect(Date.parse(edges[i - 1].node.decidedAt)).toBeGreaterThanOrEqual(Date.parse(edges[i].node.decidedAt));
    }
  }

  const byNameThenCode = (a: { name: string; code: string }, b: { name: string; code: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0;

  // ----------------------------------------------------------------------------------------------------------
  describe('Subject.records', () => {
    it('§10.3: first defaults to 20', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      for (let i = 0; i < 25; i += 1) await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: new Date(Date.UTC(2026, 0, 1 + i, 2)) });
      const page = await recordsPage(subject.code, {});
      expect(page.edges).toHaveLength(20);
      expect(page.totalCount).toBe(25);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const all = await recordsPage(subject.code, { first: 100 });
      expect(all.edges).toHaveLength(25);
      expect(all.pageInfo.hasNextPage).toBe(false);
      expect(page.edges.map((e) => e.node.id)).toEqual(all.edges.slice(0, 20).map((e) => e.node.id));
    });

    it('§10.3: first above 100 is refused with BAD_USER_INPUT / FIRST_TOO_LARGE', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      await placeRecord(db(), subject, deptA, { type: 'license' });
      for (const first of [101, 1000]) {
        const response = await lookup(gw, subject.code, { first });
        expectBadUserInput(response, 'FIRST_TOO_LARGE');
        expect(response.body.data?.subject?.records ?? null).toBeNull();
      }
      expect((await recordsPage(subject.code, { first: 100 })).edges).toHaveLength(1);
    });

    it.each(MALFORMED_CURSORS)('§10.3: a malformed cursor (%s) is refused with BAD_USER_INPUT / INVALID_CURSOR', async (_label, after) => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      await placeRecord(db(), subject, deptA, { type: 'license' });
      const response = await lookup(gw, subject.code, { after });
      expectBadUserInput(response, 'INVALID_CURSOR');
    });

    it.each(FORGED_RECORD_CURSORS)('§10.3: a forged cursor with %s is refused with BAD_USER_INPUT / INVALID_CURSOR', async (_label, after) => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      await placeRecord(db(), subject, deptA, { type: 'license' });
      const response = await lookup(gw, subject.code, { after });
      expectBadUserInput(response, 'INVALID_CURSOR');
    });

    it('§10.3: a searchSubjects cursor passed to records is refused with INVALID_CURSOR', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE', { name: `游标${uniqueToken()}有限公司` });
      await placeRecord(db(), subject, deptA, { type: 'license' });
      const searched = await searchPage(subject.code, {});
      const foreign = searched.edges[0].cursor;
      const response = await lookup(gw, subject.code, { after: foreign });
      expectBadUserInput(response, 'INVALID_CURSOR');
    });

    it('§10.3: walking all pages as the public returns each visible record exactly once, newest first, totalCount = visible rows', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      const { visible, hidden } = await mixedFile(subject);
      const single = await recordsPage(subject.code, { first: 100 });
      expect(single.totalCount).toBe(visible.length);
      for (const pageSize of [1, 4, 13]) {
        const { edges, pages } = await walk((after) => recordsPage(subject.code, { first: pageSize, after }), pageSize);
        const ids = edges.map((e) => e.node.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(sorted(ids)).toEqual(sorted(visible.map((r) => r.id)));
        expect(ids).toEqual(single.edges.map((e) => e.node.id));
        expectNewestFirst(edges);
        for (const page of pages) expect(page.totalCount).toBe(visible.length);
        expect(pages).toHaveLength(Math.ceil(visible.length / pageSize));
        for (const h of hidden) expect(ids).not.toContain(h.id);
      }
    });

    it('§10.3: walking as a department with a purpose returns its larger visible set exactly once', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      const { visible, hidden } = await mixedFile(subject);
      const departmentVisible = [...visible, ...hidden.slice(0, 6)]; // all but the WITHDRAWN one
      const options = { token: tokens.department(deptA), purpose: LICENSING };
      const { edges, pages } = await walk((after) => recordsPage(subject.code, { ...options, first: 3, after }), 3);
      const ids = edges.map((e) => e.node.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(sorted(ids)).toEqual(sorted(departmentVisible.map((r) => r.id)));
      expectNewestFirst(edges);
      for (const page of pages) expect(page.totalCount).toBe(departmentVisible.length);
    });

    it('§10.3: a filtered walk counts and returns only the visible rows of the filter', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      const { visible } = await mixedFile(subject);
      const licences = visible.slice(0, 9);
      const { edges, pages } = await walk((after) => recordsPage(subject.code, { types: ['license'], first: 2, after }), 2);
      expect(sorted(edges.map((e) => e.node.id))).toEqual(sorted(licences.map((r) => r.id)));
      for (const page of pages) expect(page.totalCount).toBe(9);
      expectNewestFirst(edges);
    });

    it('§10.3: the page after the last one is empty, with the same totalCount', async () => {
      const subject = await createSubject(db(), deptA, 'ENTERPRISE');
      await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-01T00:00:00Z') });
      await placeRecord(db(), subject, deptA, { type: 'license', decidedAt: at('2026-01-02T00:00:00Z') });
      const page = await recordsPage(subject.code, { first: 2 });
      expect(page.pageInfo.hasNextPage).toBe(false);
      const beyond = await recordsPage(subject.code, { first: 2, after: page.pageInfo.endCursor! });
      expect(beyond).toEqual({ totalCount: 2, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('searchSubjects', () => {
    /** 25 organisations (two sharing a name) and 3 individuals with public records, all matching `token`. */
    async function population(token: string) {
      const organisations: SubjectFixture[] = [];
      const order = [17, 3, 22, 9, 0, 14, 5, 19, 11, 7, 24, 1, 12, 20, 6, 15, 2, 23, 8, 18, 4, 13, 21, 10];
      const kinds = ['ENTERPRISE', 'PUBLIC_INSTITUTION', 'SOCIAL_ORGANIZATION'] as const;
      for (const n of order) {
        organisations.push(await createSubject(db(), deptA, kinds[n % 3], { name: `${token}-${String(n).padStart(2, '0')} 单位` }));
      }
      organisations.push(await createSubject(db(), deptA, 'ENTERPRISE', { name: `${token}-07 单位` }));
      const individuals: SubjectFixture[] = [];
      for (const n of [5, 16, 30]) {
        const individual = await createSubject(db(), deptA, 'INDIVIDUAL', { name: `${token}-${n} 个人`, birthDate: distinctBirthDate() });
        await placeRecord(db(), individual, deptA, { type: 'dishonest-debtor', decidedAt: at('2026-03-01T02:00:00Z') });
        individuals.push(individual);
      }
      return { organisations, individuals };
    }

    it('§10.3: first defaults to 20 for searchSubjects', async () => {
      const token = uniqueToken('Pd');
      const { organisations } = await population(token);
      const page = await searchPage(token, {});
      expect(page.edges).toHaveLength(20);
      expect(page.totalCount).toBe(organisations.length);
      expect(page.pageInfo.hasNextPage).toBe(true);
    });

    it('§10.3: first above 100 is refused with BAD_USER_INPUT / FIRST_TOO_LARGE for searchSubjects', async () => {
      const response = await search(gw, '有限公司', { first: 101 });
      expectBadUserInput(response, 'FIRST_TOO_LARGE');
      expect(response.body.data?.searchSubjects ?? null).toBeNull();
      expectNoErrors(await search(gw, '有限公司', { first: 100 }));
    });

    it.each(MALFORMED_CURSORS)('§10.3: a malformed searchSubjects cursor (%s) is refused with BAD_USER_INPUT / INVALID_CURSOR', async (_label, after) => {
      const response = await search(gw, '有限公司', { after });
      expectBadUserInput(response, 'INVALID_CURSOR');
    });

    it('§10.3: walking all search pages as the public returns each organisation exactly once in name order, never individuals', async () => {
      const token = uniqueToken('Pw');
      const { organisations, individuals } = await population(token);
      const expected = [...organisations].sort(byNameThenCode).map((s) => s.code);
      for (const pageSize of [1, 7, 25]) {
        const { edges, pages } = await walk((after) => searchPage(token, { first: pageSize, after }), pageSize);
        const codes = edges.map((e) => e.node.code);
        expect(codes).toEqual(expected);
        for (const page of pages) expect(page.totalCount).toBe(organisations.length);
        for (const individual of individuals) expect(JSON.stringify(pages)).not.toContain(individual.code);
      }
    });

    it('§10.3: walking search pages as a department with a purpose includes individuals, in name order, exactly once', async () => {
      const token = uniqueToken('Pv');
      const { organisations, individuals } = await population(token);
      const everyone = [...organisations, ...individuals].sort(byNameThenCode);
      const options = { token: tokens.department(deptA), purpose: LICENSING };
      const { edges, pages } = await walk((after) => searchPage(token, { ...options, first: 6, after }), 6);
      expect(edges.map((e) => e.node.code)).toEqual(everyone.map((s) => s.code));
      expect(edges.map((e) => e.node.name)).toEqual(everyone.map((s) => s.name));
      for (const page of pages) expect(page.totalCount).toBe(everyone.length);
    });

    it('§10.3: a kind-filtered walk counts only that kind', async () => {
      const token = uniqueToken('Pk');
      const { organisations } = await population(token);
      const institutions = organisations.filter((s) => s.kind === 'PUBLIC_INSTITUTION').sort(byNameThenCode);
      const { edges, pages } = await walk((after) => searchPage(token, { kind: 'PUBLIC_INSTITUTION', first: 3, after }), 3);
      expect(edges.map((e) => e.node.code)).toEqual(institutions.map((s) => s.code));
      for (const page of pages) expect(page.totalCount).toBe(institutions.length);
    });
  });
});
