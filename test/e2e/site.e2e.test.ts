import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { maskPersonName, maskResidentId } from '../../src/domain/masking.js';
import { SHIPPED_MANIFEST } from '../../src/web/manifest.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createRecord, createSubject, type RecordOverrides, type SubjectFixture } from '../support/factories.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { tokens } from '../support/tokens.js';

/**
 * SPEC §14: the public credit website, served by the gateway at / beside /graphql, read only through the public API as
 * trusted documents (WEB2). Every page fetched here is also checked for what must hold on any page (`page()`): no
 * script, nothing from another host, under 60 KB, none of the titles the public may never see.
 */
const NOW = new Date('2026-06-01T04:00:00Z');
const day = (iso: string) => new Date(`${iso}T02:00:00Z`);
const MAX_PAGE_BYTES = 60 * 1024;

/** Titles of records the public view never holds: SHARED and SUBJECT_ONLY types, D1, D3, D4, D5 (individuals, a minor). */
const NEVER_PUBLIC = [
  'SHARED-TAX-RATING-TITLE', 'SHARED-JUDGMENT-TITLE', 'SUBJECT-ONLY-SELF-DECLARED-TITLE', 'MINOR-SEVERITY-PENALTY-TITLE',
  'EXPIRED-PENALTY-TITLE', 'WITHDRAWN-LICENCE-TITLE', 'INDIVIDUAL-PENALTY-TITLE', 'MINOR-DEBTOR-TITLE',
];

interface Fetched {
  status: number;
  html: string;
  requestId: string;
  headers: Headers;
}

