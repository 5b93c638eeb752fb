import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { generateResidentId, generateUscc } from '../../src/domain/identifiers.js';
import type { ChangeJson } from '../../src/modules/exchange/change-json.js';
import { cursorPath, exportChanges, signaturePath } from '../../src/modules/exchange/export.js';
import { importExchangeFile, ImportRefused } from '../../src/modules/exchange/file-import.js';
import { pullFromPeer } from '../../src/modules/exchange/pull.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { expectNoErrors, NOW, uniqueToken } from '../support/disclosure-e2e.js';
import { createOrganization } from '../support/factories.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requestFileObjection, requestResolveObjection, SUBMIT_RECORDS } from '../support/objections-e2e.js';
import { apply, decide, WITHDRAW_MUTATION } from '../support/repair-e2e.js';
import { mulberry32 } from '../support/random.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC §12 end to end between two platforms, each a gateway on a database of its own: a city platform (known to the
 * province as SG-CITY) and a provincial one (known to the city as GD-PROVINCE). Each registers the other as a
 * PEER_PLATFORM with the other's Ed25519 public key. The city's departments file, correct, withdraw, dispute and
 * repair records (W1, W2, R1–R3); the province takes them in over the live path (`pullFromPeer` reading the city's
 * `recordChanges` over HTTP with a token the city issued, X1, X3) and then from a signed file (`exportChanges` /
 * `importExchangeFile`, X4), and shows them to its own departments as SG-CITY's, with their origin. A record the
 * province's own departments file goes the other way; nothing a platform received is ever sent back (X3), and only
 * the peer corrects or withdraws what it sent (W2). The tests are one story, in order: each builds on the last.
 * The single-gateway rules (feed paging, X2 events, peer registration) are in test/e2e/exchange.e2e.test.ts.
 */
const CITY = 'SG-CITY';
const PROVINCE = 'GD-PROVINCE';
const SUPERVISION = { kind: 'SUPERVISION', reference: 'x' };
const DECIDED = '2026-01-05T09:00:00+08:00';

const REGISTER_ORG = `mutation($input: OrganizationInput!) { registerOrganization(input: $input) { code kind } }`;
const REGISTER_SUBJECTS = `mutation($subjects: [SubjectInput!]!) {
  registerSubjects(subjects: $subjects) { accepted ids errors { index reason message } } }`;
const RECORD_FIELDS = `id type title summary decisionNumber decidedAt validFrom validUntil publicUntil severity amount grade group
  details disclosure status disputed version source { code } origin { platform originId } history { version changedFields snapshot }`;
const DEPARTMENT_VIEW = `query View($code: String!, $purpose: PurposeInput) {
  subject(code: $code, purpose: $purpose) { code kind name view records(first: 100) { totalCount edges { node { ${RECORD_FIELDS} } } } } }`;
const FEED = `query Feed($after: String, $first: Int) {
  recordChanges(after: $after, first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { node { sequence kind subjectCode record { id title status disputed version disclosure origin { platform originId } } } }
  } }`;

interface RecordNode {
  id: string;
  type: string;
  title: string;
  summary: string | null;
  decisionNumber: string | null;
  decidedAt: string;
  validFrom: string | null;
  validUntil: string | null;
  publicUntil: string | null;
  severity: string | null;
  amount: number | null;
  grade: string | null;
  group: string | null;
  details: unknown;
  disclosure: string;
  status: string;
  disputed: boolean;
  version: number;
  source: { code: string };
  origin: { platform: string; originId: string } | null;
  history: { version: number; changedFields: string[]; snapshot: Record<string, unknown> }[] | null;
}

interface FeedNode {
  sequence: string;
  kind: string;
  subjectCode: string;
  record: { id: string; title: string; status: string; disputed: boolean; version: number; disclosure: string; origin: { platform: string; originId: string } | null };
}

interface Subject {
  code: string;
  kind: 'ENTERPRISE' | 'INDIVIDUAL';
  name: string;
}

const rand = mulberry32(0x2c17_9e0c);
const pem = (key: { export(options: { type: 'spki'; format: 'pem' }): string | Buffer }) => String(key.export({ type: 'spki', format: 'pem' }));

/** What a department sees of a record, without what is local to each platform (its id, source, origin). */
function content(node: RecordNode) {
  return {
    type: node.type, title: node.title, summary: node.summary, decisionNumber: node.decisionNumber, decidedAt: node.decidedAt,
    validFrom: node.validFrom, validUntil: node.validUntil, publicUntil: node.publicUntil, severity: node.severity, amount: node.amount,
    grade: node.grade, group: node.group, details: node.details, disclosure: node.disclosure, status: node.status, disputed: node.disputed,
    version: node.version, history: (node.history ?? []).map((h) => ({ version: h.version, title: h.snapshot.title, changedFields: h.changedFields })),
  };
}

/** Every record's id, version, status and dispute flag, and the subjects and changes: equal before and after = nothing filed. */
async function fingerprint(db: Db) {
  const [row] = await queryRows<{ records: string; subjects: number; changes: number }>(db, sql`
    SELECT (SELECT coalesce(string_agg(id::text || ':' || version::text || ':' || status || ':' || disputed::text, ',' ORDER BY id), '')
              FROM records) AS records,
           (SELECT count(*)::int FROM subjects) AS subjects,
           (SELECT count(*)::int FROM record_changes) AS changes`);
  return { records: String(row.records), subjects: Number(row.subjects), changes: Number(row.changes) };
}

