import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { createOrganization } from '../support/factories.js';
import { mulberry32 } from '../support/random.js';
import { tokens } from '../support/tokens.js';
import { queryRows } from '../../src/db/rows.js';
import { generateResidentId, generateUscc, isValidUscc, USCC_CHARSET } from '../../src/domain/identifiers.js';

/**
 * SPEC §9 (W1–W3) over HTTP: registerSubjects and submitRecords as departments and admins call them, with the
 * organisation operations (§1, §10.3), the catalog (§3) and the identifier rules reachable through the API (I3–I5).
 * Every test files its own subjects, so tests do not depend on each other.
 */
const REGISTER_SUBJECTS = `mutation($subjects: [SubjectInput!]!) {
  registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } } }`;
const SUBMIT = `mutation($records: [RecordInput!]!) {
  submitRecords(records: $records) { accepted ids errors { index reason message } } }`;
const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { id status version source { code } } }`;
const REGISTER_ORG = `mutation($input: OrganizationInput!) { registerOrganization(input: $input) { code name kind status createdAt } }`;
const SET_STATUS = `mutation($code: String!, $status: OrganizationStatus!) { setOrganizationStatus(code: $code, status: $status) { code kind status } }`;
const SUBJECT_VIEW = `query($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) {
    code kind name codeFlagged view
    records(first: 100) {
      totalCount
      edges { node { id type title summary status version severity group disclosure amount source { code }
        history { version changedFields snapshot } } }
    }
  }
}`;

const PURPOSE = { kind: 'LICENSING', reference: 'E2E-FILING-1' };
const DECIDED = '2026-01-05T09:00:00+08:00';

type Row = Record<string, unknown>;
interface RecordNode {
  id: string; type: string; title: string; summary: string | null; status: string; version: number; severity: string | null;
  group: string | null; disclosure: string; amount: number | null; source: { code: string };
  history: { version: number; changedFields: string[]; snapshot: Record<string, unknown> }[] | null;
}

interface SubjectView {
  code: string; kind: string; name: string; codeFlagged: boolean; view: string;
  records: { totalCount: number };
  nodes: RecordNode[];
}

const rand = mulberry32(0x5eed_f11e);
let serial = 0;
const uniqueRef = (label = 'ref') => `${label}-${++serial}-${Math.floor(rand() * 1e9).toString(36)}`;
const enterpriseCode = () => generateUscc(rand, '91');
const personCode = (birthDate = '1985-07-20') => generateResidentId(rand, birthDate);

/** A structurally valid USCC whose check character is wrong (an "early pilot code", I5). */
function failingUscc(prefix = '91'): string {
  const good = generateUscc(rand, prefix);
  const wrong = USCC_CHARSET[(USCC_CHARSET.indexOf(good[17]!) + 1) % USCC_CHARSET.length]!;
  return good.slice(0, 17) + wrong;
}

function errorCode(response: GraphQLResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

describe.each(testDatabaseKinds())('§9 filing on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let departmentA: string;
  let departmentB: string;
  let agency: string;

  const asA = () => tokens.department(departmentA);
  const asB = () => tokens.department(departmentB);

  async function registerSubjects(rows: Row[], token = asA()) {
    const response = await gw.request(REGISTER_SUBJECTS, { token, variables: { subjects: rows } });
    return { response, result: response.body.data?.registerSubjects as { accepted: number; ids: string[]; errors: { index: number; reason: string; message: string }[] } };
  }

  async function submit(rows: Row[], token = asA()) {
    const response = await gw.request(SUBMIT, { token, variables: { records: rows } });
    return { response, result: response.body.data?.submitRecords as { accepted: number; ids: string[]; errors: { index: number; reason: string; message: string }[] } };
  }

  async function registered(kindOf: 'ENTERPRISE' | 'INDIVIDUAL', code = kindOf === 'INDIVIDUAL' ? personCode() : enterpriseCode()) {
    const { response, result } = await registerSubjects([{ code, kind: kindOf, name: kindOf === 'INDIVIDUAL' ? '王小明' : `备案测试${code.slice(-6)}有限公司` }]);
    expect(response.body.errors).toBeUndefined();
    expect(result.errors).toEqual([]);
    return code;
  }

  const licence = (subjectCode: string, overrides: Row = {}): Row => ({
    subjectCode, type: 'license', sourceRef: uniqueRef('lic'), title: '食品经营许可证', decidedAt: DECIDED, ...overrides,
  });

  async function view(code: string, options: { token?: string; purpose?: typeof PURPOSE } = {}): Promise<SubjectView | null> {
    const response = await gw.request(SUBJECT_VIEW, { token: options.token, variables: { code, purpose: options.purpose } });
    expect(response.body.errors).toBeUndefined();
    const subject = response.body.data.subject;
    return subject ? { ...subject, nodes: subject.records.edges.map((e: { node: RecordNode }) => e.node) as RecordNode[] } : null;
  }
  const selfView = (code: string) => view(code, { token: tokens.subject(code) });
  const departmentView = (code: string, token = asA()) => view(code, { token, purpose: PURPOSE });

  async function recordCount(subjectCode: string): Promise<number> {
    const rows = await queryRows<{ n: number }>(database.db, sql`
      SELECT count(*)::int AS n FROM records r JOIN subjects s ON s.id = r.subject_id WHERE s.code = ${subjectCode}`);
    return Number(rows[0].n);
  }

  async function subjectCount(codes: string[]): Promise<number> {
    const rows = await queryRows<{ n: number }>(database.db, sql`
      SELECT count(*)::int AS n FROM subjects WHERE code IN (${sql.join(codes.map((c) => sql`${c}`), sql`, `)})`);
    return Number(rows[0].n);
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database);
    departmentA = await createOrganization(database.db, 'DEPARTMENT');
    departmentB = await createOrganization(database.db, 'DEPARTMENT');
    agency = await createOrganization(database.db, 'AGENCY');
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  describe('W1 registerSubjects', () => {
    it('W1: registerSubjects takes 1,000 rows; ids[i] is the normalised code of row i', async () => {
      const codes = Array.from({ length: 1000 }, () => enterpriseCode());
      const rows = codes.map((code, i) => ({ code: i % 7 === 0 ? `  ${code.toLowerCase()} ` : code, kind: 'ENTERPRISE', name: `批量企业${i}有限公司` }));
      const { response, result } = await registerSubjects(rows);
      expect(response.body.errors).toBeUndefined();
      expect(result).toEqual({ accepted: 1000, ids: codes, errors: [] });
      expect(await subjectCount(codes)).toBe(1000);
    });

    it('W1: 1,001 subjects → BAD_USER_INPUT BATCH_TOO_LARGE, nothing written', async () => {
      const codes = Array.from({ length: 1001 }, () => enterpriseCode());
      const { response } = await registerSubjects(codes.map((code, i) => ({ code, kind: 'ENTERPRISE', name: `超量企业${i}` })));
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('BATCH_TOO_LARGE');
      expect(response.body.data).toBeNull();
      expect(await subjectCount(codes)).toBe(0);
    });

    it('W1: admins register subjects too; agencies may not (FORBIDDEN)', async () => {
      const code = enterpriseCode();
      const byAdmin = await registerSubjects([{ code, kind: 'ENTERPRISE', name: '管理员登记有限公司' }], tokens.admin());
      expect(byAdmin.result).toEqual({ accepted: 1, ids: [code], errors: [] });
      const other = enterpriseCode();
      const byAgency = await registerSubjects([{ code: other, kind: 'ENTERPRISE', name: 'x' }], tokens.agency(agency));
      expect(errorCode(byAgency.response)).toBe('FORBIDDEN');
      expect(byAgency.response.body.data ?? null).toBeNull(); // refused before execution: no data at all
      expect(await subjectCount([other])).toBe(0);
    });

    it('W1: an atomic batch — one invalid row among valid ones → accepted 0, ids empty, nothing registered', async () => {
      const good = [enterpriseCode(), personCode(), enterpriseCode()];
      const { response, result } = await registerSubjects([
        { code: good[0], kind: 'ENTERPRISE', name: '原子批次一有限公司' },
        { code: good[1], kind: 'INDIVIDUAL', name: '李四' },
        { code: '91110000600037341N', kind: 'ENTERPRISE', name: '校验位错误' },
        { code: good[2], kind: 'ENTERPRISE', name: '原子批次三有限公司' },
      ]);
      expect(response.body.errors).toBeUndefined();
      expect(result.accepted).toBe(0);
      expect(result.ids).toEqual([]);
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([{ index: 2, reason: 'INVALID_CODE' }]);
      expect(result.errors[0].message.length).toBeGreaterThan(0);
      expect(await subjectCount(good)).toBe(0);
      // P0: a valid code that matches no subject → null, no error (also for a department with a purpose)
      expect(await departmentView(good[0])).toBeNull();
    });

    it('I3/W1: invalid codes → INVALID_CODE, every invalid row reported with its index', async () => {
      const good = enterpriseCode();
      const { result } = await registerSubjects([
        { code: '91110000600037341N', kind: 'ENTERPRISE', name: 'checksum' },
        { code: '9111000060003IOZSV', kind: 'ENTERPRISE', name: 'charset' },
        { code: good, kind: 'ENTERPRISE', name: '有效企业有限公司' },
        { code: '36042619910102009X', kind: 'INDIVIDUAL', name: '校验' },
        { code: '360426199113010079', kind: 'INDIVIDUAL', name: '日期' },
        { code: generateResidentId(rand, '2027-01-01'), kind: 'INDIVIDUAL', name: '未来' },
        { code: '', kind: 'ENTERPRISE', name: 'empty' },
        { code: '9111000060003734', kind: 'ENTERPRISE', name: 'short' },
      ]);
      expect(result.accepted).toBe(0);
      expect(result.ids).toEqual([]);
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([
        { index: 0, reason: 'INVALID_CODE' }, { index: 1, reason: 'INVALID_CODE' }, { index: 3, reason: 'INVALID_CODE' },
        { index: 4, reason: 'INVALID_CODE' }, { index: 5, reason: 'INVALID_CODE' }, { index: 6, reason: 'INVALID_CODE' },
        { index: 7, reason: 'INVALID_CODE' },
      ]);
      expect(await subjectCount([good])).toBe(0);
    });

    it('I4: kind must agree with the code → KIND_MISMATCH (91… as PUBLIC_INSTITUTION, a resident number as ENTERPRISE, …)', async () => {
      const { result } = await registerSubjects([
        { code: '91110000600037341L', kind: 'PUBLIC_INSTITUTION', name: '企业冒充事业单位' },
        { code: '11010519491231002X', kind: 'ENTERPRISE', name: '身份证号冒充企业' },
        { code: '121200004013590816', kind: 'ENTERPRISE', name: '事业单位冒充企业' },
        { code: '91110000600037341L', kind: 'INDIVIDUAL', name: '企业代码冒充个人' },
        { code: generateUscc(rand, '51'), kind: 'ENTERPRISE', name: '社会组织冒充企业' },
        { code: generateUscc(rand, '31'), kind: 'ENTERPRISE', name: '未配置的登记管理部门代码' },
      ]);
      expect(result.accepted).toBe(0);
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual(
        [0, 1, 2, 3, 4, 5].map((index) => ({ index, reason: 'KIND_MISMATCH' })));
      expect(await subjectCount(['91110000600037341L', '11010519491231002X', '121200004013590816'])).toBe(0);
    });

    it('I4: the matching kinds register (12… PUBLIC_INSTITUTION, 51–53… SOCIAL_ORGANIZATION, 91–93… ENTERPRISE, resident numbers INDIVIDUAL)', async () => {
      const rows = [
        { code: generateUscc(rand, '12'), kind: 'PUBLIC_INSTITUTION', name: '测试事业单位' },
        { code: generateUscc(rand, '52'), kind: 'SOCIAL_ORGANIZATION', name: '测试民办非企业单位' },
        { code: generateUscc(rand, '53'), kind: 'SOCIAL_ORGANIZATION', name: '测试基金会' },
        { code: generateUscc(rand, '92'), kind: 'ENTERPRISE', name: '测试个体工商户' },
        { code: generateUscc(rand, '93'), kind: 'ENTERPRISE', name: '测试合作社' },
        { code: personCode('1990-02-28').replace(/X$/, 'x'), kind: 'INDIVIDUAL', name: '赵六' },
      ];
      const { result } = await registerSubjects(rows);
      expect(result.errors).toEqual([]);
      expect(result.ids).toEqual(rows.map((r) => r.code.toUpperCase()));
      for (const row of rows.slice(0, 5)) expect((await view(row.code))?.kind).toBe(row.kind);
    });

    it('I4: a resident number that also passes the I1 checksum registers as an individual (declared kind chooses the scheme)', async () => {
      let code = '';
      for (let i = 0; i < 5000 && !code; i += 1) {
        const candidate = generateResidentId(rand, '1980-01-01', '110105');
        if (isValidUscc(candidate)) code = candidate;
      }
      expect(code).not.toBe('');
      const asEnterprise = await registerSubjects([{ code, kind: 'ENTERPRISE', name: '不应成为企业' }]);
      expect(asEnterprise.result.errors.map((e) => e.reason)).toEqual(['KIND_MISMATCH']);
      const asPerson = await registerSubjects([{ code, kind: 'INDIVIDUAL', name: '双重校验' }]);
      expect(asPerson.result).toEqual({ accepted: 1, ids: [code], errors: [] });
      const self = await selfView(code);
      expect(self?.kind).toBe('INDIVIDUAL');
    });

    it('I4: an extra registration prefix is accepted as ENTERPRISE only once configured', async () => {
      const code = generateUscc(rand, '31');
      expect((await registerSubjects([{ code, kind: 'ENTERPRISE', name: '律师事务所' }])).result.errors.map((e) => e.reason)).toEqual(['KIND_MISMATCH']);
      await database.db.execute(sql`INSERT INTO enterprise_prefixes (prefix, note) VALUES ('31', 'e2e: law firms as enterprises')`);
      const { result } = await registerSubjects([{ code, kind: 'ENTERPRISE', name: '律师事务所' }]);
      expect(result).toEqual({ accepted: 1, ids: [code], errors: [] });
      expect((await view(code))?.kind).toBe('ENTERPRISE');
      const asSocial = await registerSubjects([{ code: generateUscc(rand, '31'), kind: 'SOCIAL_ORGANIZATION', name: 'x' }]);
      expect(asSocial.result.errors.map((e) => e.reason)).toEqual(['KIND_MISMATCH']);
    });

    it('I5: a code failing its checksum is accepted only from the exception table, and is then flagged', async () => {
      const code = failingUscc('91');
      const before = await registerSubjects([{ code, kind: 'ENTERPRISE', name: '试点期代码有限公司' }]);
      expect(before.result.errors.map((e) => e.reason)).toEqual(['INVALID_CODE']);
      const lookupBefore = await gw.request(`query($c: String!) { subject(code: $c) { code } }`, { variables: { c: code } });
      expect(errorCode(lookupBefore)).toBe('BAD_USER_INPUT');
      expect(lookupBefore.body.errors?.[0]?.extensions?.reason).toBe('INVALID_CODE');

      await database.db.execute(sql`INSERT INTO code_exceptions (code, kind, note) VALUES (${code}, 'ENTERPRISE', 'e2e pilot code')`);
      const wrongKind = await registerSubjects([{ code, kind: 'PUBLIC_INSTITUTION', name: '试点期代码' }]);
      expect(wrongKind.result.errors.map((e) => e.reason)).toEqual(['KIND_MISMATCH']);
      const { result } = await registerSubjects([{ code: code.toLowerCase(), kind: 'ENTERPRISE', name: '试点期代码有限公司' }]);
      expect(result).toEqual({ accepted: 1, ids: [code], errors: [] });

      const publicView = await view(code);
      expect(publicView).toMatchObject({ code, kind: 'ENTERPRISE', codeFlagged: true, view: 'PUBLIC' });
      expect((await departmentView(code))?.codeFlagged).toBe(true);
      const ordinary = await registered('ENTERPRISE');
      expect((await view(ordinary))?.codeFlagged).toBe(false);
    });

    it('W1: DUPLICATE_IN_BATCH for the same (normalised) code twice', async () => {
      const code = enterpriseCode();
      const { result } = await registerSubjects([
        { code, kind: 'ENTERPRISE', name: '重复一' },
        { code: ` ${code.toLowerCase()}`, kind: 'ENTERPRISE', name: '重复二' },
      ]);
      expect(result.accepted).toBe(0);
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([{ index: 1, reason: 'DUPLICATE_IN_BATCH' }]);
      expect(await subjectCount([code])).toBe(0);
    });

    it('W1: an unchanged re-registration returns the same ids; another kind for a registered code → KIND_MISMATCH', async () => {
      const code = await registered('ENTERPRISE');
      const name = `备案测试${code.slice(-6)}有限公司`;
      const again = await registerSubjects([{ code, kind: 'ENTERPRISE', name }]);
      expect(again.result).toEqual({ accepted: 1, ids: [code], errors: [] });
      expect(await subjectCount([code])).toBe(1);
      const otherKind = await registerSubjects([{ code, kind: 'SOCIAL_ORGANIZATION', name }]);
      expect(otherKind.result.errors.map((e) => e.reason)).toEqual(['KIND_MISMATCH']);
    });
  });

  describe('W1 submitRecords', () => {
    it('W1: submitRecords takes 1,000 rows; ids[i] is the id of row i', async () => {
      const subjects = [await registered('ENTERPRISE'), await registered('ENTERPRISE')];
      const rows = Array.from({ length: 1000 }, (_, i) => licence(subjects[i % 2], { title: `许可-${i}`, sourceRef: uniqueRef(`bulk-${i}`) }));
      const { response, result } = await submit(rows);
      expect(response.body.errors).toBeUndefined();
      expect(result.accepted).toBe(1000);
      expect(result.errors).toEqual([]);
      expect(new Set(result.ids).size).toBe(1000);
      expect(await recordCount(subjects[0])).toBe(500);
      const titles = new Map(
        (await queryRows<{ id: string; title: string }>(database.db, sql`
          SELECT r.id::text AS id, r.title FROM records r JOIN subjects s ON s.id = r.subject_id
          WHERE s.code IN (${subjects[0]}, ${subjects[1]})`)).map((r) => [r.id, r.title]),
      );
      result.ids.forEach((id, i) => expect(titles.get(id)).toBe(`许可-${i}`));
    });

    it('W1: 1,001 records → BAD_USER_INPUT BATCH_TOO_LARGE, nothing written', async () => {
      const subject = await registered('ENTERPRISE');
      const { response } = await submit(Array.from({ length: 1001 }, () => licence(subject)));
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('BATCH_TOO_LARGE');
      expect(response.body.data).toBeNull();
      expect(await recordCount(subject)).toBe(0);
    });

    it('W1: ids[i] maps to row i, also when the batch mixes new rows and an unchanged re-submission', async () => {
      const subject = await registered('ENTERPRISE');
      const existing = licence(subject, { title: 'existing' });
      const first = await submit([existing]);
      const existingId = first.result.ids[0];
      const rows = [
        { subjectCode: subject, type: 'honor', sourceRef: uniqueRef('h'), title: 'row-0', decidedAt: DECIDED },
        existing,
        { subjectCode: subject, type: 'penalty', severity: 'GENERAL', sourceRef: uniqueRef('p'), title: 'row-2', decidedAt: DECIDED },
        { subjectCode: subject, type: 'tax-rating', grade: 'A', sourceRef: uniqueRef('t'), title: 'row-3', decidedAt: DECIDED },
      ];
      const { result } = await submit(rows);
      expect(result.accepted).toBe(4);
      expect(result.errors).toEqual([]);
      expect(result.ids[1]).toBe(existingId);
      const self = await selfView(subject);
      const byId = new Map(self!.nodes.map((n) => [n.id, n]));
      expect(byId.get(result.ids[0])).toMatchObject({ title: 'row-0', type: 'honor' });
      expect(byId.get(result.ids[1])).toMatchObject({ title: 'existing', type: 'license', version: 1 });
      expect(byId.get(result.ids[2])).toMatchObject({ title: 'row-2', type: 'penalty', severity: 'GENERAL' });
      expect(byId.get(result.ids[3])).toMatchObject({ title: 'row-3', type: 'tax-rating', disclosure: 'SHARED' });
      expect(self!.records.totalCount).toBe(4);
    });

    it('W1: an atomic batch — one invalid row among valid ones → accepted 0, ids empty, every invalid row reported, nothing written', async () => {
      const subject = await registered('ENTERPRISE');
      const { response, result } = await submit([
        licence(subject),
        licence(subject),
        licence(subject, { type: 'parking-ticket' }),
        licence(subject),
        { subjectCode: subject, type: 'penalty', sourceRef: uniqueRef('p'), title: '处罚', decidedAt: DECIDED },
      ]);
      expect(response.body.errors).toBeUndefined();
      expect(result.accepted).toBe(0);
      expect(result.ids).toEqual([]);
      expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([
        { index: 2, reason: 'NOT_IN_CATALOG' }, { index: 4, reason: 'SEVERITY_REQUIRED' },
      ]);
      for (const error of result.errors) expect(error.message.length).toBeGreaterThan(0);
      // S1: the subject's own view lists every record of every status — and there is none
      const self = await selfView(subject);
      expect(self!.records.totalCount).toBe(0);
      expect(await recordCount(subject)).toBe(0);
    });

    it('W1: an unchanged re-submission returns the existing ids and writes nothing', async () => {
      const subject = await registered('ENTERPRISE');
      const rows = [
        licence(subject, { amount: 1200.5, details: { officer: 'A-7', items: [1, 2] }, validUntil: '2027-01-05T00:00:00+08:00' }),
        { subjectCode: subject, type: 'penalty', severity: 'SERIOUS', sourceRef: uniqueRef('p'), title: '罚款', decidedAt: DECIDED, amount: 5000 },
      ];
      const first = await submit(rows);
      expect(first.result.accepted).toBe(2);
      database.resetStatements();
      const again = await submit(rows.map((row) => ({ ...row, details: row.details ? { items: [1, 2], officer: 'A-7' } : undefined })));
      expect(again.result).toEqual({ accepted: 2, ids: first.result.ids, errors: [] });
      const writes = database.statements.filter((statement) => /^\s*(insert|update|delete)\b/i.test(statement));
      expect(writes).toEqual([]);
      const self = await selfView(subject);
      for (const node of self!.nodes) {
        expect(node.version).toBe(1);
        expect(node.history).toEqual([]);
      }
    });

    describe('W1/W3 row reasons (each refused row reported with its 0-based index and reason)', () => {
      const reasonCases: [string, string, (s: { enterprise: string; person: string; minor: string }) => Row][] = [
        ['INVALID_CODE', 'a subject code failing its checksum (I3: never treated as "not found")', () => licence('91110000600037341N')],
        ['INVALID_CODE', 'a subject code with characters outside the charset', () => licence('9111000060003IOZSV')],
        ['NOT_IN_CATALOG', 'a type outside the catalog', (s) => licence(s.enterprise, { type: 'parking-ticket' })],
        ['UNKNOWN_GROUP', 'a qualification without a group', (s) => licence(s.person, { type: 'qualification' })],
        ['UNKNOWN_GROUP', 'a qualification with an unknown group', (s) => licence(s.person, { type: 'qualification', group: 'ASTRONAUT' })],
        ['DISCLOSURE_TOO_LOOSE', 'a judgment filed PUBLIC', (s) => licence(s.enterprise, { type: 'judgment', severity: 'GENERAL', disclosure: 'PUBLIC' })],
        ['DISCLOSURE_TOO_LOOSE', 'a tax rating filed PUBLIC', (s) => licence(s.enterprise, { type: 'tax-rating', grade: 'B', disclosure: 'PUBLIC' })],
        ['SUBJECT_NOT_REGISTERED', 'a valid code of an unregistered subject', () => licence(enterpriseCode())],
        ['INVALID_VALIDITY', 'validUntil before validFrom', (s) => licence(s.enterprise, { validFrom: '2026-02-01T00:00:00+08:00', validUntil: '2026-01-31T23:59:59+08:00' })],
        ['SEVERITY_REQUIRED', 'a penalty without severity', (s) => licence(s.enterprise, { type: 'penalty' })],
        ['SEVERITY_REQUIRED', 'a dishonest-debtor listing without severity', (s) => licence(s.enterprise, { type: 'dishonest-debtor' })],
        ['MINOR_NOT_ALLOWED', 'a dishonest-debtor about a person under 18 at decidedAt', (s) => licence(s.minor, { type: 'dishonest-debtor', severity: 'SERIOUS' })],
      ];
      let subjects: { enterprise: string; person: string; minor: string };

      beforeAll(async () => {
        subjects = { enterprise: await registered('ENTERPRISE'), person: await registered('INDIVIDUAL'), minor: await registered('INDIVIDUAL', personCode('2010-03-15')) };
      });

      it.each(reasonCases)('W1: %s — %s', async (reason, _label, make) => {
        const valid = licence(subjects.enterprise);
        const { response, result } = await submit([valid, make(subjects), licence(subjects.enterprise)]);
        expect(response.body.errors).toBeUndefined();
        expect(result.accepted).toBe(0);
        expect(result.ids).toEqual([]);
        expect(result.errors.map(({ index, reason: r }) => ({ index, reason: r }))).toEqual([{ index: 1, reason }]);
        expect(result.errors[0].message).toMatch(/\S/);
      });

      it('W1: DUPLICATE_IN_BATCH — the same sourceRef twice in one batch (the later row is reported)', async () => {
        const first = licence(subjects.enterprise);
        const { result } = await submit([first, licence(subjects.enterprise), { ...first, title: 'again' }]);
        expect(result.accepted).toBe(0);
        expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([{ index: 2, reason: 'DUPLICATE_IN_BATCH' }]);
      });

      it('W1: one batch with many invalid rows reports every one of them, in index order, and writes nothing', async () => {
        // INVALID_CODE rows are left out here: they have their own cases above
        const cases = reasonCases.filter(([reason]) => reason !== 'INVALID_CODE');
        const before = await recordCount(subjects.enterprise);
        const duplicate = licence(subjects.enterprise);
        const rows = [duplicate, ...cases.map(([, , make]) => make(subjects)), { ...duplicate }, licence(subjects.enterprise)];
        const { result } = await submit(rows);
        expect(result.accepted).toBe(0);
        expect(result.ids).toEqual([]);
        expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([
          ...cases.map(([reason], i) => ({ index: i + 1, reason })),
          { index: cases.length + 1, reason: 'DUPLICATE_IN_BATCH' },
        ]);
        expect(await recordCount(subjects.enterprise)).toBe(before);
      });

      it('W1: the valid counterparts of those rows are accepted (qualification with a known group, judgment SHARED, SUBJECT_ONLY, validity in order)', async () => {
        const { result } = await submit([
          licence(subjects.person, { type: 'qualification', group: 'LAWYER' }),
          licence(subjects.enterprise, { type: 'judgment', severity: 'GENERAL' }),
          licence(subjects.enterprise, { type: 'judgment', severity: 'MINOR', disclosure: 'SUBJECT_ONLY' }),
          licence(subjects.enterprise, { validFrom: '2026-02-01T00:00:00+08:00', validUntil: '2026-02-01T00:00:00+08:00' }),
          licence(subjects.minor, { type: 'penalty', severity: 'GENERAL' }),
        ]);
        expect(result.errors).toEqual([]);
        expect(result.accepted).toBe(5);
        const self = await selfView(subjects.enterprise);
        const judgments = self!.nodes.filter((n) => result.ids.includes(n.id) && n.type === 'judgment');
        expect(judgments.map((n) => n.disclosure).sort()).toEqual(['SHARED', 'SUBJECT_ONLY']);
        const person = await selfView(subjects.person);
        expect(person!.nodes.find((n) => n.id === result.ids[0])?.group).toBe('LAWYER');
      });
    });

    it('W1: MINOR_NOT_ALLOWED is judged at decidedAt (Asia/Shanghai): refused the day before the 18th birthday, allowed on it', async () => {
      const person = await registered('INDIVIDUAL', personCode('2008-03-15'));
      const listing = (decidedAt: string) => ({ subjectCode: person, type: 'dishonest-debtor', severity: 'SERIOUS', sourceRef: uniqueRef('dd'), title: '失信被执行人', decidedAt });
      const before = await submit([listing('2026-03-14T23:30:00+08:00')]);
      expect(before.result.errors.map((e) => e.reason)).toEqual(['MINOR_NOT_ALLOWED']);
      const longBefore = await submit([listing('2025-06-01T12:00:00+08:00')]);
      expect(longBefore.result.errors.map((e) => e.reason)).toEqual(['MINOR_NOT_ALLOWED']);
      expect(await recordCount(person)).toBe(0);
      // 2026-03-15 00:30 in Shanghai is still 2026-03-14 in UTC: the birthday counts in Shanghai time
      const onBirthday = await submit([listing('2026-03-15T00:30:00+08:00')]);
      expect(onBirthday.result.errors).toEqual([]);
      expect(onBirthday.result.accepted).toBe(1);
      const after = await submit([listing('2026-04-01T10:00:00+08:00')]);
      expect(after.result.accepted).toBe(1);
      expect(await recordCount(person)).toBe(2);
    });
  });

  describe('W2 one datum, one source', () => {
    it('W2: only the source organisation can withdraw — another department gets FORBIDDEN and the record stays', async () => {
      const subject = await registered('ENTERPRISE');
      const { result } = await submit([licence(subject)]);
      const id = result.ids[0];
      const byOther = await gw.request(WITHDRAW, { token: asB(), variables: { id, reason: '越权撤销' } });
      expect(errorCode(byOther)).toBe('FORBIDDEN');
      expect(byOther.body.data).toBeNull();
      const publicView = await view(subject);
      expect(publicView!.nodes.map((n) => ({ id: n.id, status: n.status }))).toEqual([{ id, status: 'ACTIVE' }]);
    });

    it('W2/D4: the source withdraws → gone from the public and department views, WITHDRAWN in SELF', async () => {
      const subject = await registered('ENTERPRISE');
      const { result } = await submit([licence(subject, { title: '将被撤销' }), licence(subject, { title: '保留' })]);
      const [withdrawnId, keptId] = result.ids;
      expect((await view(subject))!.records.totalCount).toBe(2);

      const withdrawn = await gw.request(WITHDRAW, { token: asA(), variables: { id: withdrawnId, reason: '许可依法撤销' } });
      expect(withdrawn.body.errors).toBeUndefined();
      expect(withdrawn.body.data.withdrawRecord).toMatchObject({ id: withdrawnId, status: 'WITHDRAWN', source: { code: departmentA } });

      const publicView = await view(subject);
      expect(publicView!.nodes.map((n) => n.id)).toEqual([keptId]);
      expect(publicView!.records.totalCount).toBe(1);
      for (const token of [asA(), asB()]) {
        const dept = await departmentView(subject, token);
        expect(dept!.view).toBe('DEPARTMENT');
        expect(dept!.nodes.map((n) => n.id)).toEqual([keptId]);
        expect(dept!.records.totalCount).toBe(1);
      }
      const self = await selfView(subject);
      expect(self!.view).toBe('SELF');
      expect(self!.records.totalCount).toBe(2);
      const inSelf = self!.nodes.find((n) => n.id === withdrawnId);
      expect(inSelf).toMatchObject({ status: 'WITHDRAWN', version: 2 });
      // the withdrawal keeps the withdrawn-from version in the history (W2)
      expect(inSelf!.history?.map((h) => ({ version: h.version, changedFields: h.changedFields }))).toEqual([{ version: 1, changedFields: ['status'] }]);
      expect(inSelf!.history![0].snapshot).toMatchObject({ status: 'ACTIVE', title: '将被撤销' });
      expect(self!.nodes.find((n) => n.id === keptId)?.status).toBe('ACTIVE');
      // a withdrawal deletes nothing
      expect(await recordCount(subject)).toBe(2);
    });

    it('W2: withdrawing an unknown record → NOT_FOUND', async () => {
      for (const id of ['3f0c6c1e-1b7a-4c55-9a6e-0d3b8f1e2a90', 'not-a-uuid']) {
        const response = await gw.request(WITHDRAW, { token: asA(), variables: { id, reason: 'x' } });
        expect(errorCode(response)).toBe('NOT_FOUND');
        expect(response.body.data).toBeNull();
      }
    });

    it('W2: re-submitting a sourceRef with changed content makes a new version — same id, history kept (department with purpose, SELF; null for the public)', async () => {
      const subject = await registered('ENTERPRISE');
      const original = licence(subject, { title: '原标题', summary: '原摘要', amount: 800, details: { officer: 'B-1' } });
      const first = await submit([original]);
      const id = first.result.ids[0];

      const second = await submit([{ ...original, title: '更正后的标题', summary: '更正后的摘要' }]);
      expect(second.result).toEqual({ accepted: 1, ids: [id], errors: [] });

      const dept = await departmentView(subject);
      expect(dept!.nodes).toHaveLength(1);
      const current = dept!.nodes[0];
      expect(current).toMatchObject({ id, title: '更正后的标题', summary: '更正后的摘要', version: 2, amount: 800 });
      expect(current.history).toHaveLength(1);
      expect(current.history![0].version).toBe(1);
      expect([...current.history![0].changedFields].sort()).toEqual(['summary', 'title']);
      expect(current.history![0].snapshot).toMatchObject({ title: '原标题', summary: '原摘要' });

      const self = await selfView(subject);
      expect(self!.nodes[0].history?.map((h) => ({ version: h.version, changedFields: [...h.changedFields].sort() })))
        .toEqual([{ version: 1, changedFields: ['summary', 'title'] }]);

      const publicView = await view(subject);
      expect(publicView!.nodes[0]).toMatchObject({ id, title: '更正后的标题', version: 2, history: null });
      // G2: a department without a purpose gets the public view — no history either
      const noPurpose = await view(subject, { token: asA() });
      expect(noPurpose!.view).toBe('PUBLIC');
      expect(noPurpose!.nodes[0].history).toBeNull();
    });

    it('W2: the same sourceRef from another organisation is a separate record (sourceRef is per organisation)', async () => {
      const subject = await registered('ENTERPRISE');
      const sourceRef = uniqueRef('shared');
      const fromA = await submit([licence(subject, { sourceRef, title: 'A 的许可' })]);
      const fromB = await submit([licence(subject, { sourceRef, title: 'B 的许可' })], asB());
      expect(fromB.result.errors).toEqual([]);
      expect(fromB.result.ids[0]).not.toBe(fromA.result.ids[0]);

      const dept = await departmentView(subject);
      const bySource = Object.fromEntries(dept!.nodes.map((n) => [n.source.code, { id: n.id, title: n.title, version: n.version }]));
      expect(bySource).toEqual({
        [departmentA]: { id: fromA.result.ids[0], title: 'A 的许可', version: 1 },
        [departmentB]: { id: fromB.result.ids[0], title: 'B 的许可', version: 1 },
      });
      // B cannot withdraw A's record, and A's record is untouched by B's filing
      const byB = await gw.request(WITHDRAW, { token: asB(), variables: { id: fromA.result.ids[0], reason: 'x' } });
      expect(errorCode(byB)).toBe('FORBIDDEN');
    });
  });

  describe('§1 organisations (admin only)', () => {
    it('§1: an admin registers an organisation, which can then call the API', async () => {
      const code = `DEPT-E2E-${serial++}`;
      const response = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code, name: '韶关市市场监督管理局', kind: 'DEPARTMENT' } } });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.registerOrganization).toMatchObject({ code, name: '韶关市市场监督管理局', kind: 'DEPARTMENT', status: 'ACTIVE' });
      const me = await gw.request(`{ me { role organization { code } } }`, { token: tokens.department(code) });
      expect(me.body.data.me).toEqual({ role: 'department', organization: { code } });
    });

    it('§1: organisation codes are 2–64 characters of [A-Z0-9-] → otherwise INVALID_ORGANIZATION_CODE', async () => {
      for (const code of ['D', 'DEPT_UNDERSCORE', 'DEPT 1', 'DEPT.1', '市场局', 'A'.repeat(65), '']) {
        const response = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code, name: 'x', kind: 'DEPARTMENT' } } });
        expect(errorCode(response), code).toBe('BAD_USER_INPUT');
        expect(response.body.errors?.[0]?.extensions?.reason, code).toBe('INVALID_ORGANIZATION_CODE');
        expect(response.body.data).toBeNull();
      }
      const ok = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code: `A${'B'.repeat(63)}`, name: 'x', kind: 'AGENCY' } } });
      expect(ok.body.data?.registerOrganization.code).toHaveLength(64);
      const two = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code: '9Z', name: 'x', kind: 'AUDIT_OFFICE' } } });
      expect(two.body.data?.registerOrganization).toMatchObject({ code: '9Z', kind: 'AUDIT_OFFICE' });
    });

    it('§1: a lower-case organisation code is outside [A-Z0-9-] → INVALID_ORGANIZATION_CODE (not silently upper-cased)', async () => {
      for (const code of ['dept-lower', 'Dept-Mixed']) {
        const response = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code, name: 'x', kind: 'DEPARTMENT' } } });
        expect(errorCode(response), code).toBe('BAD_USER_INPUT');
        expect(response.body.errors?.[0]?.extensions?.reason, code).toBe('INVALID_ORGANIZATION_CODE');
        expect(response.body.data).toBeNull();
      }
      const departments = await gw.request(`{ organizations(kind: DEPARTMENT) { code } }`);
      expect(departments.body.data.organizations.map((o: { code: string }) => o.code)).not.toContain('DEPT-LOWER');
    });

    it('§1: registering an existing code → ORGANIZATION_EXISTS', async () => {
      const code = `AGENCY-E2E-${serial++}`;
      const first = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code, name: '征信公司', kind: 'AGENCY' } } });
      expect(first.body.errors).toBeUndefined();
      const again = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code, name: '另一家', kind: 'DEPARTMENT' } } });
      expect(errorCode(again)).toBe('BAD_USER_INPUT');
      expect(again.body.errors?.[0]?.extensions?.reason).toBe('ORGANIZATION_EXISTS');
      const listed = await gw.request(`{ organizations(kind: AGENCY) { code name } }`);
      expect(listed.body.data.organizations.filter((o: { code: string }) => o.code === code)).toEqual([{ code, name: '征信公司' }]);
    });

    it('§1: PLATFORM is reserved — no second PLATFORM organisation, no organisation named PLATFORM, PLATFORM cannot be suspended', async () => {
      const platformKind = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code: 'OFFICE-2', name: 'x', kind: 'PLATFORM' } } });
      expect(errorCode(platformKind)).toBe('BAD_USER_INPUT');
      expect(platformKind.body.errors?.[0]?.extensions?.reason).toBe('RESERVED');
      const platformCode = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code: 'PLATFORM', name: 'x', kind: 'DEPARTMENT' } } });
      expect(errorCode(platformCode)).toBe('BAD_USER_INPUT');
      const suspend = await gw.request(SET_STATUS, { token: tokens.admin(), variables: { code: 'PLATFORM', status: 'SUSPENDED' } });
      expect(errorCode(suspend)).toBe('BAD_USER_INPUT');
      const platforms = await gw.request(`{ organizations(kind: PLATFORM) { code kind status } }`);
      expect(platforms.body.data.organizations).toEqual([{ code: 'PLATFORM', kind: 'PLATFORM', status: 'ACTIVE' }]);
      expect((await gw.request(`{ me { role } }`, { token: tokens.admin() })).body.data.me.role).toBe('admin');
    });

    it('§1: setOrganizationStatus — admin only; unknown code → NOT_FOUND', async () => {
      const org = await createOrganization(database.db, 'AGENCY');
      const byDepartment = await gw.request(SET_STATUS, { token: asA(), variables: { code: org, status: 'SUSPENDED' } });
      expect(errorCode(byDepartment)).toBe('FORBIDDEN');
      const unknown = await gw.request(SET_STATUS, { token: tokens.admin(), variables: { code: 'NO-SUCH-ORG', status: 'SUSPENDED' } });
      expect(errorCode(unknown)).toBe('NOT_FOUND');
      expect(unknown.body.data).toBeNull();
      const suspended = await gw.request(SET_STATUS, { token: tokens.admin(), variables: { code: org, status: 'SUSPENDED' } });
      expect(suspended.body.data.setOrganizationStatus).toEqual({ code: org, kind: 'AGENCY', status: 'SUSPENDED' });
      const listed = await gw.request(`{ organizations(kind: AGENCY) { code status } }`);
      expect(listed.body.data.organizations).toContainEqual({ code: org, status: 'SUSPENDED' });
    });

    it('§10.3: organizations(kind:) lists exactly the organisations of that kind; without kind, all of them', async () => {
      const dept = await createOrganization(database.db, 'DEPARTMENT');
      const agencyCode = await createOrganization(database.db, 'AGENCY');
      const audit = await createOrganization(database.db, 'AUDIT_OFFICE');
      const list = async (kindArg: string | null) => {
        const response = await gw.request(`query($k: OrganizationKind) { organizations(kind: $k) { code kind } }`, { variables: { k: kindArg } });
        expect(response.body.errors).toBeUndefined();
        return response.body.data.organizations as { code: string; kind: string }[];
      };
      const agencies = await list('AGENCY');
      expect(agencies.every((o) => o.kind === 'AGENCY')).toBe(true);
      expect(agencies.map((o) => o.code)).toContain(agencyCode);
      expect(agencies.map((o) => o.code)).not.toContain(dept);
      const departments = await list('DEPARTMENT');
      expect(departments.every((o) => o.kind === 'DEPARTMENT')).toBe(true);
      expect(departments.map((o) => o.code)).toEqual(expect.arrayContaining([dept, departmentA, departmentB]));
      const audits = await list('AUDIT_OFFICE');
      expect(audits.map((o) => o.code)).toContain(audit);
      const all = await list(null);
      expect(all.map((o) => o.code)).toEqual(expect.arrayContaining(['PLATFORM', dept, agencyCode, audit]));
      expect(all).toHaveLength(agencies.length + departments.length + audits.length + 1);
    });
  });

  describe('§3 catalog', () => {
    const SPEC_CATALOG: Record<string, [category: string, nature: string, loosest: string]> = {
      registration: ['REGISTRATION', 'BASIC', 'PUBLIC'],
      'dishonest-debtor': ['JUDICIAL', 'NEGATIVE', 'PUBLIC'],
      judgment: ['JUDICIAL', 'NEGATIVE', 'SHARED'],
      license: ['ADMINISTRATIVE', 'BASIC', 'PUBLIC'],
      penalty: ['ADMINISTRATIVE', 'NEGATIVE', 'PUBLIC'],
      qualification: ['PROFESSIONAL', 'BASIC', 'PUBLIC'],
      'abnormal-operation': ['ABNORMAL_OPERATION', 'NEGATIVE', 'PUBLIC'],
      'serious-dishonesty-list': ['SERIOUS_DISHONESTY', 'NEGATIVE', 'PUBLIC'],
      'contract-performance': ['CONTRACT', 'BASIC', 'SHARED'],
      commitment: ['COMMITMENT', 'BASIC', 'PUBLIC'],
      'tax-rating': ['EVALUATION', 'BASIC', 'SHARED'],
      'credit-grade': ['EVALUATION', 'BASIC', 'SHARED'],
      honor: ['HONOR', 'POSITIVE', 'PUBLIC'],
      'self-declared': ['SELF_DECLARED', 'BASIC', 'PUBLIC'],
      'social-insurance-arrears': ['COMPLIANCE', 'NEGATIVE', 'SHARED'],
      'tax-arrears': ['COMPLIANCE', 'NEGATIVE', 'SHARED'],
      'ip-infringement': ['INTELLECTUAL_PROPERTY', 'NEGATIVE', 'PUBLIC'],
    };
    const SPEC_GROUPS = [
      'CIVIL_SERVANT', 'PUBLIC_INSTITUTION_STAFF', 'LEGAL_REPRESENTATIVE', 'LAWYER', 'NOTARY', 'ACCOUNTANT', 'TAX_AGENT',
      'AUDITOR', 'APPRAISER', 'STATISTICIAN', 'CERTIFICATION_INSPECTION', 'SECURITIES_FUTURES', 'LISTED_COMPANY_EXECUTIVE',
      'INSURANCE_BROKER', 'JOURNALIST', 'RESEARCHER', 'MEDICAL_WORKER', 'TEACHER', 'PROJECT_MANAGER', 'TOUR_GUIDE',
      'PATENT_AGENT', 'VETERINARIAN', 'FIRE_ENGINEER',
    ];

    it('§3: `catalog` has the 17 types with the SPEC categories, natures and loosest disclosure', async () => {
      const response = await gw.request(`{ catalog { code name nameZh category nature loosestDisclosure publicForIndividuals repairable requiresGroup } }`);
      expect(response.body.errors).toBeUndefined();
      const catalog = response.body.data.catalog as { code: string; category: string; nature: string; loosestDisclosure: string; publicForIndividuals: boolean; repairable: boolean; requiresGroup: boolean }[];
      expect(catalog).toHaveLength(17);
      expect(Object.fromEntries(catalog.map((t) => [t.code, [t.category, t.nature, t.loosestDisclosure]]))).toEqual(SPEC_CATALOG);
      expect(catalog.filter((t) => t.loosestDisclosure === 'SHARED').map((t) => t.code).sort()).toEqual(
        ['contract-performance', 'credit-grade', 'judgment', 'social-insurance-arrears', 'tax-arrears', 'tax-rating']);
      // D5: public for individuals by default; §3: qualification requires a group; R3: what can be repaired
      expect(catalog.filter((t) => t.publicForIndividuals).map((t) => t.code).sort()).toEqual(['dishonest-debtor', 'qualification', 'serious-dishonesty-list']);
      expect(catalog.filter((t) => t.requiresGroup).map((t) => t.code)).toEqual(['qualification']);
      const repairable = new Map(catalog.map((t) => [t.code, t.repairable]));
      for (const code of ['penalty', 'abnormal-operation', 'serious-dishonesty-list', 'ip-infringement', 'tax-arrears', 'social-insurance-arrears']) {
        expect(repairable.get(code), code).toBe(true);
      }
      expect(repairable.get('dishonest-debtor')).toBe(false);
      expect(repairable.get('judgment')).toBe(false);
    });

    it('§3/D1/D2: the catalog carries the NDRC Order 36 default periods', async () => {
      const response = await gw.request(`{ catalog { code publicityRule generalPublicPeriod seriousPublicPeriod defaultPublicPeriod maxPublicPeriod } }`, { token: asA() });
      const byCode = new Map((response.body.data.catalog as { code: string }[]).map((t) => [t.code, t]));
      expect(byCode.get('penalty')).toMatchObject({ publicityRule: 'BY_SEVERITY', generalPublicPeriod: '1 year', seriousPublicPeriod: '3 years' });
      expect(byCode.get('dishonest-debtor')).toMatchObject({ publicityRule: 'BY_VALIDITY', defaultPublicPeriod: '2 years' });
      expect(byCode.get('serious-dishonesty-list')).toMatchObject({ defaultPublicPeriod: '3 years' });
      expect(byCode.get('ip-infringement')).toMatchObject({ maxPublicPeriod: '3 years' });
    });

    it('§3: `professionalGroups` has the 23 SPEC group codes', async () => {
      const response = await gw.request(`{ professionalGroups { code name nameZh } }`, { token: tokens.subject(enterpriseCode()) });
      expect(response.body.errors).toBeUndefined();
      const groups = response.body.data.professionalGroups as { code: string; name: string; nameZh: string }[];
      expect(groups.map((g) => g.code).sort()).toEqual([...SPEC_GROUPS].sort());
      for (const group of groups) {
        expect(group.name).toMatch(/\S/);
        expect(group.nameZh).toMatch(/\S/);
      }
    });
  });
});
