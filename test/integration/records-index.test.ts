import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAbility } from '../../policies/abilities.js';
import { PUBLIC_VIEWER, type Standing } from '../../policies/viewer.js';
import { queryRows } from '../../src/db/rows.js';
import { DEFAULT_ALIASES, nowValue, REQUEST_NOW } from '../../src/modules/disclosure/record-facts.sql.js';
import { recordFieldMap, scopeOf } from '../../src/modules/disclosure/scope.sql.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject } from '../support/factories.js';

/**
 * SPEC §11 ("indexes fit the queries"), issue 7: a subject's visible total is counted for every viewer from
 * records_subject_newest alone — its INCLUDE columns (migration 0007) cover every column a disclosure scope
 * reads, so the count needs no heap page per record. If a rule ever names a column the index does not carry,
 * PostgreSQL can no longer plan an index-only scan and this test fails.
 */
describe.each(testDatabaseKinds())('records index on %s', (kind) => {
  let database: TestDatabase;
  let subjectId: number;
  let subjectCode: string;
  let department: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    department = await createOrganization(database.db, 'DEPARTMENT');
    const subject = await createSubject(database.db, department, 'ENTERPRISE');
    subjectId = subject.id;
    subjectCode = subject.code;
    for (let i = 0; i < 40; i += 1) {
      await createRecord(database.db, subject, department, { type: ['license', 'penalty', 'tax-rating', 'honor'][i % 4], decidedAt: new Date(Date.UTC(2025, 0, 1 + i)) });
    }
    await queryRows(database.db, sql`VACUUM ANALYZE records`);
  });

  afterAll(async () => {
    await database?.close();
  });

  const standings: [string, () => Standing][] = [
    ['public', () => ({ viewer: PUBLIC_VIEWER, purpose: null, grants: [] })],
    ['department with a purpose', () => ({
      viewer: { role: 'department', actor: 'officer', orgCode: department, subjectCode: null },
      purpose: { kind: 'LICENSING', reference: 'IDX-1' }, grants: [],
    })],
    ['agency with a grant', () => ({
      viewer: { role: 'agency', actor: 'analyst', orgCode: 'AGENCY-IDX', subjectCode: null },
      purpose: { kind: 'LENDING', reference: 'IDX-2' },
      grants: [{ id: 'g-1', subjectCode, categories: ['ADMINISTRATIVE', 'EVALUATION'] }],
    })],
    ['the subject itself', () => ({
      viewer: { role: 'subject', actor: 'self', orgCode: null, subjectCode }, purpose: null, grants: [],
    })],
  ];

  it.each(standings)('§11: the visible total for %s is an index-only scan of records_subject_newest', async (_name, standing) => {
    const scope = scopeOf(defineAbility(standing()), 'Record', () => recordFieldMap(DEFAULT_ALIASES, REQUEST_NOW));
    const count = sql`SELECT count(*) FROM records r JOIN subjects s ON s.id = r.subject_id JOIN catalog_types ct ON ct.code = r.type
      WHERE r.subject_id = ${subjectId} AND ${scope.sql}`;
    // small tables are cheaper to scan whole: rule the sequential scan and the bitmap out, as at city scale
    await queryRows(database.db, sql`SET enable_seqscan = off`);
    await queryRows(database.db, sql`SET enable_bitmapscan = off`);
    try {
      const plan = await queryRows<Record<string, string>>(database.db, sql`EXPLAIN ${count}`, nowValue(new Date('2026-06-01T00:00:00Z')));
      const text = plan.map((row) => Object.values(row)[0]).join('\n');
      expect(text).toMatch(/Index Only Scan using records_subject_newest on records r/);
    } finally {
      await queryRows(database.db, sql`RESET enable_seqscan`);
      await queryRows(database.db, sql`RESET enable_bitmapscan`);
    }
  });
});
