import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSiteDocumentIds } from '../../src/web/manifest.js';
import { LISTS } from '../../src/web/groups.js';
import { PAGE_SIZE, SECTION_SIZE } from '../../src/web/site.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { seedSiteData, SITE_NOW, type SiteCast } from '../support/site-data.js';

/**
 * WEB2 / §11: a page of the public website costs the database what its GraphQL operation costs, and at most one
 * SQL statement per section of the page more. Each page is fetched, then its operation (the site's trusted
 * document, sent by hash with the variables the site sends) is called directly, and the statements of each are
 * counted (TestDatabase.statements). Pages that need no data (a too-short query, an unknown path) run none.
 * `npm run bench:site` measures the same on the quick city data set, beside throughput and page size.
 */
interface PageCase {
  name: string;
  path: string;
  /** the sections the page shows data in */
  sections: number;
  operation?: { name: string; variables: Record<string, unknown> };
}

describe.each(testDatabaseKinds())('WEB2 website statements on %s', (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  let origin: string;
  let cast: SiteCast;
  const ids = readSiteDocumentIds();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    cast = await seedSiteData(database.db);
    gw = await startTestGateway(database, {
      now: SITE_NOW, site: true, trustedDocuments: 'public',
      trustedDocumentsFile: fileURLToPath(new URL('../../schema/trusted-documents.json', import.meta.url)),
    });
    origin = new URL(gw.url).origin;
  });

  afterAll(async () => {
    await gw?.close();
    await database?.close();
  });

  function cases(): PageCase[] {
    const code = cast.danxia.code;
    return [
      { name: 'home', path: '/', sections: 2, operation: { name: 'HomeNotices', variables: { first: SECTION_SIZE } } },
      { name: 'search', path: `/search?q=${encodeURIComponent('建材')}`, sections: 1, operation: { name: 'SearchSubjects', variables: { query: '建材', first: PAGE_SIZE, after: null } } },
      { name: 'search-too-short', path: `/search?q=${encodeURIComponent('材')}`, sections: 0 },
      { name: 'subject', path: `/subjects/${code}`, sections: 6, operation: { name: 'SubjectPage', variables: { code, first: SECTION_SIZE } } },
      { name: 'subject-individual', path: `/subjects/${cast.adult.code}`, sections: 6, operation: { name: 'SubjectPage', variables: { code: cast.adult.code, first: SECTION_SIZE } } },
      {
        name: 'subject-group', path: `/subjects/${code}?group=licences`, sections: 1,
        operation: { name: 'SubjectRecords', variables: { code, types: ['license'], first: PAGE_SIZE, after: null } },
      },
      ...LISTS.map((list) => ({
        name: `list ${list.slug}`, path: `/lists/${list.slug}`, sections: 1,
        operation: { name: 'ListPage', variables: { types: list.types, first: PAGE_SIZE, after: null } },
      })),
      { name: 'not-found', path: '/no-such-page', sections: 0 },
    ];
  }

  async function pageStatements(path: string): Promise<{ status: number; statements: number }> {
    database.resetStatements();
    const response = await fetch(`${origin}${path}`);
    await response.text();
    return { status: response.status, statements: database.statements.length };
  }

  async function operationStatements(name: string, variables: Record<string, unknown>): Promise<number> {
    database.resetStatements();
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: ids.get(name) } } }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    expect(body.errors, name).toBeUndefined();
    return database.statements.length;
  }

  it('WEB2: every page runs at most one SQL statement per section more than its GraphQL operation', async () => {
    const lines: string[] = [];
    for (const page of cases()) {
      const shown = await pageStatements(page.path);
      expect(shown.status, page.name).toBe(page.name === 'search-too-short' ? 400 : page.name === 'not-found' ? 404 : 200);
      const direct = page.operation ? await operationStatements(page.operation.name, page.operation.variables) : 0;
      lines.push(`${page.name}: page ${shown.statements}, ${page.operation?.name ?? 'no operation'} ${direct}, ${page.sections} section(s)`);
      expect(shown.statements, page.name).toBeLessThanOrEqual(direct + page.sections);
      if (!page.operation) expect(shown.statements, page.name).toBe(0);
    }
    console.info(`WEB2 statements (${kind}):\n  ${lines.join('\n  ')}`);
  });
});
