import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { generateUscc, residentIdCheckChar } from '../../src/domain/identifiers.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { expectNoErrors, NOW } from '../support/disclosure-e2e.js';
import type { TestGateway } from '../support/gateway.js';
import { mulberry32 } from '../support/random.js';
import { openGatewaySuite } from '../support/suite.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC I5 with W1 over HTTP: the exception table lets an early pilot code skip its checksum, never the birth date an
 * individual's identity number carries (I2: a real date, not in the future). A listed individual whose digits 7–14
 * are no real date is a W1 row error (INVALID_CODE) in an atomic batch — not a database constraint failure.
 */
const REGISTER = `mutation($subjects: [SubjectInput!]!) {
  registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } } }`;

const rand = mulberry32(0x15_b1a7);
let sequence = 100;

/** An 18-character identity number for `birthDigits` (YYYYMMDD, real or not) whose check character is wrong. */
function pilotResidentId(birthDigits: string): string {
  const body = `440203${birthDigits}${String(sequence++).padStart(3, '0')}`;
  const right = residentIdCheckChar(body);
  return body + (right === '0' ? '1' : '0');
}

describe.each(testDatabaseKinds())('I5/W1 registration of exception-listed codes on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let dept: string;

  beforeAll(async () => {
    ({ database, gw, deptA: dept } = await openGatewaySuite(kind, NOW));
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  async function listAsException(code: string): Promise<void> {
    await database.db.execute(sql`INSERT INTO code_exceptions (code, kind, note) VALUES (${code}, 'INDIVIDUAL', 'e2e pilot code')`);
  }

  async function register(rows: Record<string, unknown>[]) {
    const response = await gw.request(REGISTER, { token: tokens.department(dept), variables: { subjects: rows } });
    expectNoErrors(response);
    return response.body.data.registerSubjects as { accepted: number; ids: string[]; errors: { index: number; reason: string; message: string }[] };
  }

  async function registered(codes: string[]) {
    return queryRows<{ code: string; birth_date: string | null; code_flagged: boolean }>(database.db, sql`
      SELECT code, birth_date::text AS birth_date, code_flagged FROM subjects
       WHERE code IN (${sql.join(codes.map((c) => sql`${c}`), sql`, `)}) ORDER BY code`);
  }

  it('W1/I5: a listed individual whose digits 7–14 are no real date is refused INVALID_CODE; the batch writes nothing', async () => {
    const enterprise = generateUscc(rand, '91');
    const noDate = pilotResidentId('19911301'); // month 13
    await listAsException(noDate);

    const result = await register([
      { code: enterprise, kind: 'ENTERPRISE', name: '韶关市试点登记测试有限公司' },
      { code: noDate, kind: 'INDIVIDUAL', name: '李试点' },
    ]);

    expect(result).toMatchObject({ accepted: 0, ids: [] });
    expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([{ index: 1, reason: 'INVALID_CODE' }]);
    expect(result.errors[0]!.message).toMatch(/birth date/);
    expect(await registered([enterprise, noDate])).toEqual([]);
  });

  it('W1/I5: a listed individual born in the future (I2) is refused INVALID_CODE as well', async () => {
    const unborn = pilotResidentId('20300101');
    await listAsException(unborn);
    const result = await register([{ code: unborn, kind: 'INDIVIDUAL', name: '李未来' }]);
    expect(result.errors.map(({ index, reason }) => ({ index, reason }))).toEqual([{ index: 0, reason: 'INVALID_CODE' }]);
    expect(await registered([unborn])).toEqual([]);
  });

  it('W1/I5: a listed individual with a real birth date registers, flagged, with that birth date', async () => {
    const pilot = pilotResidentId('19840712');
    const unlisted = pilotResidentId('19840713');
    await listAsException(pilot);
    expect((await register([{ code: unlisted, kind: 'INDIVIDUAL', name: '王未列' }])).errors.map((e) => e.reason)).toEqual(['INVALID_CODE']);
    expect(await register([{ code: pilot, kind: 'INDIVIDUAL', name: '王试点' }])).toEqual({ accepted: 1, ids: [pilot], errors: [] });
    expect(await registered([pilot, unlisted])).toEqual([{ code: pilot, birth_date: '1984-07-12', code_flagged: true }]);
  });
});
