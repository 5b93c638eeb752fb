import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { getDistDirectory } from 'altair-static';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase, type TestDatabaseKind } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { IDE_BASE, prefersHtml, resolveAsset } from '../../src/http/ide.js';

/** SPEC O6: the offline GraphQL IDE (Altair) on GET /graphql for browsers, every asset served by the gateway. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

const EXPECTED_TYPES: Record<string, RegExp> = {
  '.js': /^text\/javascript; charset=utf-8$/,
  '.css': /^text\/css; charset=utf-8$/,
  '.json': /^application\/json; charset=utf-8$/,
  '.svg': /^image\/svg\+xml$/,
  '.png': /^image\/png$/,
  '.ico': /^image\/x-icon$/,
  '.woff2': /^font\/woff2$/,
  '.woff': /^font\/woff$/,
  '.html': /^text\/html; charset=utf-8$/,
};

/** A GET whose path is sent exactly as written (fetch would resolve `..` and `%2e%2e` before sending). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** src/href attributes of the page, and url()/@import references of a stylesheet. */
function htmlReferences(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
}
function cssReferences(css: string): string[] {
  const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/gi)].map((m) => m[1]!);
  const imports = [...css.matchAll(/@import\s+["']([^"']+)["']/gi)].map((m) => m[1]!);
  return [...urls, ...imports];
}

