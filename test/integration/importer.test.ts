import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { generateResidentId, generateUscc } from '../../src/domain/identifiers.js';
import { checkpointPath, importFile, rejectsPath } from '../../src/modules/ingest/importer.js';
import { readLines, type Line } from '../../src/modules/ingest/ndjson.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { mulberry32 } from '../support/random.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC W4 (bulk import from NDJSON) and W2 (versions) through the importer itself (`importFile`, the code behind
 * `npm run import`): bad lines land in `<file>.rejects.ndjson` with their line number and reason while the good
 * lines around them import; subjects register in the same run; the reader is byte-exact (CRLF, blank lines,
 * multi-byte UTF-8 across chunk boundaries); re-runs are idempotent; changed content makes versions; and the
 * importer refuses exactly what `submitRecords` / `registerSubjects` refuse (one validation, two entry points).
 * The kill-and-resume proof is test/integration/importer-kill.test.ts.
 */

const NOW = new Date('2026-06-01T04:00:00Z');
const DECIDED = '2026-01-05T09:00:00+08:00';
const PURPOSE = { kind: 'LICENSING', reference: 'IMPORT-TEST-1' };

const SUBMIT = `mutation($records: [RecordInput!]!) {
  submitRecords(records: $records) { accepted ids errors { index reason message } } }`;
const REGISTER_SUBJECTS = `mutation($subjects: [SubjectInput!]!) {
  registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } } }`;
const SUBJECT_HISTORY = `query($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) {
    code view
    records(first: 100) { edges { node { id title summary version history { version replacedAt changedFields snapshot } } } }
  }
}`;

type Row = Record<string, unknown>;
interface Reject { line: number; reason: string; message: string; input: string }
interface HistoryNode {
  id: string; title: string; summary: string | null; version: number;
  history: { version: number; replacedAt: string; changedFields: string[]; snapshot: Record<string, unknown> }[] | null;
}

const rand = mulberry32(0x1a7_0e7);
let serial = 0;
const uniqueRef = (label = 'imp') => `${label}-${++serial}-${Math.floor(rand() * 1e9).toString(36)}`;
const enterpriseCode = () => generateUscc(rand, '91');
const personCode = (birthDate = '1984-02-11') => generateResidentId(rand, birthDate);

