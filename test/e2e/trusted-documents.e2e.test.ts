import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createOrganization } from '../support/factories.js';
import { tokens } from '../support/tokens.js';
import { loadConfig } from '../../src/config/config.js';
import { sha256Hex } from '../../src/http/trusted-documents.js';

/**
 * SPEC H1: in production the public may run only allow-listed documents, sent by SHA-256 hash; any other public
 * document is refused (FORBIDDEN, PERSISTED_ONLY) before it is parsed. TRUSTED_DOCUMENTS=public|all|off.
 */
const CATALOG = 'query Catalog { catalog { code } }';
const ME = 'query Me { me { role } }';
const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } });

describe.each(testDatabaseKinds())('H1 trusted documents on %s', (kind) => {
  let database: TestDatabase;
  let dir: string;
  let manifest: string;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    dir = await mkdtemp(path.join(tmpdir(), 'cqg-trusted-'));
    manifest = path.join(dir, 'trusted-documents.json');
    await writeFile(manifest, JSON.stringify({
      format: 'apollo-persisted-query-manifest', version: 1,
      operations: [CATALOG, ME].map((body) => ({ id: sha256Hex(body), name: body.split(' ')[1], type: 'query', body })),
    }));
  });

  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function gateway(mode: 'public' | 'all' | 'off'): Promise<TestGateway> {
    const gw = await startTestGateway(database, { production: true, trustedDocuments: mode, trustedDocumentsFile: manifest });
    gateways.push(gw);
    return gw;
  }

  const post = (gw: TestGateway, body: unknown, token?: string) => fetch(gw.url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() as { data?: Record<string, unknown>; errors?: { extensions: Record<string, unknown> }[] } }));

  it('H1: the public runs an allow-listed document by its hash alone (POST and GET)', async () => {
    const gw = await gateway('public');
    const byHash = await post(gw, { extensions: persisted(CATALOG) });
    expect(byHash.status).toBe(200);
    expect((byHash.body.data?.catalog as unknown[]).length).toBe(17);
    const get = await fetch(`${gw.url}?extensions=${encodeURIComponent(JSON.stringify(persisted(CATALOG)))}`);
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: { catalog: unknown[] } }).data.catalog).toHaveLength(17);
    const withText = await post(gw, { query: CATALOG, extensions: persisted(CATALOG) });
    expect(withText.status).toBe(200);
  });

  it('H1: any other public document is refused FORBIDDEN / PERSISTED_ONLY before it is parsed — ad hoc text, allow-listed text without its hash, an unknown hash, even unparsable text', async () => {
    const gw = await gateway('public');
    for (const body of [
      { query: '{ catalog { code } }' },
      { query: CATALOG },
      { query: '{ catalog { code } }', extensions: persisted('{ catalog { code } }') }, // an attempt to register a document
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } },
      { query: '{ this is not graphql' },
    ]) {
      const refused = await post(gw, body);
      expect(refused.status, JSON.stringify(body)).toBe(403);
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', reason: 'PERSISTED_ONLY' });
      expect(refused.body.data).toBeUndefined();
    }
    // the attempted registration did not add anything: the hash is still unknown
    expect((await post(gw, { extensions: persisted('{ catalog { code } }') })).status).toBe(403);
  });

  it('H1: a hash that names another document than the text sent is refused', async () => {
    const gw = await gateway('public');
    const mismatch = await post(gw, { query: ME, extensions: persisted(CATALOG) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_MISMATCH' });
  });

  it('H1: callers with tokens may send documents as usual under TRUSTED_DOCUMENTS=public, not under all; off binds nobody', async () => {
    const dept = await createOrganization(database.db, 'DEPARTMENT');
    const token = tokens.department(dept);
    const publicMode = await gateway('public');
    expect((await post(publicMode, { query: '{ me { role } }' }, token)).status).toBe(200);
    expect((await post(publicMode, { extensions: persisted(ME) }, token)).body.data).toEqual({ me: { role: 'department' } });
    const all = await gateway('all');
    const refused = await post(all, { query: '{ me { role } }' }, token);
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.extensions?.reason).toBe('PERSISTED_ONLY');
    expect((await post(all, { extensions: persisted(ME) }, token)).status).toBe(200);
    const off = await gateway('off');
    expect((await post(off, { query: '{ catalog { code } }' })).status).toBe(200);
  });

  it('H1: a manifest whose id is not the SHA-256 of its body stops the start', async () => {
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'a'.repeat(64), name: 'X', type: 'query', body: CATALOG }] }));
    await expect(startTestGateway(database, { production: true, trustedDocuments: 'public', trustedDocumentsFile: broken })).rejects.toThrow(/not the SHA-256 of its body/);
  });

  it('H1: a missing allow-list stops the start when the list binds anyone (it would refuse every public document silently)', async () => {
    await expect(startTestGateway(database, { production: true, trustedDocuments: 'public', trustedDocumentsFile: path.join(dir, 'missing.json') }))
      .rejects.toThrow(/does not exist/);
    const off = await startTestGateway(database, { trustedDocuments: 'off', trustedDocumentsFile: path.join(dir, 'missing.json') });
    gateways.push(off);
  });

  it('H1: TRUSTED_DOCUMENTS defaults to public in production and off otherwise; other values are refused', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).trustedDocuments).toBe('public');
    expect(loadConfig({}).trustedDocuments).toBe('off');
    expect(loadConfig({ TRUSTED_DOCUMENTS: 'all' }).trustedDocuments).toBe('all');
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: 'some' })).toThrow(/TRUSTED_DOCUMENTS/);
  });
});