describe.each(testDatabaseKinds())('WEB1–WEB3 the public credit website on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let base: string;
  let dept: string;
  let court: string;
  const subjects: SubjectFixture[] = [];
  let entA: SubjectFixture; // a licence, a disputed penalty, a commitment, and the records nobody public may see
  let entB: SubjectFixture; // serious-dishonesty list
  let entC: SubjectFixture; // abnormal operation, honour
  let entE: SubjectFixture; // 22 licences: paging inside a subject page and on the licences list
  let adult: SubjectFixture; // P3: an individual on the dishonest-debtor list (its penalty stays hidden, D5)
  let minor: SubjectFixture; // D5: nothing public at all
  let disputedPenaltyId: string;

  const record = (subject: SubjectFixture, source: string, overrides: RecordOverrides) => createRecord(database.db, subject, source, overrides);

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    dept = await createOrganization(database.db, 'DEPARTMENT');
    court = await createOrganization(database.db, 'DEPARTMENT');
    const subject = async (...args: Parameters<typeof createSubject> extends [unknown, unknown, ...infer R] ? R : never) => {
      const created = await createSubject(database.db, dept, ...args);
      subjects.push(created);
      return created;
    };
    entA = await subject('ENTERPRISE', { name: '韶关市测试建材有限公司' });
    entB = await subject('ENTERPRISE', { name: '韶关市测试建材贸易有限公司' });
    entC = await subject('SOCIAL_ORGANIZATION', { name: '韶关市测试行业协会' });
    entE = await subject('ENTERPRISE', { name: '韶关市许可众多有限公司' });
    adult = await subject('INDIVIDUAL', { name: '王小五', birthDate: '1980-04-05' });
    minor = await subject('INDIVIDUAL', { name: '赵未成', birthDate: '2012-03-04' });
    for (let i = 1; i <= 23; i++) await subject('ENTERPRISE', { name: `韶关市翻页测试第${String(i).padStart(2, '0')}号有限公司` });

    await record(entA, dept, { type: 'license', title: '最新的食品经营许可证', decidedAt: day('2026-05-31') });
    disputedPenaltyId = await record(entA, dept, { type: 'penalty', severity: 'GENERAL', title: '行政处罚：未按规定公示年度报告', decidedAt: day('2026-05-25') });
    await record(entA, dept, { type: 'penalty', severity: 'SERIOUS', title: '行政处罚：销售不合格产品', decidedAt: day('2026-05-10') });
    await record(entA, dept, { type: 'commitment', title: '信用承诺（告知承诺制）', decidedAt: day('2026-04-01'), validUntil: day('2027-04-01') });
    await record(entA, dept, { type: 'tax-rating', title: 'SHARED-TAX-RATING-TITLE', decidedAt: day('2026-04-20') });
    await record(entA, court, { type: 'judgment', title: 'SHARED-JUDGMENT-TITLE', decidedAt: day('2026-04-21') });
    await record(entA, dept, { type: 'self-declared', disclosure: 'SUBJECT_ONLY', title: 'SUBJECT-ONLY-SELF-DECLARED-TITLE', decidedAt: day('2026-04-22') });
    await record(entA, dept, { type: 'penalty', severity: 'MINOR', title: 'MINOR-SEVERITY-PENALTY-TITLE', decidedAt: day('2026-05-30') });
    await record(entA, dept, { type: 'penalty', severity: 'GENERAL', title: 'EXPIRED-PENALTY-TITLE', decidedAt: day('2024-01-10') });
    await record(entA, dept, { type: 'license', status: 'WITHDRAWN', title: 'WITHDRAWN-LICENCE-TITLE', decidedAt: day('2026-05-31') });
    await record(entB, court, { type: 'serious-dishonesty-list', title: '列入严重失信主体名单', decidedAt: day('2026-03-01') });
    await record(entC, dept, { type: 'abnormal-operation', title: '列入经营异常名录', decidedAt: day('2026-02-01') });
    await record(entC, dept, { type: 'honor', title: '守合同重信用单位', decidedAt: day('2026-01-15'), validUntil: day('2027-01-15') });
    for (let i = 1; i <= 22; i++) {
      await record(entE, dept, { type: 'license', title: `许可证第${String(i).padStart(2, '0')}号`, decidedAt: day(`2026-01-${String(i).padStart(2, '0')}`) });
    }
    await record(adult, court, { type: 'dishonest-debtor', title: '失信被执行人（自然人）', decidedAt: day('2026-05-05') });
    await record(adult, dept, { type: 'penalty', severity: 'SERIOUS', title: 'INDIVIDUAL-PENALTY-TITLE', decidedAt: day('2026-05-06') });
    await record(minor, court, { type: 'dishonest-debtor', title: 'MINOR-DEBTOR-TITLE', decidedAt: day('2026-05-07') });
    // long texts, as real decisions have them: pages must stay under 60 KB at their default sizes all the same
    const longText = '当事人未按照规定履行义务，经调查核实，违法事实清楚、证据确凿。'.repeat(10);
    await database.db.execute(sql`UPDATE records SET summary = ${longText}, legal_basis = ${longText.slice(0, 100)}`);

    gw = await startTestGateway(database, { now: NOW, site: true, trustedDocumentsFile: SHIPPED_MANIFEST });
    base = gw.url.replace(/\/graphql$/, '');
    // R1: a pending objection marks the record disputed
    const filed = await gw.request(`mutation { fileObjection(recordId: "${disputedPenaltyId}", reason: "罚款已缴清，处罚决定有误") { id } }`, { token: tokens.subject(entA.code) });
    expect(filed.body.errors).toBeUndefined();
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  /** GET a page of the site; every page is checked for WEB3 and for titles the public never sees. */
  async function page(path: string, at = base, headers: Record<string, string> = {}): Promise<Fetched> {
    const response = await fetch(`${at}${path}`, { headers, redirect: 'manual' });
    const html = await response.text();
    expect(response.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
    expect(html.startsWith('<!doctype html><html lang="zh-CN">'), path).toBe(true);
    expect(Buffer.byteLength(html), `${path}: under 60 KB`).toBeLessThan(MAX_PAGE_BYTES);
    expect(html, `${path}: no script`).not.toMatch(/<script/i);
    for (const [, url] of html.matchAll(/\b(?:href|src|action)="([^"]*)"/g)) {
      expect(url, `${path}: nothing from another host`).toMatch(/^(?:\/(?!\/)|\?|#)/);
    }
    for (const title of NEVER_PUBLIC) expect(html, `${path}: ${title}`).not.toContain(title);
    expect(html.match(/<h1[ >]/g), `${path}: one h1`).toHaveLength(1);
    return { status: response.status, html, requestId: response.headers.get('x-request-id') ?? '', headers: response.headers };
  }

  const unescape = (href: string) => href.replace(/&amp;/g, '&');
  const nextLink = (html: string) => {
    const href = /<a href="([^"]+)" rel="next">/.exec(html)?.[1];
    return href ? unescape(href) : null;
  };
  const items = (html: string) => html.match(/<li class="item">/g)?.length ?? 0;
  /** The seeded subjects a page shows: organisations by their code, individuals by their masked code. */
  const shownSubjects = (html: string) =>
    subjects.filter((s) => html.includes(s.kind === 'INDIVIDUAL' ? maskResidentId(s.code) : s.code)).map((s) => s.code).sort();

  /** L1, WEB2: the page's API request wrote one PUBLIC event for each subject the page shows, and for no other. */
  async function expectLoggedExactly(fetched: Fetched, path: string): Promise<void> {
    const rows = await queryRows<{ subject_code: string | null; view: string | null; role: string }>(
      database.db, sql`SELECT subject_code, view, role FROM access_events WHERE request_id = ${fetched.requestId}`);
    const withSubject = rows.filter((row) => row.subject_code !== null);
    expect(withSubject.every((row) => row.view === 'PUBLIC' && row.role === 'public'), path).toBe(true);
    expect([...new Set(withSubject.map((row) => row.subject_code))].sort(), path).toEqual(shownSubjects(fetched.html));
  }

  it('WEB1: the home page has a labelled search box and the latest 双公示 decisions, licences and penalties, newest first', async () => {
    const home = await page('/');
    expect(home.status).toBe(200);
    expect(home.html).toMatch(/<label for="q">[^<]+<\/label>/);
    expect(home.html).toContain('id="q" name="q" type="search"');
    const licences = home.html.slice(home.html.indexOf('id="latest-licences"'), home.html.indexOf('id="latest-penalties"'));
    const penalties = home.html.slice(home.html.indexOf('id="latest-penalties"'), home.html.indexOf('id="lists-heading"'));
    expect(items(licences)).toBe(5);
    expect(licences.indexOf('最新的食品经营许可证')).toBeGreaterThan(0);
    expect(licences.indexOf('最新的食品经营许可证')).toBeLessThan(licences.indexOf('许可证第22号'));
    const dates = (section: string) => [...section.matchAll(/决定日期<\/dt><dd>(\d{4}-\d{2}-\d{2})</g)].map((m) => m[1]);
    expect(dates(licences)).toEqual([...dates(licences)].sort().reverse());
    expect(dates(penalties)).toEqual(['2026-05-25', '2026-05-10']);
    expect(penalties).toContain('行政处罚：未按规定公示年度报告');
    expect(licences).toContain('href="/lists/licences"');
    await expectLoggedExactly(home, '/');
  });

  it('WEB1, P4: search finds organisations by a name fragment and by their exact code, and pages with the next-page link', async () => {
    const byName = await page(`/search?q=${encodeURIComponent('测试建材')}`);
    expect(byName.status).toBe(200);
    expect(byName.html).toContain('本页 2 个。');
    expect(byName.html).toContain(`href="/subjects/${entA.code}"`);
    expect(byName.html).toContain(`href="/subjects/${entB.code}"`);
    await expectLoggedExactly(byName, 'search by name');

    const byCode = await page(`/search?q=${entC.code.toLowerCase()}`);
    expect(shownSubjects(byCode.html)).toEqual([entC.code]);
    await expectLoggedExactly(byCode, 'search by code');

    const first = await page(`/search?q=${encodeURIComponent('翻页测试')}`);
    expect(first.html).toContain('本页 20 个，下一页还有。');
    expect(items(first.html)).toBe(20);
    const next = nextLink(first.html);
    expect(next).toMatch(/^\/search\?q=.+&after=/);
    const second = await page(next!);
    expect(items(second.html)).toBe(3);
    expect(second.html).toContain('本页 3 个。');
    expect(nextLink(second.html)).toBeNull();
    expect(second.html).toContain('第一页');
    expect(new Set([...shownSubjects(first.html), ...shownSubjects(second.html)]).size).toBe(23);
    await expectLoggedExactly(second, 'search page 2');
  });

  it('WEB1: a query under 2 characters answers HTTP 400 with a page that says so, without asking the API; an empty one shows the search form', async () => {
    const short = await page(`/search?q=${encodeURIComponent('建')}`);
    expect(short.status).toBe(400);
    expect(short.html).toContain('查询内容过短');
    const rows = await queryRows(database.db, sql`SELECT 1 FROM access_events WHERE request_id = ${short.requestId}`);
    expect(rows).toEqual([]);
    const empty = await page('/search?q=');
    expect(empty.status).toBe(200);
    expect(empty.html).toContain('<label for="q">');
  });

  it('WEB1: a subject page groups the public records with their publicity end dates and dispute marks', async () => {
    const subjectPage = await page(`/subjects/${entA.code}`);
    expect(subjectPage.status).toBe(200);
    expect(subjectPage.html).toContain('<h1>韶关市测试建材有限公司</h1>');
    const section = (slug: string) => {
      const start = subjectPage.html.indexOf(`<section id="${slug}"`);
      return subjectPage.html.slice(start, subjectPage.html.indexOf('</section>', start));
    };
    expect(section('licences')).toContain('最新的食品经营许可证');
    expect(section('penalties')).toContain('行政处罚：未按规定公示年度报告');
    expect(section('penalties')).toContain('行政处罚：销售不合格产品');
    expect(section('commitments')).toContain('信用承诺（告知承诺制）');
    expect(section('lists')).toContain('暂无公示信息');
    expect(section('honours')).toContain('暂无公示信息');
    // D1: a GENERAL penalty is public for one year, a SERIOUS one for three: its end date is shown (Asia/Shanghai)
    expect(section('penalties')).toMatch(/未按规定公示年度报告<span class="badge badge-dispute">存在异议<\/span><\/p>.*?公示截止<\/dt><dd>2027-05-25</);
    expect(section('penalties')).toMatch(/销售不合格产品<span class="badge badge-serious">严重<\/span><\/p>.*?公示截止<\/dt><dd>2029-05-10</);
    expect(section('penalties').match(/存在异议/g)).toHaveLength(1);
    expect(section('commitments')).toContain('公示截止</dt><dd>2027-04-01</dd>');
    await expectLoggedExactly(subjectPage, 'subject page');

    const lists = await page(`/subjects/${entB.code}`);
    expect(lists.html).toMatch(/<section id="lists"[^]*列入严重失信主体名单/);
    const honours = await page(`/subjects/${entC.code}`);
    expect(honours.html).toMatch(/<section id="honours"[^]*守合同重信用单位/);
  });

  it('WEB1: a group with more records than a section shows links to its own pages, 20 records a page', async () => {
    const overview = await page(`/subjects/${entE.code}`);
    expect(overview.html).toContain('href="?group=licences"');
    expect(overview.html).toContain('查看全部 22 条行政许可');
    const first = await page(`/subjects/${entE.code}?group=licences`);
    expect(first.status).toBe(200);
    expect(items(first.html)).toBe(20);
    const next = nextLink(first.html);
    expect(next).toMatch(/^\?group=licences&after=/);
    const second = await page(`/subjects/${entE.code}${next}`);
    expect(items(second.html)).toBe(2);
    expect(second.html).toContain('许可证第01号');
    await expectLoggedExactly(second, 'subject group page 2');
  });

  it('WEB1: list pages show the current entries, 20 a page, newest first', async () => {
    const serious = await page('/lists/serious-dishonesty');
    expect(serious.status).toBe(200);
    expect(serious.html).toContain('<h1>严重失信主体名单</h1>');
    expect(shownSubjects(serious.html)).toEqual([entB.code]);
    await expectLoggedExactly(serious, 'serious-dishonesty');
    const abnormal = await page('/lists/abnormal-operations');
    expect(shownSubjects(abnormal.html)).toEqual([entC.code]);
    const honours = await page('/lists/honours');
    expect(honours.html).toContain('守合同重信用单位');
    await expectLoggedExactly(honours, 'honours');
    const licences = await page('/lists/licences');
    expect(items(licences.html)).toBe(20);
    const second = await page(nextLink(licences.html)!);
    expect(items(second.html)).toBe(3); // 23 public licences: entA's newest, entE's 22
    expect(second.html).toContain('第一页');
    await expectLoggedExactly(second, 'licences page 2');
  });

  it('P3, WEB1: an individual appears on a list masked and not linked; its own page is masked and shows only what D5 allows', async () => {
    const debtors = await page('/lists/dishonest-debtors');
    expect(debtors.html).toContain(maskResidentId(adult.code));
    expect(debtors.html).toContain(maskPersonName(adult.name));
    expect(debtors.html).not.toContain(adult.code);
    expect(debtors.html).not.toContain(adult.name);
    expect(debtors.html).not.toMatch(/href="[^"]*\*/); // never a link to a masked code
    expect(debtors.html).toContain(`<span class="subject-name">${maskPersonName(adult.name)}</span>`);
    await expectLoggedExactly(debtors, 'dishonest-debtors');

    const own = await page(`/subjects/${adult.code}`);
    expect(own.status).toBe(200);
    expect(own.html).toContain(`<h1>${maskPersonName(adult.name)}</h1>`);
    expect(own.html).toContain('失信被执行人（自然人）');
    expect(own.html.toUpperCase()).not.toContain(adult.code);
    expect(own.html).toContain('<meta name="robots" content="noindex"/>');
    await expectLoggedExactly(own, 'individual page');
  });

  it('D5, WEB1: a minor is shown nowhere — not on a list, not by its code, not by its name', async () => {
    for (const path of ['/', '/lists/dishonest-debtors', `/search?q=${encodeURIComponent(minor.name)}`]) {
      const fetched = await page(path);
      expect(fetched.html, path).not.toContain(maskResidentId(minor.code));
      expect(fetched.html, path).not.toContain(maskPersonName(minor.name));
    }
    const own = await page(`/subjects/${minor.code}`);
    expect(own.status).toBe(404);
    expect(own.html).toContain('未找到该信用主体');
    expect(own.html).not.toContain(maskResidentId(minor.code));
  });

  it('P4, WEB1: the search box never finds an individual, not even by its full code, and never echoes an identity number typed into it', async () => {
    for (const query of [adult.code, adult.code.toLowerCase(), `王小五 ${adult.code}`, adult.name]) {
      const fetched = await page(`/search?q=${encodeURIComponent(query)}`);
      expect(fetched.status, query).toBe(200);
      expect(fetched.html, query).toContain('没有找到相关的信用主体');
      expect(fetched.html.toUpperCase(), query).not.toContain(adult.code);
      expect(fetched.html, query).not.toContain(maskPersonName(adult.name));
    }
    const typed = await page(`/search?q=${adult.code}`);
    expect(typed.html).toContain(`“${maskResidentId(adult.code)}”`);
    expect(typed.html).not.toMatch(/<input id="q"[^>]*value=/); // the search field is not refilled with it
  });

  it('WEB1: unknown codes, invalid codes and unknown paths get a 404 page in Chinese', async () => {
    const mistyped = `${adult.code.slice(0, 17)}${adult.code.endsWith('1') ? '2' : '1'}`; // an identity number failing its checksum
    for (const path of ['/subjects/91110000600037341L', '/subjects/91110000600037341N', `/subjects/${mistyped}`]) {
      const fetched = await page(path);
      expect(fetched.status, path).toBe(404);
      expect(fetched.html, path).toContain('未找到该信用主体');
      expect(fetched.html, path).not.toContain(path.slice('/subjects/'.length));
    }
    for (const path of ['/nope', '/lists/unknown', '/subjects/', '/subjects/a/b', `/subjects/${entA.code}?group=unknown`, '/assets/other.css']) {
      const fetched = await page(path);
      expect(fetched.status, path).toBe(404);
      expect(fetched.html, path).toContain('页面不存在');
    }
    const tampered = await page('/lists/honours?after=not-a-cursor');
    expect(tampered.status).toBe(400);
    expect(tampered.html).toContain('翻页参数无效');
  });

  it('WEB3: the stylesheet is served from this host with a content version in its URL and a long cache; pages are never cached', async () => {
    const home = await page('/');
    expect(home.headers.get('cache-control')).toBe('no-store');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    const href = /<link rel="stylesheet" href="(\/assets\/site\.css\?v=[0-9a-f]{16})"\/>/.exec(home.html)?.[1];
    expect(href).toBeTruthy();
    const css = await fetch(`${base}${href}`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const text = await css.text();
    expect(text).toContain('@media print');
    expect(text).not.toMatch(/url\(|@import|@font-face/);
    expect((await fetch(`${base}/assets/site.css?v=old`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
    // the gateway's own paths are not the site's
    expect((await fetch(`${base}/healthz`)).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('WEB2, H1: in production (TRUSTED_DOCUMENTS=public) every page works by hash, and a document off the list is refused PERSISTED_ONLY', async () => {
    const production = await startTestGateway(database, { now: NOW, site: true, production: true, trustedDocuments: 'public', trustedDocumentsFile: SHIPPED_MANIFEST });
    const at = production.url.replace(/\/graphql$/, '');
    try {
      for (const path of ['/', `/search?q=${encodeURIComponent('测试建材')}`, `/subjects/${entA.code}`, `/subjects/${entE.code}?group=licences`,
        `/subjects/${adult.code}`, '/lists/serious-dishonesty', '/lists/dishonest-debtors', '/lists/abnormal-operations', '/lists/honours']) {
        const fetched = await page(path, at);
        expect(fetched.status, path).toBe(200);
        await expectLoggedExactly(fetched, `production ${path}`);
      }
      const refused = await production.request('query Mine { publicNotices(types: ["license"]) { edges { node { record { title } } } } }');
      expect(refused.status).toBe(403);
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', reason: 'PERSISTED_ONLY' });
    } finally {
      await production.close();
    }
  });

  it('WEB2, §11: the public rate limit keys on the visitor the site forwards — not on the site, and not on what a local client claims', async () => {
    const limited = await startTestGateway(database, { now: NOW, site: true, trustProxy: true, limits: { ratePerSecond: 1, rateBurst: 2 }, trustedDocumentsFile: SHIPPED_MANIFEST });
    const at = limited.url.replace(/\/graphql$/, '');
    const visit = (visitor: string) => fetch(`${at}/lists/honours`, { headers: { 'x-forwarded-for': visitor } });
    try {
      expect([(await visit('10.0.0.1')).status, (await visit('10.0.0.1')).status]).toEqual([200, 200]);
      const third = await visit('10.0.0.1');
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await third.text()).toContain('访问过于频繁');
      expect((await visit('10.0.0.2')).status).toBe(200);
    } finally {
      await limited.close();
    }
    // without TRUST_PROXY only the site's own calls (loopback, with its key) are believed: a local client is not
    const direct = await startTestGateway(database, { now: NOW, site: true, limits: { ratePerSecond: 1, rateBurst: 2 }, trustedDocumentsFile: SHIPPED_MANIFEST });
    try {
      const post = (forwarded: string) => fetch(direct.url, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwarded, 'x-site-key': 'guessed' }, body: '{"query":"{ __typename }"}',
      }).then((r) => r.status);
      expect([await post('10.0.0.3'), await post('10.0.0.4'), await post('10.0.0.5')]).toEqual([200, 200, 429]);
    } finally {
      await direct.close();
    }
  });

  it('WEB1: when the API cannot answer, the page says so in Chinese — no stack trace, no SQL, no error text', async () => {
    const orphan = await startTestGateway(database, { now: NOW, site: true, siteApiUrl: 'http://127.0.0.1:9/graphql', trustedDocumentsFile: SHIPPED_MANIFEST });
    try {
      const fetched = await page('/', orphan.url.replace(/\/graphql$/, ''));
      expect(fetched.status).toBe(503);
      expect(fetched.html).toContain('服务暂时不可用');
      expect(fetched.html).not.toMatch(/Error|ECONNREFUSED|fetch failed|\bat \w|SELECT|stack/i);
    } finally {
      await orphan.close();
    }
  });
});
