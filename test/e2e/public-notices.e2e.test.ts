import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization, createRecord, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';

/**
 * WEB2 `publicNotices`: the records of the given types the public may see right now (P2, D1–D5), newest decision
 * first, with their subjects — in the public view for every caller — and L1 events for what it places. The answer
 * is checked against the public `subject` lookup of every subject (the same rules reached by another path), not
 * against a list written here: whatever the public may see of these types through `subject`, and nothing else.
 */

const NOTICES = `query Notices($types: [String!]!, $first: Int, $after: String) {
  publicNotices(types: $types, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      subject { code name kind view redactions { field reason } }
      record { id type title decidedAt publicUntil disputed details disclosure redactions { field reason } }
    } }
  }
}`;
const COUNT_ONLY = `query($types: [String!]!) { publicNotices(types: $types) { totalCount } }`;
const PUBLIC_SUBJECT = `query($code: String!, $types: [String!]) {
  subject(code: $code) { code name records(types: $types, first: 100) { edges { node { id title } } } }
}`;

const NOW = new Date('2026-06-01T04:00:00Z');
const TYPES = ['license', 'penalty'];

interface Notice {
  subject: { code: string; name: string; kind: string; view: string; redactions: { field: string; reason: string }[] };
  record: { id: string; type: string; title: string; decidedAt: string; publicUntil: string | null; disputed: boolean; details: unknown; disclosure: string };
}

