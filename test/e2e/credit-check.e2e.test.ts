import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openGatewaySuite } from '../support/suite.js';
import { testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { type TestGateway } from '../support/gateway.js';
import { createOrganization, createSubject, type SubjectFixture } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { at, distinctBirthDate, NOW, unknownOrganizationCode } from '../support/disclosure-e2e.js';
import { accessLog, eventsOfRequest, nodesOf, post } from '../support/access-log-e2e.js';
import {
  checkOf, eventsAbout, expectNoErrors, expectRefused, file, hitRecordIds, LEAN_CHECK_QUERY, LIST_RESTRICTED_SCENARIOS,
  MEASURES_QUERY, runCheck, runReceipt, SCENARIOS, storedChecksAbout, triggeringRecordIds,
  type CheckNode, type MeasureNode, type PurposeArg,
} from '../support/credit-check-e2e.js';
import type { RecordOverrides } from '../support/factories.js';

/**
 * SPEC §7 over HTTP with real signed tokens: the measures catalog (C2), the verdict of a check and the records
 * that trigger it (C3), in-force records only (C2, D1/D2 windows with their default expiries), the department's
 * own visibility (G1), who may check and how a check is logged (C1, L1), receipts that do not change when the
 * records do (C1), and a check that runs a fixed number of SQL statements however many records the subject has
 * (issue 5 point 4).
 */

const LICENSING: PurposeArg = { kind: 'LICENSING', reference: '韶市监许〔2026〕88号' };
const purposeFor = (scenario: string): PurposeArg =>
  ['LICENSING', 'PROCUREMENT', 'BIDDING', 'SUBSIDY', 'QUALIFICATION', 'HIRING'].includes(scenario)
    ? { kind: scenario, reference: `APP-${scenario}-2026-001` }
    : { kind: 'SUPERVISION', reference: 'HONORS-2026-007' }; // HONORS has no purpose kind of its own

const sameSet = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join('|') === [...new Set(b)].sort().join('|');

describe.each(testDatabaseKinds())('credit check on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let deptA: string; // the checking department
  let deptB: string; // another department filing records
  let agency: string;
  let auditOffice: string;

  beforeAll(async () => {
    ({ database, gw, deptA, deptB, agency, auditOffice } = await openGatewaySuite(kind, NOW));
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  beforeEach(() => {
    gw.clock.now = NOW;
  });

  const db = () => database.db;
  const checker = (officer = 'officer-cc') => tokens.department(deptA, officer);
  const enterprise = () => createSubject(db(), deptA, 'ENTERPRISE');
  const person = () => createSubject(db(), deptA, 'INDIVIDUAL', { birthDate: distinctBirthDate(), name: '陈小红' });
  const place = (subject: SubjectFixture, source: string, overrides: RecordOverrides) => file(db(), subject, source, overrides);

  /** A check by the checking department that must succeed; returns the answer. */
  async function check(subject: { code: string }, scenario = 'LICENSING', token = checker()): Promise<CheckNode> {
    const response = await runCheck(gw, token, subject.code, scenario, purposeFor(scenario));
    expectNoErrors(response);
    const answer = checkOf(response);
    expect(answer.scenario).toBe(scenario);
    return answer;
  }

  // ----------------------------------------------------------------------------------------------------------
  describe('C2 measures catalog', () => {
    let measures: MeasureNode[];

    beforeAll(async () => {
      const response = await post(gw, MEASURES_QUERY, { token: checker() });
      expectNoErrors(response);
      measures = response.body.data.measures;
    });

    /** The seeded default: one measure with exactly these fields (whatever its code). */
    function seededDefault(expected: Omit<MeasureNode, 'code' | 'name' | 'nameZh' | 'legalBasis' | 'description'>): MeasureNode[] {
      return measures.filter((m) => m.kind === expected.kind && m.effect === expected.effect
        && sameSet(m.triggerTypes, expected.triggerTypes)
        && (expected.triggerSeverities === null ? m.triggerSeverities === null : m.triggerSeverities !== null && sameSet(m.triggerSeverities, expected.triggerSeverities))
        && (expected.triggerGrades === null ? m.triggerGrades === null : m.triggerGrades !== null && sameSet(m.triggerGrades, expected.triggerGrades))
        && sameSet(m.scenarios, expected.scenarios));
    }

    it('C2: `measures` lists code, name, kind, effect, triggers, scenarios and legal basis of every measure in the table', async () => {
      const table = (await db().execute(sql`SELECT code FROM measures ORDER BY code`)) as unknown as { rows: { code: string }[] };
      expect(measures.map((m) => m.code).sort()).toEqual(table.rows.map((r) => r.code).sort());
      expect(measures.length).toBeGreaterThanOrEqual(5);
      const catalog = (await db().execute(sql`SELECT code FROM catalog_types`)) as unknown as { rows: { code: string }[] };
      const types = new Set(catalog.rows.map((r) => r.code));
      for (const m of measures) {
        expect(m.code, JSON.stringify(m)).toMatch(/\S/);
        expect(m.name, m.code).toMatch(/\S/);
        expect(['INCENTIVE', 'PUNISHMENT'], m.code).toContain(m.kind);
        expect(['RESTRICT', 'WARN', 'INCENTIVE'], m.code).toContain(m.effect);
        expect(m.kind === 'INCENTIVE', `${m.code}: incentives and only incentives have effect INCENTIVE`).toBe(m.effect === 'INCENTIVE');
        expect(m.triggerTypes.length, m.code).toBeGreaterThan(0);
        for (const type of m.triggerTypes) expect(types.has(type), `${m.code} triggers on unknown type ${type}`).toBe(true);
        expect(m.scenarios.length, m.code).toBeGreaterThan(0);
        for (const scenario of m.scenarios) expect(SCENARIOS as readonly string[]).toContain(scenario);
      }
      // the catalog is reference data: the public reads the same list
      const publicList = await post(gw, MEASURES_QUERY);
      expectNoErrors(publicList);
      expect(publicList.body.data.measures).toEqual(measures);
    });

    it('C2: every measure has a legal basis', () => {
      for (const m of measures) expect(m.legalBasis?.trim().length ?? 0, `${m.code} has no legal basis`).toBeGreaterThan(0);
    });

    it.each(['serious-dishonesty-list', 'dishonest-debtor'])('C2: seeded default — `%s` restricts PROCUREMENT, BIDDING, SUBSIDY, HONORS and LICENSING', (type) => {
      const found = seededDefault({
        kind: 'PUNISHMENT', effect: 'RESTRICT', triggerTypes: [type], triggerSeverities: null, triggerGrades: null,
        scenarios: LIST_RESTRICTED_SCENARIOS,
      });
      expect(found, JSON.stringify(measures.filter((m) => m.triggerTypes.includes(type)))).toHaveLength(1);
    });

    it('C2: seeded default — a GENERAL or SERIOUS penalty warns in every scenario, and no measure lets a penalty restrict', () => {
      const warn = measures.filter((m) => m.effect === 'WARN' && m.kind === 'PUNISHMENT' && m.triggerTypes.includes('penalty')
        && m.triggerSeverities !== null && m.triggerSeverities.includes('GENERAL') && m.triggerSeverities.includes('SERIOUS')
        && m.triggerGrades === null && sameSet(m.scenarios, SCENARIOS));
      expect(warn.length, JSON.stringify(measures.filter((m) => m.triggerTypes.includes('penalty')))).toBeGreaterThanOrEqual(1);
      const restricting = measures.filter((m) => m.effect === 'RESTRICT' && m.triggerTypes.includes('penalty'));
      expect(restricting).toEqual([]);
    });

    it('C2: seeded default — `honor` gives the green-channel incentive in every scenario', () => {
      const found = seededDefault({ kind: 'INCENTIVE', effect: 'INCENTIVE', triggerTypes: ['honor'], triggerSeverities: null, triggerGrades: null, scenarios: [...SCENARIOS] });
      expect(found, JSON.stringify(measures.filter((m) => m.triggerTypes.includes('honor')))).toHaveLength(1);
    });

    it('C2: seeded default — tax grade A gives the green-channel incentive in every scenario (and only grade A)', () => {
      const found = seededDefault({ kind: 'INCENTIVE', effect: 'INCENTIVE', triggerTypes: ['tax-rating'], triggerSeverities: null, triggerGrades: ['A'], scenarios: [...SCENARIOS] });
      expect(found, JSON.stringify(measures.filter((m) => m.triggerTypes.includes('tax-rating')))).toHaveLength(1);
      const otherTaxIncentives = measures.filter((m) => m.effect === 'INCENTIVE' && m.triggerTypes.includes('tax-rating')
        && (m.triggerGrades === null || m.triggerGrades.some((g) => g !== 'A')));
      expect(otherTaxIncentives).toEqual([]);
    });

    it.each([...SCENARIOS])('C2: scenario %s has at least one RESTRICT and one INCENTIVE measure', (scenario) => {
      const inScenario = measures.filter((m) => m.scenarios.includes(scenario));
      expect(inScenario.filter((m) => m.effect === 'RESTRICT').length).toBeGreaterThanOrEqual(1);
      expect(inScenario.filter((m) => m.effect === 'INCENTIVE').length).toBeGreaterThanOrEqual(1);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C3 verdicts', () => {
    it('C3: RESTRICT — a serious-dishonesty-list entry in force (LICENSING) is in `restrictions` with its measure and record', async () => {
      const subject = await enterprise();
      const listed = await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
      await place(subject, deptB, { type: 'license', decidedAt: at('2026-01-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer.verdict).toBe('RESTRICT');
      expect(answer.restrictions).toHaveLength(1);
      const [hit] = answer.restrictions;
      expect(hit.measure).toMatchObject({ kind: 'PUNISHMENT', effect: 'RESTRICT' });
      expect(hit.measure.triggerTypes).toContain('serious-dishonesty-list');
      expect(hit.measure.scenarios).toContain('LICENSING');
      expect(hit.measure.legalBasis).toMatch(/\S/);
      expect(hit.record).toMatchObject({ id: listed, type: 'serious-dishonesty-list', status: 'ACTIVE', severity: 'SERIOUS', source: { code: deptB } });
      expect(hit.record.details, 'the department sees details (G1)').not.toBeNull();
      expect(answer.warnings).toEqual([]);
      expect(answer.incentives).toEqual([]);
      expect(answer.subject).toMatchObject({ code: subject.code, name: subject.name, view: 'DEPARTMENT' });
      expect(answer.purpose).toEqual(purposeFor('LICENSING'));
    });

    it.each(LIST_RESTRICTED_SCENARIOS.flatMap((s) => [['serious-dishonesty-list', s], ['dishonest-debtor', s]]))(
      'C3: RESTRICT — a `%s` entry in force restricts in %s',
      async (type, scenario) => {
        const subject = await enterprise();
        const listed = await place(subject, deptB, { type, severity: 'SERIOUS', decidedAt: at('2026-04-01T02:00:00Z') });
        const answer = await check(subject, scenario);
        expect(answer.verdict).toBe('RESTRICT');
        expect(hitRecordIds(answer.restrictions)).toEqual([listed]);
        for (const hit of answer.restrictions) expect(hit.measure.effect).toBe('RESTRICT');
      },
    );

    it('C3: WARN — a GENERAL penalty inside its 1-year window, no list entry', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-09-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer.verdict).toBe('WARN');
      expect(answer.restrictions).toEqual([]);
      expect(answer.warnings).toHaveLength(1);
      expect(answer.warnings[0].measure).toMatchObject({ kind: 'PUNISHMENT', effect: 'WARN' });
      expect(answer.warnings[0].measure.triggerTypes).toContain('penalty');
      expect(answer.warnings[0].record).toMatchObject({ id: penalty, type: 'penalty', severity: 'GENERAL', status: 'ACTIVE' });
      expect(answer.incentives).toEqual([]);
    });

    it.each([...SCENARIOS])('C3: WARN — a penalty in force warns (and never restricts) in %s', async (scenario) => {
      const subject = await enterprise();
      const general = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-01-10T02:00:00Z') });
      const serious = await place(subject, deptA, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2024-01-10T02:00:00Z') });
      const answer = await check(subject, scenario);
      expect(answer.verdict).toBe('WARN');
      expect(answer.restrictions).toEqual([]);
      expect(hitRecordIds(answer.warnings)).toEqual([general, serious].sort());
    });

    it('C3: CLEAR — only a licence', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'license', decidedAt: at('2026-01-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer).toMatchObject({ verdict: 'CLEAR', restrictions: [], warnings: [], incentives: [] });
      expect(answer.subject).toMatchObject({ code: subject.code, view: 'DEPARTMENT' });
    });

    it('C3: RESTRICT wins over WARN — a list entry and a penalty: both cited, verdict RESTRICT', async () => {
      const subject = await enterprise();
      const listed = await place(subject, deptB, { type: 'dishonest-debtor', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
      const penalty = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer.verdict).toBe('RESTRICT');
      expect(hitRecordIds(answer.restrictions)).toEqual([listed]);
      expect(hitRecordIds(answer.warnings)).toEqual([penalty]);
      for (const hit of answer.warnings) expect(hit.measure.effect).toBe('WARN');
    });

    it('C3: incentives (honour, tax grade A) are listed in `incentives` and CLEAR stays CLEAR', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'license', decidedAt: at('2026-01-01T02:00:00Z') });
      const honor = await place(subject, deptB, { type: 'honor', decidedAt: at('2025-12-01T02:00:00Z') });
      const taxA = await place(subject, deptB, { type: 'tax-rating', grade: 'A', decidedAt: at('2026-04-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer.verdict).toBe('CLEAR');
      expect(answer.restrictions).toEqual([]);
      expect(answer.warnings).toEqual([]);
      expect(hitRecordIds(answer.incentives)).toEqual([honor, taxA].sort());
      for (const hit of answer.incentives) expect(hit.measure).toMatchObject({ kind: 'INCENTIVE', effect: 'INCENTIVE' });
    });

    it.each([...SCENARIOS])('C3: honour and tax grade A are incentives in %s', async (scenario) => {
      const subject = await enterprise();
      const honor = await place(subject, deptB, { type: 'honor', decidedAt: at('2025-12-01T02:00:00Z') });
      const taxA = await place(subject, deptB, { type: 'tax-rating', grade: 'A', decidedAt: at('2026-04-01T02:00:00Z') });
      const answer = await check(subject, scenario);
      expect(answer.verdict).toBe('CLEAR');
      expect(hitRecordIds(answer.incentives)).toEqual([honor, taxA].sort());
    });

    it('C3: incentives never change the verdict — WARN and RESTRICT stay as they are with incentives alongside', async () => {
      const warned = await enterprise();
      await place(warned, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T02:00:00Z') });
      const warnedHonor = await place(warned, deptB, { type: 'honor', decidedAt: at('2025-12-01T02:00:00Z') });
      const warnedAnswer = await check(warned);
      expect(warnedAnswer.verdict).toBe('WARN');
      expect(hitRecordIds(warnedAnswer.incentives)).toEqual([warnedHonor]);

      const restricted = await enterprise();
      await place(restricted, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-03-01T02:00:00Z') });
      const honor = await place(restricted, deptB, { type: 'honor', decidedAt: at('2025-12-01T02:00:00Z') });
      const taxA = await place(restricted, deptB, { type: 'tax-rating', grade: 'A', decidedAt: at('2026-04-01T02:00:00Z') });
      const restrictedAnswer = await check(restricted);
      expect(restrictedAnswer.verdict).toBe('RESTRICT');
      expect(hitRecordIds(restrictedAnswer.incentives)).toEqual([honor, taxA].sort());
    });

    it('C3: a MINOR penalty triggers nothing (CLEAR, no hits)', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-05-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer).toMatchObject({ verdict: 'CLEAR', restrictions: [], warnings: [], incentives: [] });
    });

    it('C3: a tax rating of grade B triggers nothing (CLEAR, no hits)', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'tax-rating', grade: 'B', decidedAt: at('2026-04-01T02:00:00Z') });
      for (const scenario of SCENARIOS) {
        const answer = await check(subject, scenario);
        expect(answer, scenario).toMatchObject({ verdict: 'CLEAR', restrictions: [], warnings: [], incentives: [] });
      }
    });

    it('C3: an individual is checked too — full code and name for the department (G1), a dishonest-debtor restricts', async () => {
      const subject = await person();
      const listed = await place(subject, deptB, { type: 'dishonest-debtor', severity: 'SERIOUS', decidedAt: at('2026-01-05T02:00:00Z') });
      const answer = await check(subject, 'HIRING');
      expect(answer.subject).toMatchObject({ code: subject.code, name: '陈小红', kind: 'INDIVIDUAL', view: 'DEPARTMENT' });
      expect(triggeringRecordIds(answer)).toEqual([listed]);
      const licensing = await check(subject, 'LICENSING');
      expect(licensing.verdict).toBe('RESTRICT');
      expect(hitRecordIds(licensing.restrictions)).toEqual([listed]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C2 in force only', () => {
    it.each(['WITHDRAWN', 'REPAIRED'] as const)('C2: a %s serious-dishonesty-list entry does not restrict', async (status) => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', status, decidedAt: at('2026-02-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer).toMatchObject({ verdict: 'CLEAR', restrictions: [], warnings: [], incentives: [] });
    });

    it('C2: a WITHDRAWN penalty does not warn and a WITHDRAWN honour gives no incentive', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'penalty', severity: 'SERIOUS', status: 'WITHDRAWN', decidedAt: at('2026-02-01T02:00:00Z') });
      await place(subject, deptB, { type: 'honor', status: 'WITHDRAWN', decidedAt: at('2026-02-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer).toMatchObject({ verdict: 'CLEAR', restrictions: [], warnings: [], incentives: [] });
    });

    it('C2/D2: a dishonest-debtor without validUntil listed 2 years + 1 day ago no longer restricts; 1 day less, it does', async () => {
      const subject = await enterprise();
      // listed 2024-04-10 12:00 Shanghai; the default expiry is 2026-04-10 12:00 Shanghai
      const listed = await place(subject, deptB, { type: 'dishonest-debtor', severity: 'SERIOUS', decidedAt: at('2024-04-10T04:00:00Z') });
      gw.clock.now = at('2026-04-11T04:00:00Z');
      expect(await check(subject)).toMatchObject({ verdict: 'CLEAR', restrictions: [] });
      gw.clock.now = at('2026-04-09T04:00:00Z');
      const inForce = await check(subject);
      expect(inForce.verdict).toBe('RESTRICT');
      expect(hitRecordIds(inForce.restrictions)).toEqual([listed]);
      // and the boundary itself: in force until the last millisecond before the expiry
      gw.clock.now = at('2026-04-10T03:59:59.999Z');
      expect((await check(subject)).verdict).toBe('RESTRICT');
      gw.clock.now = at('2026-04-10T04:00:00.000Z');
      expect((await check(subject)).verdict).toBe('CLEAR');
    });

    it('C2/D2: a serious-dishonesty-list entry without validUntil expires 3 years after listing', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2023-04-10T04:00:00Z') });
      gw.clock.now = at('2026-04-10T03:59:59.999Z');
      expect((await check(subject)).verdict).toBe('RESTRICT');
      gw.clock.now = at('2026-04-10T04:00:00.001Z');
      expect((await check(subject)).verdict).toBe('CLEAR');
    });

    it('C2/D2: a list entry whose validUntil has passed does not restrict; one with validUntil ahead does', async () => {
      const expired = await enterprise();
      await place(expired, deptB, {
        type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2025-06-01T02:00:00Z'), validUntil: at('2026-05-31T16:00:00Z'),
      });
      expect(await check(expired)).toMatchObject({ verdict: 'CLEAR', restrictions: [] });
      const current = await enterprise();
      const listed = await place(current, deptB, {
        type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2025-06-01T02:00:00Z'), validUntil: at('2026-06-30T16:00:00Z'),
      });
      expect(hitRecordIds((await check(current)).restrictions)).toEqual([listed]);
    });

    it('C2/D1: a GENERAL penalty 1 year + 1 ms after decidedAt no longer warns; 1 ms before the year is out it does', async () => {
      const subject = await enterprise();
      const penalty = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2025-05-20T02:00:00Z') });
      gw.clock.now = at('2026-05-20T02:00:00.001Z');
      expect(await check(subject)).toMatchObject({ verdict: 'CLEAR', warnings: [] });
      gw.clock.now = at('2026-05-20T01:59:59.999Z');
      const inForce = await check(subject);
      expect(inForce.verdict).toBe('WARN');
      expect(hitRecordIds(inForce.warnings)).toEqual([penalty]);
    });

    it('C2/D1: a SERIOUS penalty warns for 3 years, not longer', async () => {
      const subject = await enterprise();
      await place(subject, deptB, { type: 'penalty', severity: 'SERIOUS', decidedAt: at('2023-06-01T04:00:00Z') });
      gw.clock.now = at('2026-06-01T03:59:59.999Z');
      expect((await check(subject)).verdict).toBe('WARN');
      gw.clock.now = at('2026-06-01T04:00:00.001Z');
      expect((await check(subject)).verdict).toBe('CLEAR');
    });

    it('C2/D2: a list entry with validFrom in the future does not restrict yet; from validFrom on it does', async () => {
      const subject = await enterprise();
      const listed = await place(subject, deptB, {
        type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-05-01T02:00:00Z'), validFrom: at('2026-06-02T04:00:00Z'),
      });
      expect(await check(subject)).toMatchObject({ verdict: 'CLEAR', restrictions: [] });
      gw.clock.now = at('2026-06-02T04:00:00Z');
      const listedNow = await check(subject);
      expect(listedNow.verdict).toBe('RESTRICT');
      expect(hitRecordIds(listedNow.restrictions)).toEqual([listed]);
    });

    it('C2: a SHARED record in force (tax grade A, filed by another department) counts though it is not public', async () => {
      const subject = await enterprise();
      const taxA = await place(subject, deptB, { type: 'tax-rating', grade: 'A', decidedAt: at('2026-04-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer.verdict).toBe('CLEAR');
      expect(hitRecordIds(answer.incentives)).toEqual([taxA]);
      expect(answer.incentives[0].record).toMatchObject({ disclosure: 'SHARED', grade: 'A', publicUntil: null });
      // not public: the public view of the same subject lists no record
      const seenByPublic = await post(gw, 'query($code: String!) { subject(code: $code) { view records { totalCount edges { node { id } } } } }', { variables: { code: subject.code } });
      expectNoErrors(seenByPublic);
      expect(seenByPublic.body.data.subject).toEqual({ view: 'PUBLIC', records: { totalCount: 0, edges: [] } });
    });

    it('C2: a GENERAL penalty about an individual (never public, D5) still warns while inside its window', async () => {
      const subject = await person();
      const penalty = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-02-01T02:00:00Z') });
      const answer = await check(subject);
      expect(answer.verdict).toBe('WARN');
      expect(hitRecordIds(answer.warnings)).toEqual([penalty]);
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C3 only what the department could see (G1)', () => {
    it('C3/G1: a SUBJECT_ONLY list entry filed by another department does not restrict', async () => {
      const subject = await enterprise();
      const hidden = await place(subject, deptB, {
        type: 'serious-dishonesty-list', severity: 'SERIOUS', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-02-01T02:00:00Z'),
      });
      const response = await runCheck(gw, checker(), subject.code, 'LICENSING', LICENSING);
      expectNoErrors(response);
      expect(checkOf(response)).toMatchObject({ verdict: 'CLEAR', restrictions: [], warnings: [], incentives: [] });
      expect(JSON.stringify(response.body)).not.toContain(hidden);
      const [event] = await eventsOfRequest(db(), response.requestId);
      expect(event.recordIds).toEqual([]);
    });

    it('C3/G1: a SUBJECT_ONLY list entry filed by the checking department itself restricts', async () => {
      const subject = await enterprise();
      const own = await place(subject, deptA, {
        type: 'serious-dishonesty-list', severity: 'SERIOUS', disclosure: 'SUBJECT_ONLY', decidedAt: at('2026-02-01T02:00:00Z'),
      });
      const answer = await check(subject);
      expect(answer.verdict).toBe('RESTRICT');
      expect(hitRecordIds(answer.restrictions)).toEqual([own]);
      expect(answer.restrictions[0].record).toMatchObject({ disclosure: 'SUBJECT_ONLY', source: { code: deptA } });
      // …and the other department, which did not file it, gets CLEAR for the same subject
      const other = await check(subject, 'LICENSING', tokens.department(deptB));
      expect(other).toMatchObject({ verdict: 'CLEAR', restrictions: [] });
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C1 who may check', () => {
    let subject: SubjectFixture;
    let listed: string;

    beforeAll(async () => {
      subject = await enterprise();
      listed = await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
    });

    const refusals: [string, string, () => string | undefined][] = [
      ['the public', 'UNAUTHENTICATED', () => undefined],
      ['an agency', 'FORBIDDEN', () => tokens.agency(agency)],
      ['the subject itself', 'FORBIDDEN', () => tokens.subject(subject.code)],
      ['an auditor', 'FORBIDDEN', () => tokens.auditor(auditOffice)],
      ['an admin', 'FORBIDDEN', () => tokens.admin()],
    ];

    it.each(refusals)('C1: %s → creditCheck refused with %s, no data, nothing logged or stored', async (_viewer, code, token) => {
      const events = await eventsAbout(db(), subject.code);
      const stored = await storedChecksAbout(db(), subject.code);
      const response = await runCheck(gw, token(), subject.code, 'LICENSING', LICENSING);
      expectRefused(response, code);
      expect(JSON.stringify(response.body)).not.toContain(listed);
      expect(await eventsAbout(db(), subject.code)).toBe(events);
      expect(await storedChecksAbout(db(), subject.code)).toBe(stored);
    });

    it.each(refusals)('C1: %s → creditCheckReceipt refused with %s', async (_viewer, code, token) => {
      const made = await runCheck(gw, checker(), subject.code, 'LICENSING', LICENSING);
      expectNoErrors(made);
      const response = await runReceipt(gw, token(), checkOf(made).checkId);
      expectRefused(response, code);
      expect(JSON.stringify(response.body)).not.toContain(listed);
    });

    it('C1: the agency refusal holds with an agency purpose too (CREDIT_REPORT) → FORBIDDEN', async () => {
      const response = await runCheck(gw, tokens.agency(agency), subject.code, 'LICENSING', { kind: 'CREDIT_REPORT', reference: 'CR-1' });
      expectRefused(response, 'FORBIDDEN');
    });

    it('C1/§5: a department stating an agency purpose kind → BAD_USER_INPUT PURPOSE_NOT_ALLOWED', async () => {
      const events = await eventsAbout(db(), subject.code);
      const response = await runCheck(gw, checker(), subject.code, 'LICENSING', { kind: 'CREDIT_REPORT', reference: 'CR-2026-1' });
      expectRefused(response, 'BAD_USER_INPUT', 'PURPOSE_NOT_ALLOWED');
      expect(await eventsAbout(db(), subject.code)).toBe(events);
    });

    it('C1/§5: a purpose without a reference is refused with BAD_USER_INPUT', async () => {
      const response = await runCheck(gw, checker(), subject.code, 'LICENSING', { kind: 'LICENSING', reference: '  ' });
      expectRefused(response, 'BAD_USER_INPUT');
    });

    it('C1/I3: an invalid code → BAD_USER_INPUT INVALID_CODE', async () => {
      const response = await runCheck(gw, checker(), '91110000600037341N', 'LICENSING', LICENSING);
      expectRefused(response, 'BAD_USER_INPUT', 'INVALID_CODE');
    });

    it('C1: a valid code no subject has → NOT_FOUND, nothing logged or stored', async () => {
      const code = unknownOrganizationCode();
      const response = await runCheck(gw, checker(), code, 'LICENSING', LICENSING);
      expectRefused(response, 'NOT_FOUND');
      expect(await eventsAbout(db(), code)).toBe(0);
      expect(await storedChecksAbout(db(), code)).toBe(0);
    });

    it('C1: codes are trimmed and upper-cased before the check (I3)', async () => {
      const response = await runCheck(gw, checker(), `  ${subject.code.toLowerCase()} `, 'LICENSING', LICENSING);
      expectNoErrors(response);
      expect(checkOf(response)).toMatchObject({ verdict: 'RESTRICT', subject: { code: subject.code } });
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C1 a check is logged and identified', () => {
    it('C1/L1: the check writes one access event (creditCheck, DEPARTMENT, purpose, recordIds = the triggering records) an auditor sees', async () => {
      const subject = await enterprise();
      const listed = await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
      const penalty = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T02:00:00Z') });
      const honor = await place(subject, deptA, { type: 'honor', decidedAt: at('2025-12-01T02:00:00Z') });
      await place(subject, deptB, { type: 'license', decidedAt: at('2026-01-01T02:00:00Z') }); // triggers nothing
      await place(subject, deptB, { type: 'penalty', severity: 'MINOR', decidedAt: at('2026-03-01T02:00:00Z') }); // triggers nothing
      const officer = `officer-${randomUUID().slice(0, 8)}`;
      const now = at('2026-06-01T05:17:23.456Z');
      gw.clock.now = now;
      const before = await eventsAbout(db(), subject.code);

      const response = await runCheck(gw, tokens.department(deptA, officer), subject.code, 'LICENSING', LICENSING);
      expectNoErrors(response);
      const answer = checkOf(response);
      expect(answer.verdict).toBe('RESTRICT');
      expect(triggeringRecordIds(answer)).toEqual([listed, penalty, honor].sort());
      expect(answer.checkId).toMatch(/\S/);
      expect(new Date(answer.checkedAt).getTime()).toBe(now.getTime());
      expect(await eventsAbout(db(), subject.code)).toBe(before + 1);

      const stored = await eventsOfRequest(db(), response.requestId);
      expect(stored).toHaveLength(1);
      const log = await accessLog(gw, tokens.auditor(auditOffice), { filter: { subjectCode: subject.code }, first: 100 });
      expect(log.body.errors).toBeUndefined();
      const mine = nodesOf(log).filter((node) => node.requestId === response.requestId);
      expect(mine).toHaveLength(1);
      const [event] = mine;
      expect(event).toMatchObject({
        actor: officer, role: 'department', organization: { code: deptA }, view: 'DEPARTMENT', purpose: LICENSING,
        grantId: null, subjectCode: subject.code, operationName: 'creditCheck',
      });
      expect(new Date(event.at).getTime()).toBe(now.getTime());
      expect([...event.recordIds].sort()).toEqual([listed, penalty, honor].sort());
    });

    it('C1: each check gets its own checkId and the time of its request', async () => {
      const subject = await enterprise();
      gw.clock.now = at('2026-06-01T06:00:00Z');
      const first = await check(subject);
      gw.clock.now = at('2026-06-01T06:00:07Z');
      const second = await check(subject);
      expect(first.checkId).not.toBe(second.checkId);
      expect(new Date(first.checkedAt).toISOString()).toBe('2026-06-01T06:00:00.000Z');
      expect(new Date(second.checkedAt).toISOString()).toBe('2026-06-01T06:00:07.000Z');
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('C1 receipts', () => {
    const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawRecord(id: $id, reason: $reason) { id status } }`;
    const SUBMIT = `mutation($records: [RecordInput!]!) { submitRecords(records: $records) { accepted ids errors { index reason message } } }`;

    it('C1: creditCheckReceipt returns the same verdict, hits, records and subject — unchanged after the record is withdrawn and a new penalty filed', async () => {
      const subject = await enterprise();
      const listed = await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
      const penalty = await place(subject, deptB, { type: 'penalty', severity: 'GENERAL', decidedAt: at('2026-03-01T02:00:00Z') });
      const honor = await place(subject, deptA, { type: 'honor', decidedAt: at('2025-12-01T02:00:00Z') });
      gw.clock.now = at('2026-06-01T07:30:00Z');
      const made = await runCheck(gw, checker(), subject.code, 'PROCUREMENT', purposeFor('PROCUREMENT'));
      expectNoErrors(made);
      const original = checkOf(made);
      expect(original.verdict).toBe('RESTRICT');
      expect(triggeringRecordIds(original)).toEqual([listed, penalty, honor].sort());

      const immediately = await runReceipt(gw, checker(), original.checkId);
      expectNoErrors(immediately);
      expect(immediately.body.data.creditCheckReceipt).toEqual(original);

      // the list entry is withdrawn by its source; a new penalty is filed by the checking department
      gw.clock.now = at('2026-06-02T02:00:00Z');
      const withdrawn = await post(gw, WITHDRAW, { token: tokens.department(deptB), variables: { id: listed, reason: '撤销失信认定' } });
      expectNoErrors(withdrawn);
      expect(withdrawn.body.data.withdrawRecord).toEqual({ id: listed, status: 'WITHDRAWN' });
      const filed = await post(gw, SUBMIT, {
        token: checker(),
        variables: { records: [{
          subjectCode: subject.code, type: 'penalty', sourceRef: `cc-new-${randomUUID()}`, title: '新的行政处罚', severity: 'SERIOUS',
          decidedAt: '2026-06-02T09:00:00+08:00', legalBasis: '《行政处罚法》',
        }] },
      });
      expectNoErrors(filed);
      expect(filed.body.data.submitRecords).toMatchObject({ accepted: 1, errors: [] });
      const newPenalty = filed.body.data.submitRecords.ids[0] as string;

      // a new check sees the change …
      const fresh = await check(subject, 'PROCUREMENT');
      expect(fresh.verdict).toBe('WARN');
      expect(hitRecordIds(fresh.warnings)).toEqual([penalty, newPenalty].sort());

      // … the receipt does not, even years later when every window has closed
      const after = await runReceipt(gw, checker(), original.checkId);
      expectNoErrors(after);
      expect(after.body.data.creditCheckReceipt).toEqual(original);
      gw.clock.now = at('2031-01-01T00:00:00Z');
      const later = await runReceipt(gw, checker(), original.checkId);
      expectNoErrors(later);
      expect(JSON.stringify(later.body.data.creditCheckReceipt)).toBe(JSON.stringify(original));
    });

    it('C1: a receipt\'s hit records are as they were at the check — no version history written after it', async () => {
      const HISTORY_CHECK = `query($code: String!, $scenario: Scenario!, $purpose: PurposeInput!) {
        creditCheck(code: $code, scenario: $scenario, purpose: $purpose) { checkId restrictions { record { id status version history { version } } } } }`;
      const HISTORY_RECEIPT = `query($checkId: ID!) {
        creditCheckReceipt(checkId: $checkId) { checkId restrictions { record { id status version history { version } } } } }`;
      const subject = await enterprise();
      const listed = await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
      const made = await runCheck(gw, checker(), subject.code, 'LICENSING', LICENSING, HISTORY_CHECK);
      expectNoErrors(made);
      const original = made.body.data.creditCheck;
      expect(original.restrictions).toEqual([{ record: { id: listed, status: 'ACTIVE', version: 1, history: [] } }]);
      const withdrawn = await post(gw, WITHDRAW, { token: tokens.department(deptB), variables: { id: listed, reason: '撤销' } });
      expectNoErrors(withdrawn);
      const receipt = await runReceipt(gw, checker(), original.checkId, HISTORY_RECEIPT);
      expectNoErrors(receipt);
      expect(receipt.body.data.creditCheckReceipt).toEqual(original);
    });

    it('C1: another department asking for the receipt gets null (no error, nothing disclosed)', async () => {
      const subject = await enterprise();
      const listed = await place(subject, deptB, { type: 'serious-dishonesty-list', severity: 'SERIOUS', decidedAt: at('2026-02-01T02:00:00Z') });
      const made = await runCheck(gw, checker(), subject.code, 'LICENSING', LICENSING);
      expectNoErrors(made);
      const events = await eventsAbout(db(), subject.code);
      // deptB filed the record and could run its own check, but this check is deptA's
      const response = await runReceipt(gw, tokens.department(deptB), checkOf(made).checkId);
      expectNoErrors(response);
      expect(response.body.data).toEqual({ creditCheckReceipt: null });
      expect(JSON.stringify(response.body)).not.toContain(listed);
      expect(await eventsAbout(db(), subject.code)).toBe(events);
    });

    it('C1: an unknown checkId → null', async () => {
      const response = await runReceipt(gw, checker(), randomUUID());
      expectNoErrors(response);
      expect(response.body.data).toEqual({ creditCheckReceipt: null });
    });

    it.each(['not-a-check-id', '12345', `${randomUUID()}x`])('C1: a malformed checkId (%s) → BAD_USER_INPUT', async (checkId) => {
      const response = await runReceipt(gw, checker(), checkId);
      expectRefused(response, 'BAD_USER_INPUT');
    });
  });

  // ----------------------------------------------------------------------------------------------------------
  describe('issue 5: a fixed number of SQL statements', () => {
    /** Mixed types, a third of them penalties of every severity, spread over the last ~2.7 years. */
    const CYCLE = ['penalty', 'license', 'penalty', 'serious-dishonesty-list', 'penalty', 'honor', 'dishonest-debtor', 'tax-rating',
      'penalty', 'registration', 'judgment', 'qualification'];
    const SEVERITIES = ['GENERAL', 'SERIOUS', 'MINOR'] as const;
    const DAY = 86_400_000;

    interface Planned {
      overrides: RecordOverrides & { type: string; decidedAt: Date };
      source: string;
      visible: boolean;
    }

    function plan(count: number, sources: string[]): Planned[] {
      let penalties = 0;
      let ratings = 0;
      return Array.from({ length: count }, (_, i) => {
        const type = CYCLE[i % CYCLE.length];
        // never on a window boundary: windows end at the hour of decidedAt, and every record is 1 hour off NOW's hour
        const decidedAt = new Date(NOW.getTime() - i * DAY - 3_600_000);
        const severity = type === 'penalty' ? SEVERITIES[penalties++ % 3] : ['serious-dishonesty-list', 'dishonest-debtor'].includes(type) ? 'SERIOUS' : undefined;
        const grade = type === 'tax-rating' ? ['A', 'B'][ratings++ % 2] : undefined;
        const withdrawn = i % 37 === 36;
        const hiddenFromA = i % 41 === 40;
        const source = hiddenFromA ? deptB : sources[i % sources.length];
        return {
          overrides: {
            type, decidedAt, ...(severity ? { severity } : {}), ...(grade ? { grade } : {}),
            ...(withdrawn ? { status: 'WITHDRAWN' as const } : {}), ...(hiddenFromA ? { disclosure: 'SUBJECT_ONLY' as const } : {}),
          },
          source,
          visible: !withdrawn,
        };
      });
    }

    /** An oracle for LICENSING checked by deptA at NOW, written from SPEC C2/D1/D2 independently of the SQL. */
    function expected(planned: Planned[], ids: string[]) {
      const after = (iso: string) => (d: Date) => d.getTime() > new Date(iso).getTime();
      const within1y = after('2025-06-01T04:00:00Z');
      const within2y = after('2024-06-01T04:00:00Z');
      const within3y = after('2023-06-01T04:00:00Z');
      const out = { restrictions: [] as string[], warnings: [] as string[], incentives: [] as string[] };
      planned.forEach((p, index) => {
        if (!p.visible || p.overrides.disclosure === 'SUBJECT_ONLY') return;
        const { type, severity, grade, decidedAt } = p.overrides;
        const id = ids[index];
        if (type === 'serious-dishonesty-list' && within3y(decidedAt)) out.restrictions.push(id);
        if (type === 'dishonest-debtor' && within2y(decidedAt)) out.restrictions.push(id);
        if (type === 'penalty' && ((severity === 'GENERAL' && within1y(decidedAt)) || (severity === 'SERIOUS' && within3y(decidedAt)))) out.warnings.push(id);
        if (type === 'honor' || (type === 'tax-rating' && grade === 'A')) out.incentives.push(id);
      });
      return { restrictions: out.restrictions.sort(), warnings: out.warnings.sort(), incentives: out.incentives.sort() };
    }

    let small: SubjectFixture;
    let large: SubjectFixture;
    let smallIds: string[];
    let largeIds: string[];
    let smallPlan: Planned[];
    let largePlan: Planned[];

    beforeAll(async () => {
      const deptC = await createOrganization(db(), 'DEPARTMENT');
      const sources = [deptA, deptB, deptC];
      small = await enterprise();
      large = await enterprise();
      smallPlan = plan(10, sources);
      largePlan = plan(1000, sources);
      smallIds = [];
      for (const p of smallPlan) smallIds.push(await place(small, p.source, p.overrides));
      largeIds = [];
      for (const p of largePlan) largeIds.push(await place(large, p.source, p.overrides));
    }, 300_000);

    async function statementsOf(subject: SubjectFixture) {
      database.resetStatements();
      const response = await runCheck(gw, checker(), subject.code, 'LICENSING', LICENSING, LEAN_CHECK_QUERY);
      const statements = [...database.statements];
      expectNoErrors(response);
      return { statements, answer: checkOf(response) };
    }

    it('issue 5/§11: a check on a subject with 1,000 records runs the same fixed number of statements as with 10 (at most 6)', async () => {
      await statementsOf(small); // warm-up: nothing cached across requests may make the first run differ
      const withTen = await statementsOf(small);
      const withThousand = await statementsOf(large);

      // the answers are right (an independent oracle), so the comparison is between two real checks
      for (const [run, planned, ids] of [[withTen, smallPlan, smallIds], [withThousand, largePlan, largeIds]] as const) {
        const want = expected(planned as Planned[], ids as string[]);
        expect(hitRecordIds(run.answer.restrictions)).toEqual(want.restrictions);
        expect(hitRecordIds(run.answer.warnings)).toEqual(want.warnings);
        expect(hitRecordIds(run.answer.incentives)).toEqual(want.incentives);
        expect(run.answer.restrictions.length + run.answer.warnings.length + run.answer.incentives.length)
          .toBe(want.restrictions.length + want.warnings.length + want.incentives.length);
        expect(run.answer.verdict).toBe('RESTRICT');
      }
      expect(withThousand.answer.warnings.length).toBeGreaterThan(100);
      expect(withThousand.answer.restrictions.length).toBeGreaterThan(20);
      expect(withThousand.answer.incentives.length).toBeGreaterThan(100);

      expect(withThousand.statements.length, withThousand.statements.join('\n---\n')).toBe(withTen.statements.length);
      // token organisation, subject, measure hits (one statement for all measures × records), stored check,
      // hit sources (one loader batch), access-log append
      expect(withThousand.statements.length, withThousand.statements.join('\n---\n')).toBeLessThanOrEqual(6);
    });
  });
});
