import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceIssuers } from '../../src/modules/catalog/issuers.repository.js';
import { writeRecordBatch } from '../../src/modules/filing/filing.repository.js';
import { loadStaticReference, planRecords, type Filer } from '../../src/modules/filing/filing.planner.js';
import { checkIssuer, type RecordFiling } from '../../src/modules/filing/record-validation.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createSubject } from '../support/factories.js';

/**
 * SPEC W5 in the filing planner shared by submitRecords, the NDJSON importer and objection corrections (R2): the
 * issuer check, and its exemption for a correction that the record's source writes after it lost the authority.
 * resolveObjection plans its corrected version with `{ correction: true }`.
 */
const NOW = new Date('2026-06-01T04:00:00Z');

describe('W5 checkIssuer', () => {
  const issuers = new Map([['judgment', new Set(['SG-COURT'])], ['penalty', new Set<string>()]]);

  it('W5: a listed issuer may file; anyone else gets NOT_ISSUER naming the issuers', () => {
    expect(checkIssuer('judgment', 'SG-COURT', issuers)).toBeNull();
    expect(checkIssuer('judgment', 'SG-MARKET', issuers)).toEqual({ reason: 'NOT_ISSUER', message: expect.stringContaining('SG-COURT') });
  });

  it('W5: an empty or absent list lets every department file the type', () => {
    expect(checkIssuer('penalty', 'SG-MARKET', issuers)).toBeNull();
    expect(checkIssuer('license', 'SG-MARKET', issuers)).toBeNull();
  });
});

describe.each(testDatabaseKinds())('W5 planRecords on %s', (kind) => {
  let database: TestDatabase;
  let source: string;
  let court: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    source = await createOrganization(database.db, 'DEPARTMENT');
    court = await createOrganization(database.db, 'DEPARTMENT');
  });

  afterAll(async () => {
    await database?.close();
  });

  const filer = (orgCode: string): Filer => ({ orgCode, role: 'department', actor: 'officer-1' });
  const plan = async (orgCode: string, rows: RecordFiling[], options?: { correction?: boolean }) =>
    planRecords(database.db, filer(orgCode), rows, NOW, await loadStaticReference(database.db), options);

  it('W5/R2: a source de-listed after filing still writes an objection correction; any other change is NOT_ISSUER', async () => {
    const subject = await createSubject(database.db, source, 'ENTERPRISE');
    const filed: RecordFiling = {
      subjectCode: subject.code, type: 'judgment', sourceRef: `JDG-${subject.id}`, title: '民事判决书', severity: 'GENERAL',
      decidedAt: new Date('2026-01-05T01:00:00Z'),
    };
    const first = await plan(source, [filed]);
    expect(first.errors).toEqual([]);
    await writeRecordBatch(database.db, source, 'officer-1', first.inserts, first.updates, NOW);
    await replaceIssuers(database.db, 'judgment', [court]);

    const corrected: RecordFiling = { ...filed, title: '民事判决书（更正）' };
    expect((await plan(source, [corrected])).errors.map((e) => e.reason)).toEqual(['NOT_ISSUER']);
    const correction = await plan(source, [corrected], { correction: true });
    expect(correction.errors).toEqual([]);
    expect(correction.updates.map((u) => [u.existing.id, u.changedFields])).toEqual([[first.inserts[0]!.id, ['title']]]);

    // the exemption covers the source's existing records only: a new record of the type is refused; the issuer files it
    const fresh = { ...filed, sourceRef: `JDG-NEW-${subject.id}` };
    expect((await plan(source, [fresh], { correction: true })).errors.map((e) => e.reason)).toEqual(['NOT_ISSUER']);
    expect((await plan(court, [{ ...filed, sourceRef: `JDG-COURT-${subject.id}` }])).errors).toEqual([]);
  });
});