describe.each(testDatabaseKinds())('WEB2 publicNotices on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let department: string;
  const subjects: SubjectFixture[] = [];
  let minor: SubjectFixture;
  let adult: SubjectFixture;

  const db = () => database.db;

  async function notices(types: string[], options: { token?: string; first?: number; after?: string } = {}) {
    const response = await gw.request(NOTICES, { token: options.token, variables: { types, first: options.first ?? null, after: options.after ?? null } });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.publicNotices as { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Notice }[] };
  }

  /** Every notice page in order (first: 3 a page). */
  async function allNotices(types: string[], token?: string): Promise<Notice[]> {
    const all: Notice[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await notices(types, { token, first: 3, after });
      all.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) return all;
      after = page.pageInfo.endCursor!;
    }
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database, { now: NOW });
    department = await createOrganization(db(), 'DEPARTMENT');
    const day = (d: number) => new Date(Date.UTC(2026, 4, d, 2));
    for (let i = 0; i < 4; i += 1) {
      const s = await createSubject(db(), department, 'ENTERPRISE', { name: `公示测试${i}有限公司` });
      subjects.push(s);
      await createRecord(db(), s, department, { type: 'license', decidedAt: day(1 + i * 3), title: `许可${i}` });
      await createRecord(db(), s, department, { type: 'penalty', severity: 'GENERAL', decidedAt: day(2 + i * 3), title: `处罚${i}` });
      await createRecord(db(), s, department, { type: 'tax-rating', decidedAt: day(3 + i * 3), title: `纳税等级${i}` }); // SHARED
    }
    // D3/D4: withdrawn and repaired records are not public; D2: a minor penalty decided years ago is past its window
    await createRecord(db(), subjects[0], department, { type: 'penalty', status: 'WITHDRAWN', decidedAt: day(20), title: '已撤销处罚' });
    await createRecord(db(), subjects[1], department, { type: 'penalty', status: 'REPAIRED', decidedAt: day(21), title: '已修复处罚' });
    await createRecord(db(), subjects[2], department, { type: 'penalty', severity: 'MINOR', decidedAt: new Date('2019-01-01T00:00:00Z'), title: '过期处罚' });
    await createRecord(db(), subjects[3], department, { type: 'license', disclosure: 'SUBJECT_ONLY', decidedAt: day(22), title: '仅本人许可' });
    await db().execute(sql`UPDATE records SET disputed = true WHERE title = '处罚3'`);
    // individuals: an adult and a minor with public-type penalties (P3, D5 decide what the public sees)
    adult = await createSubject(db(), department, 'INDIVIDUAL', { name: '王成年', birthDate: '1985-04-02' });
    minor = await createSubject(db(), department, 'INDIVIDUAL', { name: '李未成年', birthDate: '2012-07-09' });
    await createRecord(db(), adult, department, { type: 'penalty', severity: 'SERIOUS', decidedAt: day(23), title: '个人处罚' });
    await createRecord(db(), minor, department, { type: 'penalty', severity: 'SERIOUS', decidedAt: day(24), title: '未成年处罚' });
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  it('WEB2/D1–D5: exactly the records of those types the public `subject` lookup shows, newest decision first, paged without gaps or repeats', async () => {
    const listed = await allNotices(TYPES);
    const expected = new Map<string, string>();
    for (const s of [...subjects, adult, minor]) {
      const response = await gw.request(PUBLIC_SUBJECT, { variables: { code: s.code, types: TYPES } });
      expect(response.body.errors).toBeUndefined();
      for (const edge of response.body.data.subject?.records.edges ?? []) expected.set(edge.node.id, response.body.data.subject.code);
    }
    expect(listed.map((n) => n.record.id).sort()).toEqual([...expected.keys()].sort());
    expect(new Set(listed.map((n) => n.record.id)).size).toBe(listed.length);
    for (const notice of listed) expect(notice.subject.code).toBe(expected.get(notice.record.id));
    const times = listed.map((n) => Date.parse(n.record.decidedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // what the rules keep out, named: withdrawn, repaired, past its window, SUBJECT_ONLY, SHARED, the minor
    const titles = listed.map((n) => n.record.title);
    for (const hidden of ['已撤销处罚', '已修复处罚', '过期处罚', '仅本人许可', '未成年处罚']) expect(titles).not.toContain(hidden);
    expect(listed.some((n) => n.subject.name.includes('未成年'))).toBe(false);
    expect(titles).toContain('处罚3');
    expect(listed.find((n) => n.record.title === '处罚3')!.record.disputed).toBe(true);
    expect(listed.every((n) => n.record.disclosure === 'PUBLIC' && n.subject.view === 'PUBLIC')).toBe(true);
    expect(listed.filter((n) => n.record.type === 'penalty').every((n) => n.record.publicUntil !== null)).toBe(true);
    expect(listed.every((n) => n.record.details === null)).toBe(true);
  });

  it('WEB2/U1: an individual appears only as the public may see it — code and name masked', async () => {
    const listed = await allNotices(['penalty']);
    const individual = listed.filter((n) => n.subject.kind === 'INDIVIDUAL');
    for (const n of individual) {
      expect(n.subject.code).not.toBe(adult.code);
      expect(n.subject.code).not.toContain(adult.code.slice(6, 14)); // the birth date part of the number
      expect(n.subject.name).not.toBe(adult.name);
    }
  });

  it('WEB2: SHARED types are never listed, even when asked for by name', async () => {
    expect((await notices(['tax-rating'])).edges).toEqual([]);
    expect((await notices(['tax-rating'], { token: tokens.department(department) })).edges).toEqual([]);
  });

  it('WEB2: every caller gets the public view — a department sees exactly what the public sees', async () => {
    const asPublic = await allNotices(TYPES);
    const asDepartment = await allNotices(TYPES, tokens.department(department));
    expect(asDepartment).toEqual(asPublic);
  });

  it('L1: one PUBLIC event per subject placed, naming exactly the records placed, with the caller as actor; totalCount alone logs one event without a subject', async () => {
    const before = await maxSequence();
    const officer = tokens.department(department, 'officer-notices');
    const page = await notices(TYPES, { token: officer, first: 4 });
    const events = await queryRows<{ subject_code: string | null; view: string | null; record_ids: unknown; actor: string | null; operation_name: string }>(db(), sql`
      SELECT subject_code, view, to_json(record_ids) AS record_ids, actor, operation_name FROM access_events WHERE sequence > ${before} ORDER BY sequence`);
    const shown = new Map<string, string[]>();
    for (const edge of page.edges) {
      const code = (await codeOfRecord(edge.node.record.id));
      shown.set(code, [...(shown.get(code) ?? []), edge.node.record.id]);
    }
    expect(shown.size).toBeLessThan(page.edges.length); // the page holds a subject twice: still one event for it
    expect(events.map((e) => e.subject_code).sort()).toEqual([...shown.keys()].sort());
    for (const event of events) {
      const ids = (typeof event.record_ids === 'string' ? JSON.parse(event.record_ids) : event.record_ids) as string[];
      expect(ids.sort()).toEqual(shown.get(event.subject_code!)!.sort());
      expect(event).toMatchObject({ view: 'PUBLIC', actor: 'officer-notices', operation_name: 'publicNotices' });
    }

    const countBefore = await maxSequence();
    const counted = await gw.request(COUNT_ONLY, { variables: { types: TYPES } });
    expect(counted.body.data.publicNotices.totalCount).toBe((await allNotices(TYPES)).length);
    const countEvents = await queryRows<{ subject_code: string | null; operation_name: string }>(db(), sql`
      SELECT subject_code, operation_name FROM access_events WHERE sequence > ${countBefore} AND sequence <= ${countBefore + 1}`);
    expect(countEvents).toEqual([{ subject_code: null, operation_name: 'publicNotices' }]);
  });

  it('WEB2: 1 to 10 known types — none, eleven, or an unknown one is BAD_USER_INPUT with a reason', async () => {
    const refuse = async (types: string[], reason: string) => {
      const response = await gw.request(NOTICES, { variables: { types } });
      expect(response.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
      expect(response.body.data).toBeNull();
    };
    await refuse([], 'INVALID_TYPES');
    await refuse(Array.from({ length: 11 }, (_, i) => `t${i}`), 'INVALID_TYPES');
    await refuse(['license', 'no-such-type'], 'UNKNOWN_TYPE');
    const tampered = await gw.request(NOTICES, { variables: { types: TYPES, after: 'not-a-cursor' } });
    expect(tampered.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  });

  async function maxSequence(): Promise<number> {
    const rows = await queryRows<{ n: number | null }>(db(), sql`SELECT max(sequence)::int AS n FROM access_events`);
    return Number(rows[0].n ?? 0);
  }

  async function codeOfRecord(id: string): Promise<string> {
    const rows = await queryRows<{ code: string }>(db(), sql`SELECT s.code FROM records r JOIN subjects s ON s.id = r.subject_id WHERE r.id = ${id}::uuid`);
    return rows[0].code;
  }
});