/** A reference another host would serve: an absolute or protocol-relative URL (data: URIs stay in the page). */
function isForeign(reference: string, origin: string): boolean {
  if (/^data:/i.test(reference) || reference.startsWith('#')) return false;
  if (!/^[a-z][a-z0-9+.-]*:|^\/\//i.test(reference)) return false;
  return new URL(reference, origin).origin !== origin;
}

/** Every chunk-*.js / worker-*.js file a script of the build imports (`import("./chunk-…")`, `new URL("worker-…")`). */
function chunkReferences(js: string): string[] {
  return [...js.matchAll(/["'`](?:\.\/)?((?:chunk|worker)-[A-Za-z0-9_]+\.js)["'`]/g)].map((m) => m[1]!);
}

describe('O6: what counts as a browser asking for the IDE', () => {
  it('O6: a browser navigation prefers text/html; curl, fetch and GraphQL clients do not', () => {
    expect(prefersHtml(BROWSER_ACCEPT)).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/graphql-response+json, application/json;q=0.9')).toBe(false);
    expect(prefersHtml('application/json, text/html;q=0.5')).toBe(false);
    expect(prefersHtml('text/html;q=0, */*')).toBe(false);
  });

  it('O6: asset paths never leave the Altair build (.., encoded, backslash, NUL)', () => {
    const dist = path.resolve(getDistDirectory());
    expect(resolveAsset(`${IDE_BASE}main.js`)).toBe(path.join(dist, 'main.js'));
    expect(resolveAsset(`${IDE_BASE}iframe-sandbox/index.html`)).toBe(path.join(dist, 'iframe-sandbox', 'index.html'));
    for (const attempt of ['../package.json', '..%2fpackage.json', '%2e%2e%2fpackage.json', '%2E%2E/package.json', 'assets/../../package.json',
      'assets%2f..%2f..%2fpackage.json', '..%5cpackage.json', 'assets\\..\\..\\package.json', 'main.js%00.png', '%2fetc%2fpasswd', '/etc/passwd',
      '', 'assets/', './main.js', '%E0%A4%A']) {
      expect(resolveAsset(`${IDE_BASE}${attempt}`), attempt).toBeNull();
    }
  });
});

describe.each(testDatabaseKinds())('O6 IDE over HTTP on %s', (kind: TestDatabaseKind) => {
  let database: TestDatabase;
  let development: TestGateway;
  let production: TestGateway;
  let productionWithIde: TestGateway;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    development = await startTestGateway(database);
    production = await startTestGateway(database, { production: true });
    productionWithIde = await startTestGateway(database, { production: true, graphqlIde: true });
  });

  afterAll(async () => {
    await development?.close();
    await production?.close();
    await productionWithIde?.close();
    await database?.close();
  });

  const openIde = (gw: TestGateway) => fetch(gw.url, { headers: { accept: BROWSER_ACCEPT } });

  it('O6: a browser opening /graphql in development gets Altair, pointed at /graphql with a bearer token field', async () => {
    const response = await openIde(development);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    const html = await response.text();
    expect(html).toContain('AltairGraphQL.init(');
    expect(html).toContain(`<base href="${IDE_BASE}">`);
    expect(html).toContain('endpointURL: `/graphql`');
    expect(html).toMatch(/initialAuthorization: \{\s*type: `bearer`/);
    expect(html).toContain('disableAccount: true');
    expect(html).toMatch(/'plugin\.list': \[\]/);
    // the nonce is fresh for every page
    const nonce = csp.match(/'nonce-([^']+)'/)![1]!;
    expect(html).toContain(`nonce="${nonce}"`);
    const again = (await openIde(development)).headers.get('content-security-policy');
    expect(again).not.toContain(nonce);
  });

  it('O6: every asset the page references, and every chunk the scripts import, is served here with its content type', async () => {
    const origin = new URL(development.url).origin;
    const base = new URL(IDE_BASE, origin);
    const html = await (await openIde(development)).text();
    // <base href> is where the references resolve from, not an asset
    const queue = htmlReferences(html.replace(/<base [^>]*>/, '')).map((ref) => new URL(ref, base));
    const seen = new Set<string>();
    let chunks = 0;
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url.href)) continue;
      seen.add(url.href);
      expect(url.origin, url.href).toBe(origin);
      const response = await fetch(url);
      expect(response.status, url.href).toBe(200);
      const ext = path.extname(url.pathname);
      expect(response.headers.get('content-type'), url.href).toMatch(EXPECTED_TYPES[ext] ?? /^$/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const body = await response.text();
      if (ext === '.css') queue.push(...cssReferences(body).filter((r) => !r.startsWith('data:')).map((ref) => new URL(ref, url)));
      if (ext === '.js') {
        for (const chunk of chunkReferences(body)) queue.push(new URL(chunk, url));
        if (/\/(chunk|worker)-/.test(url.pathname)) {
          chunks += 1;
          expect(response.headers.get('cache-control'), url.href).toBe('public, max-age=31536000, immutable');
        }
      }
    }
    // the build's own list: every chunk on disk was reached from the page
    const onDisk = readdirSync(getDistDirectory()).filter((f) => /^(chunk|worker)-.*\.js$/.test(f));
    expect(chunks).toBeGreaterThan(10);
    for (const file of onDisk) expect(seen.has(new URL(file, base).href), file).toBe(true);
  });

  it('O6: the page and its stylesheets reference no other host (src, href, url(), @import)', async () => {
    const origin = new URL(development.url).origin;
    const html = await (await openIde(development)).text();
    const references = htmlReferences(html);
    const css = readdirSync(getDistDirectory(), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.css'));
    expect(css.length).toBeGreaterThan(0);
    for (const file of css) references.push(...cssReferences(readFileSync(path.join(getDistDirectory(), file), 'utf8')));
    expect(references.length).toBeGreaterThan(10);
    expect(references.filter((ref) => isForeign(ref, origin))).toEqual([]);
  });

  it('O6: the frame that runs pre-request scripts is served here too, under a policy that reaches no other host', async () => {
    const frame = new URL(`${IDE_BASE}iframe-sandbox/index.html`, development.url);
    const response = await fetch(frame);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await response.text();
    const assets = [...html.matchAll(/<(?:script|link rel="stylesheet")[^>]*\s(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, frame));
    expect(assets.length).toBe(2);
    for (const asset of assets) {
      const loaded = await fetch(asset);
      expect(loaded.status, asset.href).toBe(200);
      expect(loaded.headers.get('content-type'), asset.href).toMatch(EXPECTED_TYPES[path.extname(asset.pathname)]!);
    }
    // Altair finds its local frame by this file; without it it would use sandbox.altairgraphql.dev
    expect((await fetch(new URL(`${IDE_BASE}iframe-sandbox/sandbox.png`, development.url))).headers.get('content-type')).toBe('image/png');
  });

  it('O6: unhashed files are revalidated (ETag, 304); hashed chunks are cached for a year', async () => {
    const main = await fetch(new URL(`${IDE_BASE}main.js`, development.url));
    expect(main.headers.get('cache-control')).toBe('no-cache');
    const etag = main.headers.get('etag');
    expect(etag).toBeTruthy();
    await main.arrayBuffer();
    const revalidated = await fetch(new URL(`${IDE_BASE}main.js`, development.url), { headers: { 'if-none-match': etag! } });
    expect(revalidated.status).toBe(304);
  });

  it('O6: asset requests cannot climb out of the IDE directory', async () => {
    for (const attempt of [`${IDE_BASE}../../package.json`, `${IDE_BASE}..%2f..%2fpackage.json`, `${IDE_BASE}%2e%2e/%2e%2e/package.json`,
      `${IDE_BASE}%2e%2e%2f%2e%2e%2fpackage.json`, `${IDE_BASE}..%5c..%5cpackage.json`, `${IDE_BASE}assets/%2e%2e/%2e%2e/%2e%2e/package.json`,
      `${IDE_BASE}..%252f..%252fpackage.json`, `${IDE_BASE}main.js%00`, `${IDE_BASE}%2fetc%2fpasswd`]) {
      const response = await rawGet(development.url, attempt);
      expect(response.status, attempt).toBe(404);
      expect(response.body, attempt).not.toMatch(/"name":\s*"(altair-static|credit-query-gateway)"|root:x:0/);
    }
    // a directory is not a file
    expect((await rawGet(development.url, `${IDE_BASE}assets`)).status).toBe(404);
  });

  it('O6: a GET with a query still answers JSON, even from a browser', async () => {
    const response = await fetch(`${development.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('O6: a GET without a query from a non-browser (curl, fetch) gets the usual 400 JSON error', async () => {
    const response = await fetch(development.url, { headers: { accept: '*/*' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('O6: off in production — a browser GET without a query gets the 400 JSON error, and no asset is served', async () => {
    const response = await openIde(production);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect((await fetch(new URL(`${IDE_BASE}main.js`, production.url))).status).toBe(404);
  });

  it('O6: GRAPHQL_IDE=1 turns the IDE on in production', async () => {
    const response = await openIde(productionWithIde);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('AltairGraphQL.init(');
    expect((await fetch(new URL(`${IDE_BASE}main.js`, productionWithIde.url))).status).toBe(200);
  });

  // the default depth limit (10) would refuse every IDE's introspection query (13–15 levels of ofType):
  // src/graphql/limits.ts measures __schema/__type apart from data depth (graphql-js bounds introspection itself)
  it('O6: the IDE can load the schema — the standard introspection query passes the default limits', async () => {
    const response = await development.request(getIntrospectionQuery());
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.__schema.queryType.name).toBe('Query');
  });
});