describe.each(testDatabaseKinds())('W4 NDJSON importer on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let department: string;
  let dir: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    gw = await startTestGateway(database, { now: NOW });
    department = await createOrganization(database.db, 'DEPARTMENT');
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cqg-importer-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- helpers

  /** Writes lines (objects are JSON-encoded, strings written as they are) joined by `eol`, with a final `eol`. */
  async function ndjson(name: string, lines: (Row | string)[], eol = '\n'): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join(eol) + eol);
    return file;
  }

  function runImport(file: string, batchSize = 100) {
    return importFile({
      db: database.db,
      filer: { orgCode: department, role: 'department', actor: 'importer-test' },
      file,
      batchSize,
      now: () => NOW,
    });
  }

  async function rejectsOf(file: string): Promise<Reject[]> {
    const text = await readFile(rejectsPath(file), 'utf8');
    return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Reject);
  }

  /** How many records the department filed under each sourceRef (0 when absent). */
  async function countsBySourceRef(refs: string[]): Promise<Record<string, number>> {
    const rows = await queryRows<{ source_ref: string; n: number }>(database.db, sql`
      SELECT source_ref, count(*)::int AS n FROM records
      WHERE source_org = ${department} AND source_ref IN (${sql.join(refs.map((r) => sql`${r}`), sql`, `)})
      GROUP BY source_ref`);
    const counts = Object.fromEntries(refs.map((r) => [r, 0]));
    for (const row of rows) counts[row.source_ref] = Number(row.n);
    return counts;
  }

  async function recordsByRef(refs: string[]) {
    const rows = await queryRows<{ id: string; source_ref: string; title: string; version: number; updated_at: unknown; subject_code: string }>(database.db, sql`
      SELECT r.id, r.source_ref, r.title, r.version, r.updated_at::text AS updated_at, s.code AS subject_code
      FROM records r JOIN subjects s ON s.id = r.subject_id
      WHERE r.source_org = ${department} AND r.source_ref IN (${sql.join(refs.map((r) => sql`${r}`), sql`, `)})`);
    return new Map(rows.map((r) => [r.source_ref, { ...r, version: Number(r.version) }]));
  }

  async function countWhere(query: ReturnType<typeof sql>): Promise<number> {
    const [row] = await queryRows<{ n: number }>(database.db, query);
    return Number(row.n);
  }
  const orgRecordCount = () => countWhere(sql`SELECT count(*)::int AS n FROM records WHERE source_org = ${department}`);
  const orgVersionCount = () => countWhere(sql`
    SELECT count(*)::int AS n FROM record_versions v JOIN records r ON r.id = v.record_id WHERE r.source_org = ${department}`);

  async function registered(subjectKind: 'ENTERPRISE' | 'INDIVIDUAL' = 'ENTERPRISE', birthDate?: string) {
    return (await createSubject(database.db, department, subjectKind, birthDate ? { birthDate } : {})).code;
  }

  const licence = (subjectCode: string, overrides: Row = {}): Row => ({
    subjectCode, type: 'license', sourceRef: uniqueRef('lic'), title: '食品经营许可证', decidedAt: DECIDED, ...overrides,
  });
  const penalty = (subjectCode: string, overrides: Row = {}): Row => ({
    subjectCode, type: 'penalty', sourceRef: uniqueRef('pen'), title: '行政处罚决定书', severity: 'GENERAL',
    decisionNumber: '韶市监罚〔2026〕12号', decidedAt: DECIDED, amount: 5000, details: { officer: 'o-7' }, ...overrides,
  });

  // ---------------------------------------------------------------- W4: bad lines among good ones

  it('W4: good lines around bad ones import; each bad line is in the reject file with its line number and reason', async () => {
    const subject = await registered();
    const good = Array.from({ length: 10 }, (_, i) => (i % 2 ? penalty(subject, { title: `处罚${i}` }) : licence(subject, { title: `许可${i}` })));
    const duplicated = good[8]!.sourceRef as string;
    const bad: { line: Row | string; reason: string; ref?: string }[] = [
      { line: '{"subjectCode": "91110000600037341L", "type": "license",', reason: 'INVALID_JSON' },
      { line: licence(subject, { type: 'no-such-type' }), reason: 'NOT_IN_CATALOG' },
      { line: licence('91110000600037341N'), reason: 'INVALID_CODE' },
      { line: licence(enterpriseCode()), reason: 'SUBJECT_NOT_REGISTERED' },
      { line: { ...licence(subject), type: 'judgment', severity: 'GENERAL', disclosure: 'PUBLIC' }, reason: 'DISCLOSURE_TOO_LOOSE' },
      { line: (({ decidedAt: _omit, ...rest }) => rest)(licence(subject)), reason: 'REQUIRED_FIELD' },
      { line: licence(subject, { decidedAt: 'last Tuesday' }), reason: 'INVALID_DATE' },
      { line: penalty(subject, { severity: null }), reason: 'SEVERITY_REQUIRED' },
      { line: licence(subject, { sourceRef: duplicated, title: '重复的来源编号' }), reason: 'DUPLICATE_IN_BATCH' },
    ];
    // good, bad, good, bad, …, good — the duplicate follows the line that first used its sourceRef
    const lines: (Row | string)[] = [];
    good.forEach((row, i) => {
      lines.push(row);
      if (bad[i]) lines.push(bad[i]!.line);
    });
    const file = await ndjson('mixed.ndjson', lines);

    const result = await runImport(file, 100);

    expect(result).toMatchObject({ imported: 10, rejected: 9, skipped: 0, lines: 19 });
    const rejects = await rejectsOf(file);
    expect(rejects.map((r) => ({ line: r.line, reason: r.reason }))).toEqual(bad.map((b, i) => ({ line: 2 * (i + 1), reason: b.reason })));
    for (const reject of rejects) {
      expect(reject.input).toBe(typeof lines[reject.line - 1] === 'string' ? lines[reject.line - 1] : JSON.stringify(lines[reject.line - 1]));
      expect(typeof reject.message).toBe('string');
      expect(reject.message.length).toBeGreaterThan(0);
    }
    const goodRefs = good.map((g) => g.sourceRef as string);
    expect(Object.values(await countsBySourceRef(goodRefs))).toEqual(goodRefs.map(() => 1));
    const badRefs = bad.map((b) => (typeof b.line === 'string' ? null : (b.line.sourceRef as string))).filter((r): r is string => r !== null && r !== duplicated);
    expect(Object.values(await countsBySourceRef(badRefs))).toEqual(badRefs.map(() => 0));
    // the duplicate did not replace the first line's content
    expect((await recordsByRef([duplicated])).get(duplicated)?.title).toBe('许可8');
  });

  it('W4: an impossible calendar date (2026-02-30) is refused INVALID_DATE, as the API DateTime refuses it', async () => {
    const subject = await registered();
    const ok = licence(subject);
    const feb30 = licence(subject, { decidedAt: '2026-02-30T09:00:00+08:00' });
    const apr31 = licence(subject, { validFrom: '2026-01-05T09:00:00+08:00', validUntil: '2026-04-31T00:00:00+08:00' });
    const noOffset = licence(subject, { decidedAt: '2026-01-05T09:00:00' });
    const file = await ndjson('dates.ndjson', [ok, feb30, apr31, noOffset]);

    const result = await runImport(file);

    expect((await rejectsOf(file)).map((r) => ({ line: r.line, reason: r.reason }))).toEqual([
      { line: 2, reason: 'INVALID_DATE' }, { line: 3, reason: 'INVALID_DATE' }, { line: 4, reason: 'INVALID_DATE' },
    ]);
    expect(result).toMatchObject({ imported: 1, rejected: 3, skipped: 0 });
    expect(await countsBySourceRef([feb30.sourceRef as string, apr31.sourceRef as string])).toEqual({
      [feb30.sourceRef as string]: 0, [apr31.sourceRef as string]: 0,
    });
  });

  // ---------------------------------------------------------------- subjects in the same run

  it('W4: a subject line registers the subject for the records after it; a record line may carry its own subject', async () => {
    const company = enterpriseCode();
    const person = personCode('1979-08-30');
    const lines: Row[] = [
      { subject: { code: company, kind: 'ENTERPRISE', name: '韶关市同批登记有限公司', registeredAt: '2012-04-01', legalRepresentative: '陈五' } },
      licence(company),
      penalty(company),
      { ...licence(person, { type: 'qualification', group: 'LAWYER', title: '律师执业证' }), subject: { code: person, kind: 'INDIVIDUAL', name: '林小红' } },
    ];
    const file = await ndjson('subjects.ndjson', lines);

    const result = await runImport(file, 100);

    expect(result).toMatchObject({ imported: 4, rejected: 0, skipped: 0 });
    expect(await rejectsOf(file)).toEqual([]);
    const subjects = await queryRows<{ code: string; kind: string; name: string; registered_by: string }>(database.db, sql`
      SELECT code, kind, name, registered_by FROM subjects WHERE code IN (${company}, ${person}) ORDER BY kind`);
    expect(subjects).toEqual([
      { code: company, kind: 'ENTERPRISE', name: '韶关市同批登记有限公司', registered_by: department },
      { code: person, kind: 'INDIVIDUAL', name: '林小红', registered_by: department },
    ]);
    const stored = await recordsByRef(lines.slice(1).map((l) => l.sourceRef as string));
    expect([...stored.values()].map((r) => r.subject_code).sort()).toEqual([company, company, person].sort());
  });

  it('W4: a subject line registers the subject for records in later batches (batch size 1)', async () => {
    const company = enterpriseCode();
    const lines: Row[] = [
      { subject: { code: company, kind: 'ENTERPRISE', name: '分批登记有限公司' } },
      licence(company),
      licence(company),
    ];
    const file = await ndjson('subjects-batch1.ndjson', lines);

    const result = await runImport(file, 1);

    expect(result).toMatchObject({ imported: 3, rejected: 0, skipped: 0 });
    expect(Object.values(await countsBySourceRef([lines[1]!.sourceRef as string, lines[2]!.sourceRef as string]))).toEqual([1, 1]);
  });

  it('W4: the same subject on several record lines registers once and every line imports, whatever the batch size', async () => {
    const linesFor = (code: string, name: string): Row[] => {
      const subject = { code, kind: 'ENTERPRISE', name };
      return [{ ...licence(code), subject }, { ...penalty(code), subject }, { ...licence(code), subject }];
    };
    // one line per batch: the first line registers the subject, the others find it registered and unchanged
    const oneByOne = linesFor(enterpriseCode(), '逐行携带主体甲有限公司');
    const singles = await ndjson('repeated-subject-1.ndjson', oneByOne);
    expect(await runImport(singles, 1)).toMatchObject({ imported: 3, rejected: 0, skipped: 0 });
    expect(await rejectsOf(singles)).toEqual([]);
    // the same shape of file in one batch must give the same outcome
    const together = linesFor(enterpriseCode(), '逐行携带主体乙有限公司');
    const batched = await ndjson('repeated-subject-100.ndjson', together);

    const result = await runImport(batched, 100);

    expect(await rejectsOf(batched)).toEqual([]);
    expect(result).toMatchObject({ imported: 3, rejected: 0, skipped: 0 });
    expect(Object.values(await countsBySourceRef(together.map((l) => l.sourceRef as string)))).toEqual([1, 1, 1]);
  });

  // ---------------------------------------------------------------- the reader: blank lines, CRLF, UTF-8

  it('W4: blank and whitespace-only lines are ignored and still count as line numbers', async () => {
    const subject = await registered();
    const a = licence(subject);
    const b = licence(subject);
    const refused = licence(subject, { type: 'nope' });
    const file = await ndjson('blank.ndjson', ['', JSON.stringify(a), '   ', '', '\t', JSON.stringify(b), '', JSON.stringify(refused), '']);

    const result = await runImport(file, 2);

    expect(result).toMatchObject({ imported: 2, rejected: 1, skipped: 0 });
    expect((await rejectsOf(file)).map((r) => ({ line: r.line, reason: r.reason }))).toEqual([{ line: 8, reason: 'NOT_IN_CATALOG' }]);
    expect(Object.values(await countsBySourceRef([a.sourceRef as string, b.sourceRef as string]))).toEqual([1, 1]);
  });

  it('W4: CRLF line endings import; no carriage return reaches a title or a reject', async () => {
    const subject = await registered();
    const rows = [licence(subject, { title: '许可证（CRLF）' }), licence(subject, { type: 'bogus' }), licence(subject, { title: '最后一行' })];
    const file = path.join(dir, 'crlf.ndjson');
    // Windows line endings, and no line ending after the last line
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\r\n'));

    const result = await runImport(file, 2);

    expect(result).toMatchObject({ imported: 2, rejected: 1, skipped: 0 });
    const rejects = await rejectsOf(file);
    expect(rejects.map((r) => ({ line: r.line, reason: r.reason, input: r.input }))).toEqual([
      { line: 2, reason: 'NOT_IN_CATALOG', input: JSON.stringify(rows[1]) },
    ]);
    const stored = await recordsByRef([rows[0]!.sourceRef as string, rows[2]!.sourceRef as string]);
    expect(stored.get(rows[0]!.sourceRef as string)?.title).toBe('许可证（CRLF）');
    expect(stored.get(rows[2]!.sourceRef as string)?.title).toBe('最后一行');
  });

  it('W4: readLines keeps texts and byte offsets exact with multi-byte UTF-8 split across tiny chunks', async () => {
    const texts = [
      JSON.stringify({ title: '食品经营许可证', summary: '韶关市浈江区市场监督管理局' }),
      '',
      JSON.stringify({ title: '𠀋𠀌 surrogate pairs 😀', summary: 'é' }),
      JSON.stringify({ title: '欧阳小明' }),
    ];
    for (const eol of ['\n', '\r\n']) {
      const file = path.join(dir, `utf8-${eol.length}.ndjson`);
      await writeFile(file, texts.join(eol) + eol);
      const expectedEnds: number[] = [];
      let offset = 0;
      for (const text of texts) {
        offset += Buffer.byteLength(text + eol);
        expectedEnds.push(offset);
      }
      for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
        const lines: Line[] = [];
        for await (const line of readLines(file, 0, 1, chunkSize)) lines.push(line);
        expect(lines).toEqual(texts.map((text, i) => ({ number: i + 1, text, end: expectedEnds[i] })));
        // resuming at any line's end offset yields exactly the lines after it, numbered on
        for (const [i, line] of lines.entries()) {
          const rest: Line[] = [];
          for await (const next of readLines(file, line.end, line.number + 1, chunkSize)) rest.push(next);
          expect(rest).toEqual(lines.slice(i + 1));
        }
      }
      expect(expectedEnds.at(-1)).toBe((await stat(file)).size);
    }
  });

  it('W4: Chinese titles import byte-exact', async () => {
    const subject = await registered();
    const rows = Array.from({ length: 40 }, (_, i) => licence(subject, { title: `韶关市第${i}号食品经营许可证𠀋😀`, summary: '经营范围：预包装食品销售（含冷藏冷冻食品）' }));
    const file = await ndjson('chinese.ndjson', rows);

    const result = await runImport(file, 7);

    expect(result).toMatchObject({ imported: 40, rejected: 0, skipped: 0 });
    const stored = await recordsByRef(rows.map((r) => r.sourceRef as string));
    expect(rows.map((r) => stored.get(r.sourceRef as string)?.title)).toEqual(rows.map((r) => r.title));
    const checkpoint = JSON.parse(await readFile(checkpointPath(file), 'utf8')) as { offset: number; nextLine: number };
    expect(checkpoint).toMatchObject({ offset: (await stat(file)).size, nextLine: 41 });
  });

  // ---------------------------------------------------------------- idempotency and versions (W2)

  it('W4: re-running a file that completed changes nothing', async () => {
    const subject = await registered();
    const rows: (Row | string)[] = [licence(subject), 'not json', penalty(subject), licence(subject, { type: 'x' }), licence(subject)];
    const file = await ndjson('rerun.ndjson', rows);
    const first = await runImport(file, 2);
    expect(first).toMatchObject({ imported: 3, rejected: 2, skipped: 0, lines: 5 });
    const rejectsBefore = await readFile(rejectsPath(file), 'utf8');
    const refs = rows.filter((r): r is Row => typeof r !== 'string').map((r) => r.sourceRef as string);
    const recordsBefore = await recordsByRef(refs);
    const [countBefore, versionsBefore] = [await orgRecordCount(), await orgVersionCount()];

    const second = await runImport(file, 2);

    expect(second).toMatchObject({ imported: 3, rejected: 2, skipped: 0, lines: 5, resumedFromLine: 6 });
    expect(await readFile(rejectsPath(file), 'utf8')).toBe(rejectsBefore);
    expect(await orgRecordCount()).toBe(countBefore);
    expect(await orgVersionCount()).toBe(versionsBefore);
    expect(await recordsByRef(refs)).toEqual(recordsBefore);
  });

  it('W4: batches committed after the last checkpoint (a kill between commit and checkpoint) are redone as skipped, their rejects written once', async () => {
    const subject = await registered();
    const lines: (Row | string)[] = [];
    for (let i = 0; i < 12; i += 1) lines.push(i % 4 === 3 ? licence(subject, { type: `bad-type-${i}` }) : licence(subject));
    lines.splice(5, 0, { subject: { code: enterpriseCode(), kind: 'ENTERPRISE', name: '断点续传有限公司' } });
    lines.splice(9, 0, '{"broken": ');
    const file = await ndjson('redo.ndjson', lines);
    let afterFirstBatch: string | null = null;
    const full = await importFile({
      db: database.db,
      filer: { orgCode: department, role: 'department', actor: 'importer-test' },
      file,
      batchSize: 4,
      now: () => NOW,
      onProgress: () => {
        afterFirstBatch ??= readFileSync(checkpointPath(file), 'utf8');
      },
    });
    expect(full).toMatchObject({ imported: 10, rejected: 4, skipped: 0, lines: 14 });
    const rejectsAfterFull = await readFile(rejectsPath(file), 'utf8');
    const refs = lines.filter((l): l is Row => typeof l !== 'string' && 'sourceRef' in l).map((l) => l.sourceRef as string);
    const recordsBefore = await recordsByRef(refs);
    const versionsBefore = await orgVersionCount();
    // the process "died" after committing batches 2–4 but before checkpointing them
    await writeFile(checkpointPath(file), afterFirstBatch!);

    const resumed = await runImport(file, 4);

    // lines 1–4 counted from the checkpoint; lines 5–14 redone: the 7 valid ones (one subject line) are skipped
    expect(resumed).toMatchObject({ resumedFromLine: 5, imported: 3, rejected: 4, skipped: 7, lines: 14 });
    expect(await readFile(rejectsPath(file), 'utf8')).toBe(rejectsAfterFull);
    expect((await rejectsOf(file)).map((r) => r.line)).toEqual([4, 9, 10, 14]);
    expect(await recordsByRef(refs)).toEqual(recordsBefore);
    const expected = Object.fromEntries(lines.filter((l): l is Row => typeof l !== 'string' && 'sourceRef' in l)
      .map((l) => [l.sourceRef as string, String(l.type).startsWith('bad-type') ? 0 : 1]));
    expect(await countsBySourceRef(refs)).toEqual(expected);
    expect(await orgVersionCount()).toBe(versionsBefore);
  });

  it('W2: re-importing the same sourceRefs with unchanged content (a new file, no checkpoint) skips every line and writes nothing', async () => {
    const subject = await registered();
    const rows = [licence(subject), penalty(subject), licence(subject, { details: { b: 2, a: [1, { y: 1, x: 2 }] } })];
    const first = await runImport(await ndjson('first.ndjson', rows), 100);
    expect(first).toMatchObject({ imported: 3, rejected: 0, skipped: 0 });
    const refs = rows.map((r) => r.sourceRef as string);
    const recordsBefore = await recordsByRef(refs);
    const [countBefore, versionsBefore] = [await orgRecordCount(), await orgVersionCount()];

    // same content, keys in another order, in a file of its own
    const again = rows.map((r) => Object.fromEntries(Object.entries(r).reverse()));
    const second = await runImport(await ndjson('again.ndjson', again), 100);

    expect(second).toMatchObject({ imported: 0, rejected: 0, skipped: 3, resumedFromLine: 1 });
    expect(await orgRecordCount()).toBe(countBefore);
    expect(await orgVersionCount()).toBe(versionsBefore);
    expect(await recordsByRef(refs)).toEqual(recordsBefore);
  });

  it('W2: re-importing changed content makes a new version; CreditRecord.history lists the old one to a department with a purpose', async () => {
    const subject = await registered();
    const changed = licence(subject, { title: '旧标题', summary: '旧摘要' });
    const same = penalty(subject);
    expect(await runImport(await ndjson('v1.ndjson', [changed, same]))).toMatchObject({ imported: 2, skipped: 0 });
    const before = await recordsByRef([changed.sourceRef as string, same.sourceRef as string]);

    const result = await runImport(await ndjson('v2.ndjson', [{ ...changed, title: '新标题', summary: '新摘要' }, same]));

    expect(result).toMatchObject({ imported: 1, rejected: 0, skipped: 1 });
    const after = await recordsByRef([changed.sourceRef as string, same.sourceRef as string]);
    const changedId = before.get(changed.sourceRef as string)!.id;
    expect(after.get(changed.sourceRef as string)).toMatchObject({ id: changedId, title: '新标题', version: 2 });
    expect(after.get(same.sourceRef as string)).toEqual(before.get(same.sourceRef as string));
    const versions = await queryRows<{ version: number; changed_fields: string[]; title: string }>(database.db, sql`
      SELECT version, changed_fields, snapshot->>'title' AS title FROM record_versions WHERE record_id = ${changedId}::uuid`);
    expect(versions.map((v) => ({ ...v, version: Number(v.version), changed_fields: [...v.changed_fields].sort() })))
      .toEqual([{ version: 1, changed_fields: ['summary', 'title'], title: '旧标题' }]);

    const response = await gw.request(SUBJECT_HISTORY, { token: tokens.department(department), variables: { code: subject, purpose: PURPOSE } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.subject.view).toBe('DEPARTMENT');
    const nodes = response.body.data.subject.records.edges.map((e: { node: HistoryNode }) => e.node) as HistoryNode[];
    const current = nodes.find((n) => n.id === changedId)!;
    expect(current).toMatchObject({ title: '新标题', summary: '新摘要', version: 2 });
    expect(current.history).toHaveLength(1);
    expect(current.history![0]).toMatchObject({ version: 1, replacedAt: NOW.toISOString() });
    expect([...current.history![0]!.changedFields].sort()).toEqual(['summary', 'title']);
    expect(current.history![0]!.snapshot).toMatchObject({ title: '旧标题', summary: '旧摘要' });
    expect(nodes.find((n) => n.id === before.get(same.sourceRef as string)!.id)?.history).toEqual([]);

    // the public sees the current licence without its history
    const publicView = await gw.request(SUBJECT_HISTORY, { variables: { code: subject } });
    expect(publicView.body.errors).toBeUndefined();
    const publicNode = (publicView.body.data.subject.records.edges as { node: HistoryNode }[]).find((e) => e.node.id === changedId)?.node;
    expect(publicNode).toMatchObject({ title: '新标题', history: null });
  });

  // ---------------------------------------------------------------- one validation, two entry points

  it('W1/W4: the importer and submitRecords refuse the same record rows with the same reasons', async () => {
    const subject = await registered();
    const minor = await registered('INDIVIDUAL', '2014-05-05');
    const taken = uniqueRef('dup');
    const rows: Row[] = [
      licence(subject),
      licence(subject, { type: 'no-such-type' }),
      licence('91110000600037341N'),
      licence('9111000060003IOZSV'),
      licence(enterpriseCode()),
      { ...licence(subject), type: 'tax-arrears', severity: 'GENERAL', disclosure: 'PUBLIC' },
      penalty(subject, { severity: null }),
      licence(subject, { severity: 'GENERAL' }),
      licence(subject, { validFrom: '2026-02-01T00:00:00+08:00', validUntil: '2026-01-01T00:00:00+08:00' }),
      licence(subject, { type: 'qualification', group: 'ASTRONAUT' }),
      licence(subject, { type: 'qualification' }),
      licence(subject, { group: 'LAWYER' }),
      licence(subject, { type: 'tax-rating', grade: 'Z', disclosure: 'SHARED' }),
      penalty(minor, { type: 'dishonest-debtor', decidedAt: '2026-01-05T09:00:00+08:00' }),
      penalty(subject, { amount: -1 }),
      licence(subject, { decidedAt: '2026-12-01T00:00:00+08:00' }),
      licence(subject, { title: '   ' }),
      licence(subject, { sourceRef: 'x'.repeat(129) }),
      licence(subject, { sourceRef: taken }),
      licence(subject, { sourceRef: taken, title: '同一来源编号' }),
      penalty(subject),
    ];

    const api = await gw.request(SUBMIT, { token: tokens.department(department), variables: { records: rows } });
    expect(api.body.errors).toBeUndefined();
    const batch = api.body.data.submitRecords as { accepted: number; ids: string[]; errors: { index: number; reason: string }[] };
    expect(batch).toMatchObject({ accepted: 0, ids: [] });
    const apiReasons = batch.errors.map((e) => ({ line: e.index + 1, reason: e.reason }));

    const file = await ndjson('parity.ndjson', rows);
    const result = await runImport(file, 100);
    const importerReasons = (await rejectsOf(file)).map((r) => ({ line: r.line, reason: r.reason }));

    expect(importerReasons).toEqual(apiReasons);
    // every row but the valid ones was refused, each with its own reason
    const validLines = [1, 19, 21];
    expect(apiReasons.map((r) => r.line)).toEqual(rows.map((_, i) => i + 1).filter((n) => !validLines.includes(n)));
    expect(new Set(apiReasons.map((r) => r.reason))).toEqual(new Set([
      'NOT_IN_CATALOG', 'INVALID_CODE', 'SUBJECT_NOT_REGISTERED', 'DISCLOSURE_TOO_LOOSE', 'SEVERITY_REQUIRED',
      'SEVERITY_NOT_APPLICABLE', 'INVALID_VALIDITY', 'UNKNOWN_GROUP', 'GROUP_NOT_APPLICABLE', 'INVALID_GRADE',
      'MINOR_NOT_ALLOWED', 'INVALID_AMOUNT', 'DECIDED_IN_FUTURE', 'REQUIRED_FIELD', 'TEXT_TOO_LONG', 'DUPLICATE_IN_BATCH',
    ]));
    // the API batch is atomic; the importer writes the valid lines around the refused ones
    expect(result).toMatchObject({ imported: 3, rejected: rows.length - 3, skipped: 0 });
    const validRefs = validLines.map((n) => rows[n - 1]!.sourceRef as string);
    expect(Object.values(await countsBySourceRef(validRefs))).toEqual([1, 1, 1]);
  });

  it('W1/W4: subject lines and registerSubjects refuse the same subjects with the same reasons', async () => {
    const repeated = enterpriseCode();
    const good = enterpriseCode();
    const subjects: Row[] = [
      { code: good, kind: 'ENTERPRISE', name: '合规登记有限公司' },
      { code: '91110000600037341N', kind: 'ENTERPRISE', name: '校验位错误有限公司' },
      { code: '36042619910102009X', kind: 'INDIVIDUAL', name: '校验错' },
      { code: enterpriseCode(), kind: 'PUBLIC_INSTITUTION', name: '类型不符' },
      { code: enterpriseCode(), kind: 'ENTERPRISE', name: '   ' },
      { code: personCode(), kind: 'INDIVIDUAL', name: '个人', legalRepresentativeId: personCode() },
      { code: repeated, kind: 'ENTERPRISE', name: '重复一' },
      { code: repeated.toLowerCase(), kind: 'ENTERPRISE', name: '重复二' },
    ];

    const api = await gw.request(REGISTER_SUBJECTS, { token: tokens.department(department), variables: { subjects } });
    expect(api.body.errors).toBeUndefined();
    const batch = api.body.data.registerSubjects as { accepted: number; errors: { index: number; reason: string }[] };
    expect(batch.accepted).toBe(0);
    const apiReasons = batch.errors.map((e) => ({ line: e.index + 1, reason: e.reason }));

    const file = await ndjson('subject-parity.ndjson', subjects.map((subject) => ({ subject })));
    const result = await runImport(file, 100);
    const importerReasons = (await rejectsOf(file)).map((r) => ({ line: r.line, reason: r.reason }));

    expect(importerReasons).toEqual(apiReasons);
    expect(apiReasons.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(new Set(apiReasons.map((r) => r.reason))).toEqual(new Set(['INVALID_CODE', 'KIND_MISMATCH', 'INVALID_NAME', 'NOT_APPLICABLE', 'DUPLICATE_IN_BATCH']));
    expect(result).toMatchObject({ imported: 2, rejected: 6, skipped: 0 });
    const stored = await queryRows<{ code: string }>(database.db, sql`SELECT code FROM subjects WHERE code IN (${good}, ${repeated}) ORDER BY code`);
    expect(stored.map((s) => s.code)).toEqual([good, repeated].sort());
  });
});