async function countRecords(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM records`);
  return Number(row.n);
}

/** The record a platform holds for a peer's record (source = the peer, sourceRef = origin id = its id at the peer). */
async function copyOf(db: Db, peer: string, originId: string) {
  const rows = await queryRows<{ id: string; status: string; disputed: boolean | string; version: number; source_org: string; origin_platform: string; origin_id: string }>(db, sql`
    SELECT id::text AS id, status, disputed, version, source_org, origin_platform, origin_id FROM records WHERE origin_id = ${originId}`);
  expect(rows.length, `copies of ${originId}`).toBeLessThanOrEqual(1);
  const row = rows[0];
  if (row) expect({ source: row.source_org, platform: row.origin_platform }).toEqual({ source: peer, platform: peer });
  return row ? { ...row, disputed: row.disputed === true || row.disputed === 't', version: Number(row.version) } : null;
}

describe.each(testDatabaseKinds())('§12 two platforms, city (%s) ⇄ province', (kind) => {
  const cityKeys = generateKeyPairSync('ed25519');
  const provinceKeys = generateKeyPairSync('ed25519');
  let cityDb: TestDatabase;
  let provinceDb: TestDatabase;
  let city: TestGateway;
  let province: TestGateway;
  let work: string;
  // city departments: market regulation files most records, tax one, `cityViewer` only looks
  let market: string;
  let tax: string;
  let cityViewer: string;
  // province departments: `provinceDept` files, `provinceViewer` looks
  let provinceDept: string;
  let provinceViewer: string;

  const enterpriseOne: Subject = { code: generateUscc(rand, '91'), kind: 'ENTERPRISE', name: `韶关市城市交换一号${uniqueToken('')}有限公司` };
  const enterpriseTwo: Subject = { code: generateUscc(rand, '91'), kind: 'ENTERPRISE', name: `韶关市城市交换二号${uniqueToken('')}有限公司` };
  const person: Subject = { code: generateResidentId(rand, '1981-04-17', '440203'), kind: 'INDIVIDUAL', name: '陈交换' };
  const provincial: Subject = { code: generateUscc(rand, '91'), kind: 'ENTERPRISE', name: `广东省省级交换${uniqueToken('')}有限公司` };

  /** The city's record ids by role in the story. */
  const ids: Record<string, string> = {};
  /** The rows as filed (re-submitted with changes for a correction, W2). */
  const rows: Record<string, Record<string, unknown>> = {};
  /** The province's records filed by its own department. */
  const provinceIds: Record<string, string> = {};
  let pullState: string;
  let pulledCursor: string | null = null;
  let exported: { file: string; cursor: string; changes: ChangeJson[] };

  beforeAll(async () => {
    cityDb = await openTestDatabase(kind);
    provinceDb = await openTestDatabase(kind);
    city = await startTestGateway(cityDb, { now: NOW });
    province = await startTestGateway(provinceDb, { now: NOW });
    work = await mkdtemp(path.join(tmpdir(), 'exchange-two-platforms-'));
    pullState = path.join(work, 'province-pulls-city.json');
    market = await createOrganization(cityDb.db, 'DEPARTMENT');
    tax = await createOrganization(cityDb.db, 'DEPARTMENT');
    cityViewer = await createOrganization(cityDb.db, 'DEPARTMENT');
    provinceDept = await createOrganization(provinceDb.db, 'DEPARTMENT');
    provinceViewer = await createOrganization(provinceDb.db, 'DEPARTMENT');
    // each platform's administrator registers the other as a peer platform, with the other's public key (X4)
    for (const [gw, code, name, key] of [
      [city, PROVINCE, '广东省公共信用信息平台', pem(provinceKeys.publicKey)],
      [province, CITY, '韶关市公共信用信息平台', pem(cityKeys.publicKey)],
    ] as const) {
      const response = await gw.request(REGISTER_ORG, { token: tokens.admin(), variables: { input: { code, name, kind: 'PEER_PLATFORM', publicKey: key } } });
      expectNoErrors(response);
      expect(response.body.data.registerOrganization).toEqual({ code, kind: 'PEER_PLATFORM' });
    }
  });

  afterAll(async () => {
    await city?.close();
    await province?.close();
    await cityDb?.close();
    await provinceDb?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function register(gw: TestGateway, token: string, subjects: Subject[]): Promise<void> {
    const response = await gw.request(REGISTER_SUBJECTS, { token, variables: { subjects } });
    expectNoErrors(response);
    expect(response.body.data.registerSubjects).toMatchObject({ accepted: subjects.length, errors: [] });
  }

  /** Files the named rows through submitRecords and keeps their ids by name (and the city's rows, for corrections). */
  async function file(gw: TestGateway, token: string, named: Record<string, Record<string, unknown>>, into = ids): Promise<void> {
    const names = Object.keys(named);
    const response = await gw.request(SUBMIT_RECORDS, { token, variables: { records: names.map((n) => named[n]) } });
    expectNoErrors(response);
    expect(response.body.data.submitRecords.errors).toEqual([]);
    names.forEach((name, i) => {
      if (into === ids) rows[name] = named[name];
      into[name] = response.body.data.submitRecords.ids[i];
    });
  }

  /** A correction (W2): the same sourceRef, changed content. */
  async function correct(name: string, changes: Record<string, unknown>, token = tokens.department(market, 'officer-correct')): Promise<void> {
    const row = { ...rows[name], ...changes };
    const response = await city.request(SUBMIT_RECORDS, { token, variables: { records: [row] } });
    expectNoErrors(response);
    expect(response.body.data.submitRecords).toEqual({ accepted: 1, ids: [ids[name]], errors: [] });
    rows[name] = row;
  }

  async function withdraw(gw: TestGateway, token: string, id: string, reason: string) {
    return gw.request(WITHDRAW_MUTATION, { token, variables: { id, reason } });
  }

  async function view(gw: TestGateway, token: string, code: string): Promise<{ subject: Subject & { view: string }; records: RecordNode[] } | null> {
    const response = await gw.request(DEPARTMENT_VIEW, { token, variables: { code, purpose: SUPERVISION } });
    expectNoErrors(response);
    const found = response.body.data.subject;
    if (!found) return null;
    return { subject: found, records: found.records.edges.map((e: { node: RecordNode }) => e.node) };
  }

  const viewAtCity = (code: string) => view(city, tokens.department(cityViewer, 'officer-city-view'), code);
  const viewAtProvince = (code: string) => view(province, tokens.department(provinceViewer, 'officer-province-view'), code);

  /** Every change `peer` may read from a gateway's feed after `after`, paging at `first`. */
  async function feedOf(gw: TestGateway, peer: string, after: string | null = null, first = 100): Promise<{ nodes: FeedNode[]; cursor: string | null }> {
    const nodes: FeedNode[] = [];
    let cursor = after;
    for (let page = 0; page < 100; page += 1) {
      const response = await gw.request(FEED, { token: tokens.exchange(peer, `${peer.toLowerCase()}-reader`), variables: { after: cursor, first } });
      expectNoErrors(response);
      const connection = response.body.data.recordChanges;
      nodes.push(...connection.edges.map((e: { node: FeedNode }) => e.node));
      if (connection.pageInfo.endCursor) cursor = connection.pageInfo.endCursor;
      if (!connection.pageInfo.hasNextPage) return { nodes, cursor };
    }
    throw new Error('feed: more than 100 pages');
  }

  /**
   * The province's department view of a subject holds exactly the city's records (as a department of the city sees
   * them), each as SG-CITY's with origin { SG-CITY, the city's id }, with the same content, status, dispute flag,
   * version and history; `expected` names the city records that must be there (the others must not).
   */
  async function expectSameAtProvince(subject: Subject, expected: string[]): Promise<Map<string, RecordNode>> {
    const atCity = (await viewAtCity(subject.code))!.records.filter((r) => r.origin === null);
    const atProvince = (await viewAtProvince(subject.code))!.records.filter((r) => r.origin?.platform === CITY);
    expect(atCity.map((r) => r.id).sort()).toEqual(expected.map((name) => ids[name]).sort());
    expect(atProvince.map((r) => r.origin!.originId).sort(), 'the province holds the city\'s records').toEqual(atCity.map((r) => r.id).sort());
    const byOrigin = new Map(atProvince.map((r) => [r.origin!.originId, r]));
    for (const record of atCity) {
      const copy = byOrigin.get(record.id)!;
      expect(copy.source.code).toBe(CITY);
      expect(copy.origin).toEqual({ platform: CITY, originId: record.id });
      expect(copy.id).not.toBe(record.id);
      expect(content(copy), `record ${record.title}`).toEqual(content(record));
    }
    return byOrigin;
  }

  it('X1: the city\'s departments register subjects and file, correct, withdraw, dispute and repair records; its feed to GD-PROVINCE carries every change but SUBJECT_ONLY', async () => {
    await register(city, tokens.department(market), [enterpriseOne, enterpriseTwo, person]);
    await file(city, tokens.department(market, 'officer-file'), {
      licence: {
        subjectCode: enterpriseOne.code, type: 'license', sourceRef: uniqueToken('LIC-'), title: '食品经营许可证（初版）', summary: '预包装食品销售',
        decisionNumber: '韶市监许〔2026〕101号', decidedAt: DECIDED, validFrom: DECIDED, validUntil: '2031-01-04T16:00:00Z',
        legalBasis: '《食品经营许可管理办法》', details: { licenceNo: 'JY14402030012345' },
      },
      repaired: {
        subjectCode: enterpriseOne.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '行政处罚（共享）', severity: 'GENERAL',
        disclosure: 'SHARED', amount: 5000.5, decidedAt: DECIDED, details: { caseNumber: 'C-2026-07' },
      },
      subjectOnly: {
        subjectCode: enterpriseOne.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '仅本人可见的处罚', severity: 'GENERAL',
        disclosure: 'SUBJECT_ONLY', decidedAt: DECIDED, details: { secret: 'subject-only-detail' },
      },
      withdrawn: {
        subjectCode: enterpriseTwo.code, type: 'license', sourceRef: uniqueToken('LIC-'), title: '将被撤销的许可', decidedAt: DECIDED, validFrom: DECIDED,
      },
      disputed: {
        subjectCode: enterpriseTwo.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '有异议的处罚', severity: 'GENERAL', decidedAt: DECIDED,
      },
      objected: {
        subjectCode: enterpriseTwo.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '经异议更正前的处罚', severity: 'GENERAL', decidedAt: DECIDED,
        amount: 2000,
      },
    });
    await file(city, tokens.department(tax, 'officer-tax'), {
      arrears: {
        subjectCode: person.code, type: 'tax-arrears', sourceRef: uniqueToken('TAX-'), title: '个人欠税', severity: 'GENERAL', decidedAt: DECIDED,
        amount: 1234.56, details: { taxOffice: '韶关市税务局' },
      },
    });

    // a correction (W2: same sourceRef, changed content → version 2, history kept)
    await correct('licence', { title: '食品经营许可证（更正）', summary: '预包装食品销售（含冷藏冷冻食品）' });
    // a withdrawal by its source
    const withdrawn = await withdraw(city, tokens.department(market), ids.withdrawn, '许可被依法撤销');
    expectNoErrors(withdrawn);
    expect(withdrawn.body.data.withdrawRecord.status).toBe('WITHDRAWN');
    // an objection left pending (R1) …
    expectNoErrors(await requestFileObjection(city, tokens.subject(enterpriseTwo.code), ids.disputed, '处罚对象有误'));
    // … and one the source resolves CORRECTED (R2: a new version, the flag clears)
    const objection = await requestFileObjection(city, tokens.subject(enterpriseTwo.code), ids.objected, '罚款金额有误');
    expectNoErrors(objection);
    const resolved = await requestResolveObjection(city, tokens.department(market), objection.body.data.fileObjection.id, 'CORRECTED', '经核查金额有误，予以更正',
      { title: '经异议更正后的处罚', amount: 1500 });
    expectNoErrors(resolved);
    rows.objected = { ...rows.objected, title: '经异议更正后的处罚', amount: 1500 };
    // a repair (R3: GENERAL penalty past its 3 months; approved → REPAIRED)
    const repair = await apply(city, tokens.subject(enterpriseOne.code), ids.repaired);
    expectNoErrors(repair);
    expectNoErrors(await decide(city, tokens.department(market), repair.body.data.applyForRepair.id, true, '已缴纳罚款并完成整改'));

    const { nodes } = await feedOf(city, PROVINCE);
    const kindsOf = (name: string) => nodes.filter((n) => n.record.id === ids[name]).map((n) => [n.kind, n.record.version, n.record.status, n.record.disputed]);
    expect(kindsOf('licence')).toEqual([['FILED', 1, 'ACTIVE', false], ['VERSIONED', 2, 'ACTIVE', false]]);
    expect(kindsOf('withdrawn')).toEqual([['FILED', 1, 'ACTIVE', false], ['WITHDRAWN', 2, 'WITHDRAWN', false]]);
    expect(kindsOf('disputed')).toEqual([['FILED', 1, 'ACTIVE', false], ['DISPUTED', 1, 'ACTIVE', true]]);
    // a CORRECTED resolution: the new version, then the flag cleared (the same transaction)
    expect(kindsOf('objected').map(([kind, version, status]) => [kind, version, status])).toEqual([
      ['FILED', 1, 'ACTIVE'], ['DISPUTED', 1, 'ACTIVE'], ['VERSIONED', 2, 'ACTIVE'], ['UNDISPUTED', 2, 'ACTIVE'],
    ]);
    expect(kindsOf('objected').at(-1)).toEqual(['UNDISPUTED', 2, 'ACTIVE', false]);
    expect(kindsOf('repaired')).toEqual([['FILED', 1, 'ACTIVE', false], ['REPAIRED', 2, 'REPAIRED', false]]);
    expect(kindsOf('arrears')).toEqual([['FILED', 1, 'ACTIVE', false]]);
    expect(kindsOf('subjectOnly')).toEqual([]);
    expect(JSON.stringify(nodes)).not.toContain('仅本人可见');
    expect(nodes.every((n) => n.record.origin === null && n.record.disclosure !== 'SUBJECT_ONLY')).toBe(true);
  });

  it('X3: the province pulls the city\'s live feed with the token the city issued it and files every record as SG-CITY\'s, with its origin', async () => {
    const before = await countRecords(provinceDb.db);
    expect(before).toBe(0);
    const pages: number[] = [];
    const result = await pullFromPeer({
      db: provinceDb.db, peer: CITY, url: city.url, token: tokens.exchange(PROVINCE, 'province-sync'), stateFile: pullState,
      actor: 'province-sync', first: 4, now: () => province.clock.now, onPage: (page) => { pages.push(page.changes); },
    });
    // 2 + 2 + 2 + 4 + 2 + 1 changes (FILED, VERSIONED, WITHDRAWN, DISPUTED, UNDISPUTED, REPAIRED) in pages of 4
    expect(result).toMatchObject({ changes: 13, rejected: 0 });
    expect(result.pages).toBeGreaterThanOrEqual(4);
    expect(pages.slice(0, -1).every((n) => n === 4)).toBe(true);
    expect(result.applied).toBe(13);
    pulledCursor = result.cursor;
    expect(JSON.parse(await readFile(pullState, 'utf8'))).toMatchObject({ peer: CITY, url: city.url, cursor: pulledCursor });

    // the subjects came with the records (X3: the peer registers them), as the city's departments see them
    for (const subject of [enterpriseOne, enterpriseTwo, person]) {
      const found = (await viewAtProvince(subject.code))!;
      expect(found.subject).toMatchObject({ code: subject.code, kind: subject.kind, name: subject.name, view: 'DEPARTMENT' });
    }
    const one = await expectSameAtProvince(enterpriseOne, ['licence']);
    const two = await expectSameAtProvince(enterpriseTwo, ['disputed', 'objected']);
    const individual = await expectSameAtProvince(person, ['arrears']);

    // the correction, with its history
    const licence = one.get(ids.licence)!;
    expect(licence).toMatchObject({ title: '食品经营许可证（更正）', version: 2, details: { licenceNo: 'JY14402030012345' } });
    expect(licence.history!.map((h) => [h.version, h.snapshot.title])).toEqual([[1, '食品经营许可证（初版）']]);
    // the dispute and its resolution
    expect(two.get(ids.disputed)).toMatchObject({ disputed: true, version: 1 });
    expect(two.get(ids.objected)).toMatchObject({ title: '经异议更正后的处罚', amount: 1500, disputed: false, version: 2 });
    expect(two.get(ids.objected)!.history!.map((h) => h.snapshot.title)).toEqual(['经异议更正前的处罚']);
    expect(individual.get(ids.arrears)).toMatchObject({ amount: 1234.56, details: { taxOffice: '韶关市税务局' }, disclosure: 'SHARED' });

    // the withdrawal and the repair: absent from the department's view, and so in the database
    expect(await copyOf(provinceDb.db, CITY, ids.withdrawn)).toMatchObject({ status: 'WITHDRAWN' });
    expect(await copyOf(provinceDb.db, CITY, ids.repaired)).toMatchObject({ status: 'REPAIRED' });
    // SUBJECT_ONLY never left the city
    expect(await copyOf(provinceDb.db, CITY, ids.subjectOnly)).toBeNull();
    const all = await queryRows<{ n: number }>(provinceDb.db, sql`SELECT count(*)::int AS n FROM records WHERE source_org = ${CITY} AND origin_platform = ${CITY}`);
    expect(Number(all[0].n)).toBe(6);
    expect(await countRecords(provinceDb.db)).toBe(6);
    expect(JSON.stringify(await viewAtProvince(enterpriseOne.code))).not.toContain('仅本人可见');

    // X2 at the city: the pages were disclosures to GD-PROVINCE, logged under SUPERVISION with its code
    const events = await queryRows<{ subject_code: string }>(cityDb.db, sql`
      SELECT DISTINCT subject_code FROM access_events
       WHERE actor = 'province-sync' AND org_code = ${PROVINCE} AND role = 'exchange' AND purpose_kind = 'SUPERVISION' AND purpose_reference = ${PROVINCE}`);
    expect(events.map((e) => e.subject_code).sort()).toEqual([enterpriseOne.code, enterpriseTwo.code, person.code].sort());
  });

  it('X3: a pull run again resumes after the last page applied: nothing is read twice, nothing filed twice', async () => {
    const before = await fingerprint(provinceDb.db);
    const result = await pullFromPeer({
      db: provinceDb.db, peer: CITY, url: city.url, token: tokens.exchange(PROVINCE, 'province-sync'), stateFile: pullState,
      actor: 'province-sync', first: 4, now: () => province.clock.now,
    });
    expect(result).toMatchObject({ pages: 1, changes: 0, applied: 0, rejected: 0, cursor: pulledCursor });
    expect(await fingerprint(provinceDb.db)).toEqual(before);
  });

  it('X4: exchange:export writes the city\'s later changes after the pull\'s cursor as NDJSON, FILE.sig (Ed25519 over SHA-256) and FILE.cursor', async () => {
    // more city changes: a new record, a second correction, a resolution, a withdrawal, another SUBJECT_ONLY record
    await file(city, tokens.department(market, 'officer-file'), {
      later: {
        subjectCode: enterpriseTwo.code, type: 'license', sourceRef: uniqueToken('LIC-'), title: 'Hlicence 道路运输经营许可证', decidedAt: DECIDED,
        validFrom: DECIDED, details: { permit: 'RT-88' },
      },
      hidden: {
        subjectCode: person.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '仅本人可见的第二条处罚', severity: 'GENERAL',
        disclosure: 'SUBJECT_ONLY', decidedAt: DECIDED,
      },
    });
    await correct('licence', { title: '食品经营许可证（再次更正）', validUntil: '2032-01-04T16:00:00Z' });
    const pending = await city.request(`query($code: String!) { subject(code: $code) { objections { id recordId status } } }`, {
      token: tokens.subject(enterpriseTwo.code), variables: { code: enterpriseTwo.code },
    });
    expectNoErrors(pending);
    const open = pending.body.data.subject.objections.find((o: { recordId: string; status: string }) => o.recordId === ids.disputed && o.status === 'PENDING');
    expectNoErrors(await requestResolveObjection(city, tokens.department(market), open.id, 'NOT_ERRONEOUS', '经核实处罚无误'));
    expectNoErrors(await withdraw(city, tokens.department(market), ids.objected, '处罚决定被复议撤销'));

    const out = path.join(work, 'city-to-province.ndjson');
    const result = await exportChanges({
      db: cityDb.db, peer: PROVINCE, after: pulledCursor, out, signingKey: cityKeys.privateKey, actor: 'city-export', now: () => city.clock.now,
    });
    const text = await readFile(out, 'utf8');
    const changes = text.trimEnd().split('\n').map((line) => JSON.parse(line) as ChangeJson);
    expect(result).toMatchObject({ file: out, changes: 4 });
    const by = (name: string) => changes.filter((c) => c.record.id === ids[name]).map((c) => [c.kind, c.record.version, c.record.status, c.record.disputed]);
    expect(by('later')).toEqual([['FILED', 1, 'ACTIVE', false]]);
    expect(by('licence')).toEqual([['VERSIONED', 3, 'ACTIVE', false]]);
    expect(by('disputed')).toEqual([['UNDISPUTED', 1, 'ACTIVE', false]]);
    expect(by('objected')).toEqual([['WITHDRAWN', 3, 'WITHDRAWN', false]]);
    expect(by('hidden')).toEqual([]);
    expect(text).not.toContain('仅本人可见');
    // the same changes, in the same order, as the live feed answers after the same cursor
    const live = await feedOf(city, PROVINCE, pulledCursor);
    expect(changes.map((c) => c.sequence)).toEqual(live.nodes.map((n) => n.sequence));
    expect(changes.every((c, i) => i === 0 || BigInt(c.sequence) > BigInt(changes[i - 1].sequence))).toBe(true);
    // FILE.sig: base64 Ed25519 over the raw 32-byte SHA-256 digest of FILE, with the city's key
    const signature = Buffer.from((await readFile(signaturePath(out), 'utf8')).trim(), 'base64');
    expect(signature).toHaveLength(64);
    const digest = createHash('sha256').update(await readFile(out)).digest();
    expect(verify(null, digest, cityKeys.publicKey, signature)).toBe(true);
    expect(verify(null, digest, provinceKeys.publicKey, signature)).toBe(false);
    // FILE.cursor: where the next export starts — the live feed's cursor after the same last change
    const cursor = (await readFile(cursorPath(out), 'utf8')).trim();
    expect(cursor).toBe(result.cursor);
    expect(cursor).toBe(live.cursor);
    exported = { file: out, cursor, changes };
  });

  /** A copy of the exported file with its signature, changed by `alter`. */
  async function alteredCopy(name: string, alter: (bytes: Buffer) => Buffer): Promise<string> {
    const copy = path.join(work, name);
    await writeFile(copy, alter(await readFile(exported.file)));
    await writeFile(signaturePath(copy), await readFile(signaturePath(exported.file)));
    return copy;
  }

  async function expectRefusedWithNothingFiled(file: string, peer = CITY): Promise<void> {
    const before = await fingerprint(provinceDb.db);
    const count = await countRecords(provinceDb.db);
    const refusal = await importExchangeFile({ db: provinceDb.db, peer, file, actor: 'province-import', now: () => province.clock.now }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ImportRefused);
    expect((refusal as ImportRefused).reason).toBe('BAD_SIGNATURE');
    expect(await countRecords(provinceDb.db)).toBe(count);
    expect(await fingerprint(provinceDb.db)).toEqual(before);
  }

  it('X4: a tampered file (one byte changed) is refused before anything is filed', async () => {
    const tampered = await alteredCopy('tampered.ndjson', (bytes) => {
      const at = bytes.indexOf('Hlicence');
      expect(at).toBeGreaterThan(0);
      const copy = Buffer.from(bytes);
      copy[at] = 'J'.charCodeAt(0); // still a well-formed change: unverified, it would file a wrong title
      return copy;
    });
    await expectRefusedWithNothingFiled(tampered);
  });

  it('X4: a truncated file (its last line dropped) is refused before anything is filed', async () => {
    const truncated = await alteredCopy('truncated.ndjson', (bytes) => {
      const text = bytes.toString('utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines.length).toBe(4);
      return Buffer.from(`${lines.slice(0, -1).join('\n')}\n`, 'utf8');
    });
    await expectRefusedWithNothingFiled(truncated);
  });

  it('X4: a file signed with another key than the one registered for the peer is refused, nothing filed', async () => {
    const copy = path.join(work, 'wrong-key.ndjson');
    await writeFile(copy, await readFile(exported.file));
    const digest = createHash('sha256').update(await readFile(copy)).digest();
    await writeFile(signaturePath(copy), `${sign(null, digest, provinceKeys.privateKey).toString('base64')}\n`);
    await expectRefusedWithNothingFiled(copy);
  });

  it('X4: exchange:import verifies the genuine file with SG-CITY\'s registered key and files it; the province then holds what the city\'s departments see', async () => {
    const result = await importExchangeFile({ db: provinceDb.db, peer: CITY, file: exported.file, actor: 'province-import', now: () => province.clock.now });
    expect(result).toMatchObject({ lines: 4, applied: 4, rejected: 0, skipped: 0, resumedFromLine: 1 });

    const one = await expectSameAtProvince(enterpriseOne, ['licence']);
    const two = await expectSameAtProvince(enterpriseTwo, ['disputed', 'later']);
    await expectSameAtProvince(person, ['arrears']);
    expect(one.get(ids.licence)).toMatchObject({ title: '食品经营许可证（再次更正）', version: 3, validUntil: '2032-01-04T16:00:00.000Z' });
    expect(one.get(ids.licence)!.history!.map((h) => [h.version, h.snapshot.title])).toEqual([
      [1, '食品经营许可证（初版）'], [2, '食品经营许可证（更正）'],
    ]);
    expect(two.get(ids.disputed)).toMatchObject({ disputed: false });
    expect(two.get(ids.later)).toMatchObject({ title: 'Hlicence 道路运输经营许可证', details: { permit: 'RT-88' }, origin: { platform: CITY, originId: ids.later } });
    expect(await copyOf(provinceDb.db, CITY, ids.objected)).toMatchObject({ status: 'WITHDRAWN' });
    expect(await copyOf(provinceDb.db, CITY, ids.hidden)).toBeNull();
    expect(await countRecords(provinceDb.db)).toBe(7);
  });

  it('X4: FILE.cursor resumes exactly after the file: an export after it is empty, and importing the file again changes nothing', async () => {
    const next = path.join(work, 'city-to-province-2.ndjson');
    const result = await exportChanges({
      db: cityDb.db, peer: PROVINCE, after: exported.cursor, out: next, signingKey: cityKeys.privateKey, actor: 'city-export', now: () => city.clock.now,
    });
    expect(result.changes).toBe(0);
    expect(await readFile(next, 'utf8')).toBe('');
    expect((await readFile(cursorPath(next), 'utf8')).trim()).toBe(exported.cursor);

    const before = await fingerprint(provinceDb.db);
    const again = await importExchangeFile({ db: provinceDb.db, peer: CITY, file: exported.file, actor: 'province-import', now: () => province.clock.now });
    expect(again.rejected).toBe(0);
    expect(await fingerprint(provinceDb.db)).toEqual(before);
  });

  it('X3: no loop — a province department\'s record reaches the city with origin GD-PROVINCE, nothing of the city\'s goes back, and a province→city→province round trip sends nothing home', async () => {
    // the province's own departments file: on a subject of its own, and on a subject the city sent
    await register(province, tokens.department(provinceDept), [provincial]);
    await file(province, tokens.department(provinceDept, 'officer-province'), {
      own: {
        subjectCode: provincial.code, type: 'honor', sourceRef: uniqueToken('HON-'), title: '省级守合同重信用企业', decidedAt: DECIDED, validFrom: DECIDED,
      },
      onCitySubject: {
        subjectCode: enterpriseOne.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '省级部门的行政处罚', severity: 'GENERAL', decidedAt: DECIDED,
        disclosure: 'SHARED', details: { caseNumber: 'GD-2026-1' },
      },
      provinceOnly: {
        subjectCode: enterpriseOne.code, type: 'penalty', sourceRef: uniqueToken('PEN-'), title: '省级仅本人可见', severity: 'GENERAL', decidedAt: DECIDED,
        disclosure: 'SUBJECT_ONLY',
      },
    }, provinceIds);

    // the province's feed to SG-CITY: only the province's own records — none that came from the city
    const cityHeldAtProvince = await queryRows<{ id: string }>(provinceDb.db, sql`SELECT id::text AS id FROM records WHERE origin_platform = ${CITY}`);
    expect(cityHeldAtProvince.length).toBe(7);
    const toCity = (await feedOf(province, CITY)).nodes;
    expect(toCity.map((n) => n.record.id).sort()).toEqual([provinceIds.own, provinceIds.onCitySubject].sort());
    expect(toCity.every((n) => n.record.origin === null)).toBe(true);
    const cityIds = new Set(Object.values(ids));
    expect(toCity.some((n) => cityHeldAtProvince.some((r) => r.id === n.record.id) || cityIds.has(n.record.id))).toBe(false);

    // the city pulls the province's feed with the token the province issued it (role exchange, org SG-CITY)
    const cityBefore = await countRecords(cityDb.db);
    const pulled = await pullFromPeer({
      db: cityDb.db, peer: PROVINCE, url: province.url, token: tokens.exchange(CITY, 'city-sync'), stateFile: path.join(work, 'city-pulls-province.json'),
      actor: 'city-sync', now: () => city.clock.now,
    });
    expect(pulled).toMatchObject({ changes: 2, applied: 2, rejected: 0 });
    expect(await countRecords(cityDb.db)).toBe(cityBefore + 2);
    const atCity = (await viewAtCity(enterpriseOne.code))!.records.find((r) => r.origin?.originId === provinceIds.onCitySubject);
    expect(atCity).toMatchObject({
      title: '省级部门的行政处罚', source: { code: PROVINCE }, origin: { platform: PROVINCE, originId: provinceIds.onCitySubject }, details: { caseNumber: 'GD-2026-1' },
    });
    const ownAtCity = (await viewAtCity(provincial.code))!;
    expect(ownAtCity.subject).toMatchObject({ code: provincial.code, name: provincial.name });
    expect(ownAtCity.records.map((r) => r.origin)).toEqual([{ platform: PROVINCE, originId: provinceIds.own }]);
    expect(await copyOf(cityDb.db, PROVINCE, provinceIds.provinceOnly)).toBeNull();

    // the city's feed to GD-PROVINCE: never a record that came from the province — nothing new after the file
    expect((await feedOf(city, PROVINCE, exported.cursor)).nodes).toEqual([]);
    expect((await feedOf(city, PROVINCE)).nodes.some((n) => n.record.origin !== null)).toBe(false);

    // province → city → province: the province's live pull receives none of its own records, and files nothing
    const received: FeedNode[] = [];
    const capture: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = await response.clone().json() as { data?: { recordChanges?: { edges: { node: FeedNode }[] } } };
      received.push(...(body.data?.recordChanges?.edges.map((e) => e.node) ?? []));
      return response;
    };
    const before = await fingerprint(provinceDb.db);
    const back = await pullFromPeer({
      db: provinceDb.db, peer: CITY, url: city.url, token: tokens.exchange(PROVINCE, 'province-sync'), stateFile: pullState,
      actor: 'province-sync', first: 4, now: () => province.clock.now, fetch: capture,
    });
    // the state file still stands at the first pull: the file's four changes come again (applied already: skipped)
    expect(back).toMatchObject({ changes: 4, applied: 0, rejected: 0 });
    expect(received.map((n) => n.sequence)).toEqual(exported.changes.map((c) => c.sequence));
    expect(received.some((n) => n.record.origin?.platform === PROVINCE)).toBe(false);
    expect(received.some((n) => Object.values(provinceIds).includes(n.record.id))).toBe(false);
    expect(await fingerprint(provinceDb.db)).toEqual(before);
    const provinceOwn = await queryRows<{ n: number }>(provinceDb.db, sql`SELECT count(*)::int AS n FROM records WHERE origin_platform IS NOT NULL AND origin_platform <> ${CITY}`);
    expect(Number(provinceOwn[0].n)).toBe(0);

    // and city → province → city: the city's next pull brings nothing back either
    const cityState = await fingerprint(cityDb.db);
    const again = await pullFromPeer({
      db: cityDb.db, peer: PROVINCE, url: province.url, token: tokens.exchange(CITY, 'city-sync'), stateFile: path.join(work, 'city-pulls-province.json'),
      actor: 'city-sync', now: () => city.clock.now,
    });
    expect(again).toMatchObject({ changes: 0, applied: 0 });
    expect(await fingerprint(cityDb.db)).toEqual(cityState);
  });

  it('X3, W2: only the peer corrects or withdraws its records — a province department gets FORBIDDEN on a record that came from the city, and SG-CITY may', async () => {
    const copy = (await copyOf(provinceDb.db, CITY, ids.licence))!;
    const before = await fingerprint(provinceDb.db);
    for (const token of [tokens.department(provinceDept), tokens.department(provinceViewer)]) {
      const refused = await withdraw(province, token, copy.id, '省级部门无权撤回');
      expect(refused.body.errors?.[0]?.extensions?.code, JSON.stringify(refused.body)).toBe('FORBIDDEN');
      expect(refused.body.data?.withdrawRecord ?? null).toBeNull();
    }
    expect(await fingerprint(provinceDb.db)).toEqual(before);
    // a province department filing the city's row under the same sourceRef files a record of its own: the city's is untouched
    const own = await province.request(SUBMIT_RECORDS, {
      token: tokens.department(provinceDept), variables: { records: [{ ...rows.licence, title: '省级部门自己的许可记录' }] },
    });
    expectNoErrors(own);
    const ownId = own.body.data.submitRecords.ids[0];
    expect(ownId).not.toBe(copy.id);
    expect(await copyOf(provinceDb.db, CITY, ids.licence)).toEqual(copy);
    const seen = (await viewAtProvince(enterpriseOne.code))!.records;
    expect(seen.find((r) => r.id === copy.id)).toMatchObject({ title: '食品经营许可证（再次更正）', source: { code: CITY } });
    expect(seen.find((r) => r.id === ownId)).toMatchObject({ title: '省级部门自己的许可记录', source: { code: provinceDept }, origin: null });

    // the same at the city: a city department cannot withdraw what the province sent
    const fromProvince = (await copyOf(cityDb.db, PROVINCE, provinceIds.onCitySubject))!;
    const cityRefused = await withdraw(city, tokens.department(market), fromProvince.id, '市级部门无权撤回');
    expect(cityRefused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await copyOf(cityDb.db, PROVINCE, provinceIds.onCitySubject)).toEqual(fromProvince);

    // the source itself may: SG-CITY, as the province's exchange caller, withdraws its record there
    const bySource = await withdraw(province, tokens.exchange(CITY, 'city-sync'), copy.id, '市平台撤回');
    expectNoErrors(bySource);
    expect(bySource.body.data.withdrawRecord).toMatchObject({ id: copy.id, status: 'WITHDRAWN' });
    expect(await copyOf(provinceDb.db, CITY, ids.licence)).toMatchObject({ status: 'WITHDRAWN' });
  });
  it('X1, X3: a correction that narrows a record to SUBJECT_ONLY reaches the province as UNSHARED; the province takes its copy down and never receives the new content', async () => {
    await file(city, tokens.department(market), {
      narrowed: { subjectCode: enterpriseTwo.code, type: 'license', sourceRef: uniqueToken('NARROW'), title: '将收窄的许可', decidedAt: DECIDED },
    });
    const pull = () => pullFromPeer({
      db: provinceDb.db, peer: CITY, url: city.url, token: tokens.exchange(PROVINCE, 'province-sync'), stateFile: pullState,
      actor: 'province-sync', now: () => province.clock.now,
    });
    expect((await pull()).rejected).toBe(0);
    expect(await copyOf(provinceDb.db, CITY, ids.narrowed)).toMatchObject({ status: 'ACTIVE' });
    await correct('narrowed', { disclosure: 'SUBJECT_ONLY', title: '仅本人可见的新内容' });
    const seen = await feedOf(city, PROVINCE, pulledCursor);
    const mine = seen.nodes.filter((n) => n.record.id === ids.narrowed);
    expect(mine.map((n) => [n.kind, n.record.title, n.record.disclosure])).toEqual([['FILED', '将收窄的许可', 'PUBLIC'], ['UNSHARED', '将收窄的许可', 'PUBLIC']]);
    expect(JSON.stringify(seen.nodes)).not.toContain('仅本人可见的新内容');
    // a later withdrawal of the SUBJECT_ONLY version is nothing the province may receive
    expectNoErrors(await withdraw(city, tokens.department(market), ids.narrowed, '撤销'));
    expect((await feedOf(city, PROVINCE, pulledCursor)).nodes.filter((n) => n.record.id === ids.narrowed).map((n) => n.kind)).toEqual(['FILED', 'UNSHARED']);
    const result = await pull();
    expect(result.rejected).toBe(0);
    expect(await copyOf(provinceDb.db, CITY, ids.narrowed)).toMatchObject({ status: 'WITHDRAWN' });
    const atProvince = (await viewAtProvince(enterpriseTwo.code))!.records;
    expect(atProvince.some((r) => r.origin?.originId === ids.narrowed)).toBe(false);
    const [{ n }] = await queryRows<{ n: number }>(provinceDb.db, sql`SELECT count(*)::int AS n FROM records WHERE title = '仅本人可见的新内容'`);
    expect(n).toBe(0);
  });

  it('R1, R3, X3: at the province, objections and repair applications on a record the city sent are refused PEER_RECORD (they go to the city)', async () => {
    const [copy] = await queryRows<{ id: string; code: string }>(provinceDb.db, sql`
      SELECT r.id::text AS id, s.code FROM records r JOIN subjects s ON s.id = r.subject_id
      WHERE r.origin_platform = ${CITY} AND r.status = 'ACTIVE' AND r.type = 'penalty' LIMIT 1`);
    expect(copy, 'an active city penalty at the province').toBeTruthy();
    const before = await fingerprint(provinceDb.db);
    const objection = await requestFileObjection(province, tokens.subject(copy.code), copy.id, '处罚有误');
    expect(objection.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PEER_RECORD' });
    const repair = await apply(province, tokens.subject(copy.code), copy.id);
    expect(repair.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PEER_RECORD' });
    expect(await fingerprint(provinceDb.db)).toEqual(before);
  });
});
