import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase, type TestDatabaseKind } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** SPEC O6: CORS_ORIGINS lets the listed browser origins call /graphql; nothing else gets CORS headers. */
const ALLOWED = 'https://portal.credit.example.gov.cn';
const ALSO_ALLOWED = 'http://localhost:5173';
const OTHER = 'https://evil.example.com';

function preflight(url: string, origin: string, method = 'POST', headers = 'content-type, authorization') {
  return fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });
}

function post(url: string, headers: Record<string, string>) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ __typename }' }) });
}

function corsHeaders(response: Response): string[] {
  return [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
}

describe.each(testDatabaseKinds())('O6 CORS on %s', (kind: TestDatabaseKind) => {
  let database: TestDatabase;
  let withOrigins: TestGateway;
  let byDefault: TestGateway;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    withOrigins = await startTestGateway(database, { corsOrigins: [ALLOWED, ALSO_ALLOWED] });
    byDefault = await startTestGateway(database);
  });

  afterAll(async () => {
    await withOrigins?.close();
    await byDefault?.close();
    await database?.close();
  });

  describe('an allowed origin', () => {
    it('O6: a preflight succeeds (204) for GET and POST with content-type and authorization, without credentials', async () => {
      for (const origin of [ALLOWED, ALSO_ALLOWED]) {
        const response = await preflight(withOrigins.url, origin);
        expect(response.status).toBe(204);
        expect(response.headers.get('access-control-allow-origin')).toBe(origin);
        expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
        expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toBe('content-type,authorization');
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
        expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
        expect(await response.text()).toBe('');
      }
    });

    it('O6: the actual request carries Access-Control-Allow-Origin and Vary: Origin, and still answers', async () => {
      const response = await post(withOrigins.url, { origin: ALLOWED });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
      const get = await fetch(`${withOrigins.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: ALLOWED } });
      expect(get.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    });

    it('O6: a refusal (401 for a bad token) is readable by the allowed origin too', async () => {
      const response = await post(withOrigins.url, { origin: ALLOWED, authorization: 'Bearer not-a-token' });
      expect(response.status).toBe(401);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('an origin not on the list', () => {
    it('O6: gets no Access-Control-Allow-Origin, on the preflight or the request', async () => {
      const pre = await preflight(withOrigins.url, OTHER);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const response = await post(withOrigins.url, { origin: OTHER });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      // near misses are not matches
      for (const origin of [`${ALLOWED}.evil.example.com`, ALLOWED.replace('https:', 'http:'), `${ALLOWED}:8443`, 'null']) {
        expect((await post(withOrigins.url, { origin })).headers.get('access-control-allow-origin'), origin).toBeNull();
      }
    });

    it('O6: other paths get no CORS headers', async () => {
      const response = await fetch(withOrigins.url.replace(/\/graphql$/, '/healthz'), { headers: { origin: ALLOWED } });
      expect(corsHeaders(response)).toEqual([]);
    });
  });

  describe('by default (no CORS_ORIGINS)', () => {
    it('O6: no CORS header at all, and an OPTIONS stays 405', async () => {
      const response = await post(byDefault.url, { origin: ALLOWED });
      expect(response.status).toBe(200);
      expect(corsHeaders(response)).toEqual([]);
      expect(response.headers.get('vary') ?? '').not.toMatch(/Origin/);
      const pre = await preflight(byDefault.url, ALLOWED);
      expect(pre.status).toBe(405);
      expect(corsHeaders(pre)).toEqual([]);
    });
  });
});
