import { spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { applyChanges } from '../../src/modules/exchange/apply.js';
import { pullFromPeer, PullFailed } from '../../src/modules/exchange/pull.js';
import type { ChangeJson } from '../../src/modules/exchange/change-json.js';
import { withdraw } from '../../src/modules/filing/filing.repository.js';
import { loadStaticReference, planRecords } from '../../src/modules/filing/filing.planner.js';
import { writeRecordBatch } from '../../src/modules/filing/filing.repository.js';
import { cursorPath, exportChanges, signaturePath } from '../../src/modules/exchange/export.js';
import { exchangeRejectsPath, importExchangeFile, ImportRefused } from '../../src/modules/exchange/file-import.js';
import { fileDigest, verifyDigest } from '../../src/modules/exchange/signature.js';
import { configureCursorSecret } from '../../src/modules/pagination.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '../support/db.js';
import { createOrganization, createSubject } from '../support/factories.js';
import { TEST_SECRET } from '../support/tokens.js';

/**
 * SPEC X4 (前置机 file drops) end to end on the file level: `exportChanges` writes the feed of one peer as NDJSON with
 * FILE.sig and FILE.cursor; `importExchangeFile` refuses anything whose signature does not verify with the key
 * registered for that peer — altered, truncated, signed by another key, or unsigned — before filing anything, and
 * resumes after being stopped (in process, and a real `exchange:import` process killed with SIGKILL) without losing
 * or doubling a change. City and province are two databases of the same kind.
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CITY = 'SG-CITY';
const PROVINCE = 'GD-PROVINCE';

const keyPair = () => generateKeyPairSync('ed25519');
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

describe.each(testDatabaseKinds())('X4 exchange files on %s', (kind) => {
  let city: TestDatabase;
  let province: TestDatabase;
  let dir: string;
  let dept: string;
  const cityKey = keyPair();
  const now = () => new Date('2026-06-01T04:00:00Z');

  beforeAll(async () => {
    configureCursorSecret(TEST_SECRET);
    city = await openTestDatabase(kind);
    province = await openTestDatabase(kind);
    dir = await mkdtemp(path.join(tmpdir(), 'cqg-exchange-'));
    dept = await createOrganization(city.db, 'DEPARTMENT');
    await createOrganization(city.db, 'PEER_PLATFORM', { code: PROVINCE, publicKey: pem(keyPair().publicKey) });
    await createOrganization(province.db, 'PEER_PLATFORM', { code: CITY, publicKey: pem(cityKey.publicKey) });
  });

  afterAll(async () => {
    await city?.close();
    await province?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `count` licences (and every 10th a penalty) for fresh subjects in the city, some corrected and withdrawn. */
  async function fileInCity(count: number): Promise<string[]> {
    const statics = await loadStaticReference(city.db);
    const filer = { orgCode: dept, role: 'department', actor: 'officer' };
    const subjects = await Promise.all(Array.from({ length: Math.ceil(count / 20) }, () => createSubject(city.db, dept, 'ENTERPRISE')));
    const rows = Array.from({ length: count }, (_, i) => ({
      subjectCode: subjects[i % subjects.length].code, type: 'license', sourceRef: `LIC-${Date.now()}-${i}-${Math.random()}`,
      title: `许可${i}`, decidedAt: new Date('2026-01-05T01:00:00Z'), disclosure: i % 7 === 0 ? 'SHARED' : null,
    }));
    const plan = await planRecords(city.db, filer, rows, now(), statics);
    expect(plan.errors).toEqual([]);
    await writeRecordBatch(city.db, dept, 'officer', plan.inserts, plan.updates, now());
    const ids = [...plan.ids.values()];
    const corrected = await planRecords(city.db, filer, rows.filter((_, i) => i % 5 === 0).map((r) => ({ ...r, title: `${r.title}（更正）` })), now(), statics);
    await writeRecordBatch(city.db, dept, 'officer', corrected.inserts, corrected.updates, now());
    for (const id of ids.filter((_, i) => i % 9 === 0)) await withdraw(city.db, id, '撤销', 'officer', now());
    return ids;
  }

  const exportTo = (file: string, after: string | null = null, signingKey = cityKey.privateKey) =>
    exportChanges({ db: city.db, peer: PROVINCE, after, out: file, signingKey, actor: 'export-test', now });

  async function provinceRecords(): Promise<{ origin_id: string; status: string; title: string }[]> {
    return queryRows(province.db, sql`SELECT origin_id, status, title FROM records
      WHERE origin_platform = ${CITY} AND origin_id ~ '^[0-9a-f-]{36}$' ORDER BY origin_id`); // the city's (not the synthetic race-* ones)
  }

  /** What the province must hold after applying everything the city exported: its shared records as they stand. */
  async function expectedInProvince(): Promise<{ origin_id: string; status: string; title: string }[]> {
    const rows = await queryRows<{ origin_id: string; status: string; title: string }>(city.db, sql`
      SELECT id::text AS origin_id, status, title FROM records WHERE disclosure IN ('PUBLIC', 'SHARED') ORDER BY id::text`);
    return rows;
  }

  it('X4: an export writes the feed as NDJSON with a valid signature and the cursor of the next export', async () => {
    await fileInCity(200);
    const file = path.join(dir, 'first.ndjson');
    const result = await exportTo(file);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(result.changes);
    const [{ total }] = await queryRows<{ total: number }>(city.db, sql`
      SELECT count(*)::int AS total FROM record_changes c JOIN records r ON r.id = c.record_id WHERE r.disclosure <> 'SUBJECT_ONLY'`);
    expect(result.changes).toBe(total);
    expect(Object.keys(lines[0]).sort()).toEqual(['at', 'kind', 'record', 'sequence', 'subjectCode', 'subjectKind', 'subjectName']);
    expect(new Set(lines.map((l) => l.kind))).toEqual(new Set(['FILED', 'VERSIONED', 'WITHDRAWN']));
    const signature = await readFile(signaturePath(file), 'utf8');
    expect(verifyDigest(await fileDigest(file), signature, pem(cityKey.publicKey))).toBe(true);
    expect((await readFile(cursorPath(file), 'utf8')).trim()).toBe(result.cursor);
    // X2: the export is a disclosure to the peer, one event per subject
    const events = await queryRows<{ subjects: number }>(city.db, sql`
      SELECT count(DISTINCT subject_code)::int AS subjects FROM access_events
      WHERE operation_name = 'exchange:export' AND org_code = ${PROVINCE} AND view = 'DEPARTMENT' AND purpose_kind = 'SUPERVISION'`);
    expect(events[0].subjects).toBe(new Set(lines.map((l) => l.subjectCode)).size);
    // the next export from that cursor holds exactly the changes made since
    const more = await fileInCity(20);
    const next = path.join(dir, 'next.ndjson');
    const second = await exportTo(next, result.cursor);
    const nextLines = (await readFile(next, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(second.changes).toBe(nextLines.length);
    expect(BigInt(nextLines[0].sequence)).toBeGreaterThan(BigInt(lines[lines.length - 1].sequence));
    expect(new Set(nextLines.filter((l) => l.kind === 'FILED').map((l) => l.record.id))).toEqual(new Set(more.filter((_, i) => i % 7 !== 0 || true)));
  });

  it('X4: an altered, truncated, unsigned or wrongly signed file is refused before anything is filed', async () => {
    const file = path.join(dir, 'whole.ndjson');
    await exportTo(file);
    const original = await readFile(file);
    const before = (await provinceRecords()).length;
    const attempt = async (name: string, content: Buffer, signature: string | null, reason: string) => {
      const target = path.join(dir, name);
      await writeFile(target, content);
      if (signature !== null) await writeFile(signaturePath(target), signature);
      await expect(importExchangeFile({ db: province.db, peer: CITY, file: target, actor: 't' })).rejects.toSatisfy(
        (error: unknown) => error instanceof ImportRefused && error.reason === reason,
      );
      expect((await provinceRecords()).length).toBe(before);
    };
    const signature = await readFile(signaturePath(file), 'utf8');
    const altered = Buffer.from(original);
    const at = altered.indexOf(Buffer.from('许可'));
    altered[at + 3] ^= 0x01;
    await attempt('altered.ndjson', altered, signature, 'BAD_SIGNATURE');
    const truncated = original.subarray(0, original.lastIndexOf(10, original.length - 2) + 1);
    await attempt('truncated.ndjson', truncated, signature, 'BAD_SIGNATURE');
    await attempt('unsigned.ndjson', original, null, 'SIGNATURE_MISSING');
    const other = path.join(dir, 'other-key.ndjson');
    await exportTo(other, null, keyPair().privateKey);
    await attempt('other-key.ndjson', await readFile(other), await readFile(signaturePath(other), 'utf8'), 'BAD_SIGNATURE');
    await expect(importExchangeFile({ db: province.db, peer: 'NO-SUCH-PEER', file, actor: 't' })).rejects.toSatisfy(
      (error: unknown) => error instanceof ImportRefused && error.reason === 'NOT_A_PEER',
    );
  });

  it('X4: what is filed is what the signature covered — rewriting the file in the drop directory during the import changes nothing', async () => {
    await fileInCity(60);
    const file = path.join(dir, 'swapped.ndjson');
    await exportTo(file);
    const original = await readFile(file);
    const forged = Buffer.from(original.toString('utf8').replaceAll('许可', '伪造'), 'utf8');
    expect(forged.length).toBe(original.length);
    let swapped = false;
    await province.db.execute(sql`DELETE FROM exchange_imports`);
    await importExchangeFile({
      db: province.db, peer: CITY, file, actor: 't', batchSize: 20, now,
      onProgress: () => {
        if (!swapped) {
          swapped = true;
          return writeFile(file, forged) as unknown as void; // same size, other bytes, unsigned
        }
      },
    });
    expect(swapped).toBe(true);
    const [{ n }] = await queryRows<{ n: number }>(province.db, sql`SELECT count(*)::int AS n FROM records WHERE title LIKE '伪造%'`);
    expect(n).toBe(0);
  });

  it('X3: two imports or pulls of one peer at once never leave an older version over a newer one', async () => {
    await fileInCity(3);
    const file = path.join(dir, 'race.ndjson');
    await exportTo(file);
    const template = JSON.parse((await readFile(file, 'utf8')).split('\n').find((l) => l.includes('"kind":"FILED"'))!) as ChangeJson;
    const statics = await loadStaticReference(province.db);
    const filer = { orgCode: CITY, role: 'exchange', actor: 'race' };
    for (let round = 0; round < 20; round += 1) {
      const id = `race-${round}-${Date.now()}`;
      const change = (sequence: number, kind: string, title: string, version: number): ChangeJson =>
        ({ ...template, sequence: String(sequence), kind, record: { ...template.record, id, title, version } });
      await applyChanges(province.db, filer, [change(1, 'FILED', 'v1', 1)], now(), statics);
      // change 5 (an older correction) and change 9 (the newer one) arrive through two consumers at the same time
      // (the newer one usually first: the older one must then find it applied, not write over it)
      const newer = applyChanges(province.db, filer, [change(9, 'VERSIONED', 'v3-new', 3)], now(), statics);
      await new Promise((resolve) => setTimeout(resolve, round % 3));
      await Promise.all([newer, applyChanges(province.db, filer, [change(5, 'VERSIONED', 'v2-old', 2)], now(), statics)]);
      const [row] = await queryRows<{ title: string; origin_sequence: string }>(province.db, sql`
        SELECT title, origin_sequence::text FROM records WHERE source_org = ${CITY} AND source_ref = ${id}`);
      expect(row, `round ${round}`).toEqual({ title: 'v3-new', origin_sequence: '9' });
    }
  });

  it('X3, R1: a record that arrives disputed (a FILED change carrying the flag) is disputed here too', async () => {
    const file = path.join(dir, 'disputed.ndjson');
    await exportTo(file);
    const template = JSON.parse((await readFile(file, 'utf8')).split('\n').find((l) => l.includes('"kind":"FILED"'))!) as ChangeJson;
    const id = `disputed-${Date.now()}`;
    const statics = await loadStaticReference(province.db);
    await applyChanges(province.db, { orgCode: CITY, role: 'exchange', actor: 't' }, [
      { ...template, sequence: '1', record: { ...template.record, id, disputed: true } },
    ], now(), statics);
    const [row] = await queryRows<{ disputed: boolean }>(province.db, sql`SELECT disputed FROM records WHERE source_org = ${CITY} AND source_ref = ${id}`);
    expect(row.disputed).toBe(true);
  });

  it('X3: a refused content change changes nothing — not even the dispute flag it carries', async () => {
    const file = path.join(dir, 'refused-flag.ndjson');
    await exportTo(file);
    const template = JSON.parse((await readFile(file, 'utf8')).split('\n').find((l) => l.includes('"kind":"FILED"'))!) as ChangeJson;
    const id = `refused-${Date.now()}`;
    const statics = await loadStaticReference(province.db);
    const filer = { orgCode: CITY, role: 'exchange', actor: 't' };
    await applyChanges(province.db, filer, [{ ...template, sequence: '1', record: { ...template.record, id, disputed: false } }], now(), statics);
    const other = await createSubject(province.db, await createOrganization(province.db, 'DEPARTMENT'), 'ENTERPRISE');
    // the same record id, but another subject: refused SOURCE_REF_CONFLICT
    const outcome = await applyChanges(province.db, filer, [{
      ...template, sequence: '2', kind: 'VERSIONED', subjectCode: other.code, subjectName: other.name,
      record: { ...template.record, id, title: 'moved', disputed: true, version: 2 },
    }], now(), statics);
    expect(outcome.rejected.map((r) => r.reason)).toEqual(['SOURCE_REF_CONFLICT']);
    const [row] = await queryRows<{ disputed: boolean; title: string }>(province.db, sql`SELECT disputed, title FROM records WHERE source_org = ${CITY} AND source_ref = ${id}`);
    expect(row).toEqual({ disputed: false, title: template.record.title });
  });

  it('X4: two imports of one file at once: one files it, the other files nothing twice — the rejects are not doubled', async () => {
    await fileInCity(60);
    const file = path.join(dir, 'twice.ndjson');
    await exportTo(file);
    // a malformed line after every fifth change gives every batch rejects to count (the file is signed again)
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const withBad = lines.flatMap((line, i) => (i % 5 === 4 ? [line, '{"not":"a change"}'] : [line]));
    const bad = withBad.length - lines.length;
    await writeFile(file, `${withBad.join('\n')}\n`);
    const { signDigest } = await import('../../src/modules/exchange/signature.js');
    await writeFile(signaturePath(file), signDigest(await fileDigest(file), cityKey.privateKey));
    await province.db.execute(sql`DELETE FROM exchange_imports`);
    // the second run starts once the first has committed its first batch: both then stand at the same checkpoint
    let second: Promise<unknown> | null = null;
    const first = importExchangeFile({
      db: province.db, peer: CITY, file, actor: 't', batchSize: 7, now,
      onProgress: () => {
        second ??= importExchangeFile({ db: province.db, peer: CITY, file, actor: 't', batchSize: 7, now });
      },
    });
    const runs = await Promise.allSettled([first, (async () => {
      while (!second) await new Promise((resolve) => setTimeout(resolve, 5));
      return second;
    })()]);
    for (const run of runs) {
      if (run.status === 'rejected') expect((run.reason as ImportRefused).reason, String(run.reason)).toBe('CONCURRENT_IMPORT');
    }
    // whatever was refused resumes; then the province holds everything once, and each bad line is rejected once
    await importExchangeFile({ db: province.db, peer: CITY, file, actor: 't', batchSize: 7, now });
    expect(await provinceRecords()).toEqual(await expectedInProvince());
    const rejects = (await readFile(exchangeRejectsPath(file), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(rejects.every((r) => r.reason === 'MALFORMED_CHANGE')).toBe(true);
    expect(new Set(rejects.map((r) => r.line)).size).toBe(rejects.length);
    expect(rejects).toHaveLength(bad);
  });

  it('X3: a pull refuses a peer that does not move forward (a repeated page, or a next page without changes)', async () => {
    const page = (sequence: string, hasNextPage: boolean) => new Response(JSON.stringify({ data: { recordChanges: {
      edges: sequence ? [{ node: { sequence, kind: 'UNDISPUTED', at: new Date().toISOString(), subjectCode: '91110000600037341L', subjectKind: 'ENTERPRISE', subjectName: 'x',
        record: { id: 'never-here', type: 'license', title: 't', decidedAt: '2026-01-05T01:00:00.000Z', disclosure: 'PUBLIC', status: 'ACTIVE', version: 1, disputed: false } } }] : [],
      pageInfo: { hasNextPage, endCursor: 'same-cursor' } } } }), { status: 200, headers: { 'content-type': 'application/json' } });
    for (const answers of [[page('5', true), page('5', true)], [page('', true)]]) {
      let call = 0;
      const fake = (async () => answers[Math.min(call++, answers.length - 1)]) as unknown as typeof fetch;
      await expect(pullFromPeer({
        db: province.db, peer: CITY, url: 'http://peer.invalid/graphql', token: 't', stateFile: path.join(dir, `pull-${Date.now()}.json`), actor: 't', fetch: fake,
      })).rejects.toBeInstanceOf(PullFailed);
    }
  });

  it('X4, X3: an import stopped after some batches resumes where it stopped; the province then holds every shared record once, with its origin', async () => {
    await fileInCity(300);
    const file = path.join(dir, 'resume.ndjson');
    const exported = await exportTo(file);
    await province.db.execute(sql`DELETE FROM exchange_imports`);
    let batches = 0;
    const stop = new Error('stopped');
    await expect(importExchangeFile({
      db: province.db, peer: CITY, file, actor: 't', batchSize: 97, now,
      onProgress: () => {
        batches += 1;
        if (batches === 3) throw stop;
      },
    })).rejects.toBe(stop);
    const [checkpoint] = await queryRows<{ next_line: number }>(province.db, sql`SELECT next_line FROM exchange_imports WHERE peer = ${CITY}`);
    expect(checkpoint.next_line).toBe(3 * 97 + 1);
    const result = await importExchangeFile({ db: province.db, peer: CITY, file, actor: 't', batchSize: 97, now });
    expect(result.resumedFromLine).toBe(3 * 97 + 1);
    expect(result.rejected).toBe(0);
    expect(result.lines).toBe(exported.changes);
    expect(await provinceRecords()).toEqual(await expectedInProvince());
    // importing the same file again changes nothing (a finished checkpoint), and so does a fresh run of it
    await province.db.execute(sql`DELETE FROM exchange_imports`);
    const again = await importExchangeFile({ db: province.db, peer: CITY, file, actor: 't', now });
    expect(again.applied).toBe(0);
    expect(await provinceRecords()).toEqual(await expectedInProvince());
    expect((await stat(exchangeRejectsPath(file))).size).toBe(0);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL)('X4 an exchange:import process killed mid-file', () => {
  it('X4: a real exchange:import killed with SIGKILL resumes on the next run; nothing is lost or filed twice', async () => {
    configureCursorSecret(TEST_SECRET);
    const city = await openTestDatabase('postgres');
    const province = await openTestDatabase('postgres');
    const dir = await mkdtemp(path.join(tmpdir(), 'cqg-exchange-kill-'));
    try {
      const cityKey = generateKeyPairSync('ed25519');
      const dept = await createOrganization(city.db, 'DEPARTMENT');
      await createOrganization(city.db, 'PEER_PLATFORM', { code: PROVINCE, publicKey: pem(generateKeyPairSync('ed25519').publicKey) });
      await createOrganization(province.db, 'PEER_PLATFORM', { code: CITY, publicKey: pem(cityKey.publicKey) });
      const statics = await loadStaticReference(city.db);
      const subjects = await Promise.all(Array.from({ length: 100 }, () => createSubject(city.db, dept, 'ENTERPRISE')));
      const rows = Array.from({ length: 6000 }, (_, i) => ({
        subjectCode: subjects[i % subjects.length].code, type: 'license', sourceRef: `K-${i}`, title: `许可${i}`, decidedAt: new Date('2026-01-05T01:00:00Z'),
      }));
      for (let i = 0; i < rows.length; i += 1000) {
        const plan = await planRecords(city.db, { orgCode: dept, role: 'department', actor: 'o' }, rows.slice(i, i + 1000), new Date(), statics);
        await writeRecordBatch(city.db, dept, 'o', plan.inserts, plan.updates, new Date());
      }
      const file = path.join(dir, 'kill.ndjson');
      await exportChanges({ db: city.db, peer: PROVINCE, after: null, out: file, signingKey: cityKey.privateKey, actor: 't' });
      const env = { ...process.env, DATABASE_URL: province.url!, JWT_SECRET: TEST_SECRET, SEED_DEMO: '0', LOG_LEVEL: 'silent' };
      const run = () => spawn(process.execPath, ['--import', 'tsx', 'src/modules/exchange/cli.ts', 'import', '--peer', CITY, '--file', file, '--batch', '200'], { cwd: REPO_ROOT, env });
      // first run: killed as soon as a few batches are checkpointed
      const first = run();
      await new Promise<void>((resolve) => {
        const timer = setInterval(async () => {
          const [checkpoint] = await queryRows<{ lines: number }>(province.db, sql`SELECT lines FROM exchange_imports`);
          if (checkpoint && checkpoint.lines >= 600) {
            clearInterval(timer);
            first.kill('SIGKILL');
            resolve();
          }
        }, 20);
        first.on('exit', () => {
          clearInterval(timer);
          resolve();
        });
      });
      const [{ lines: killedAt }] = await queryRows<{ lines: number }>(province.db, sql`SELECT lines FROM exchange_imports`);
      expect(killedAt).toBeLessThan(6000);
      const second = run();
      let out = '';
      second.stdout.on('data', (chunk) => (out += String(chunk)));
      const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
      expect(code).toBe(0);
      expect(out).toMatch(/^applied \d+, skipped \d+, rejected 0$/m);
      const [{ total, distinct }] = await queryRows<{ total: number; distinct: number }>(province.db, sql`
        SELECT count(*)::int AS total, count(DISTINCT origin_id)::int AS distinct FROM records WHERE origin_platform = ${CITY}`);
      expect(total).toBe(6000);
      expect(distinct).toBe(6000);
    } finally {
      await city.close();
      await province.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
