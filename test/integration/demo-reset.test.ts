import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Db } from '../../src/db/client.js';
import { demoResetCli, DemoResetRefused, resetDemo, type DemoResetOptions } from '../../src/db/demo-reset.js';
import { DEMO_CAST } from '../../src/db/seed/demo.js';
import { openTestDatabase, testDatabaseKinds } from '../support/db.js';

/** `npm run demo:reset` (issue 14): the demo starts over; anything that is not the demo's database is left alone. */
const NOW = new Date('2026-06-01T04:00:00Z');
const SUBJECTS = 30; // the cast and a few more: what is reset does not depend on the size

async function enterpriseName(db: Db): Promise<string | undefined> {
  const rows = (await db.execute(sql`SELECT name FROM subjects WHERE code = ${DEMO_CAST.enterprise}`)) as unknown as { rows: { name: string }[] };
  return rows.rows[0]?.name;
}

async function countOf(db: Db, table: 'organizations' | 'subjects'): Promise<number> {
  const rows = (await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))) as unknown as { rows: { n: number }[] };
  return Number(rows.rows[0]!.n);
}

describe('demo:reset on the embedded database (PGLITE_DIR)', () => {
  let root: string;
  const said: string[] = [];
  const options = (pgliteDir: string, extra: Partial<DemoResetOptions> = {}): DemoResetOptions =>
    ({ pgliteDir, yes: false, now: NOW, subjects: SUBJECTS, say: (line) => void said.push(line), ...extra });

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'demo-reset-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('seeds a directory that does not exist yet, then after a change starts over: the change is gone, the dev secret kept', async () => {
    const dir = path.join(root, 'data');
    const first = await resetDemo(options(dir));
    expect(first.subjects).toBe(SUBJECTS);
    expect(said.join('\n')).toContain(`No data directory at ${dir} yet`);

    const database = await openDatabase({ pgliteDir: dir });
    const organizations = await countOf(database.db, 'organizations');
    await database.db.execute(sql`UPDATE subjects SET name = '改过的名字' WHERE code = ${DEMO_CAST.enterprise}`);
    await database.db.execute(sql`INSERT INTO organizations (code, name, kind, status) VALUES ('SG-CULTURE', '韶关市文化广电旅游体育局', 'DEPARTMENT', 'ACTIVE')`);
    expect(await enterpriseName(database.db)).toBe('改过的名字');
    await database.close();
    await writeFile(path.join(dir, 'dev-jwt-secret'), 'a-development-secret-of-at-least-32-characters\n');

    said.length = 0;
    const second = await resetDemo(options(dir));
    expect(second.records).toBe(first.records);
    expect(said[0]).toBe(`Removed the PGlite data directory ${dir}.`);
    expect(said.join('\n')).toMatch(/Applied the migrations\.\nLoaded the demo data set: 30 subjects, \d+ records/);

    const reopened = await openDatabase({ pgliteDir: dir });
    try {
      expect(await enterpriseName(reopened.db)).toBe('韶关市丹霞建材有限公司');
      expect(await countOf(reopened.db, 'organizations')).toBe(organizations);
      expect(await countOf(reopened.db, 'subjects')).toBe(SUBJECTS);
    } finally {
      await reopened.close();
    }
    expect(await readFile(path.join(dir, 'dev-jwt-secret'), 'utf8')).toBe('a-development-secret-of-at-least-32-characters\n');
  });

  it('refuses a directory that is not a PGlite data directory, with one line, and leaves it alone', async () => {
    const dir = path.join(root, 'my-documents');
    await mkdir(dir);
    await writeFile(path.join(dir, 'thesis.txt'), 'irreplaceable');
    await expect(resetDemo(options(dir))).rejects.toThrow(DemoResetRefused);

    const out: string[] = [];
    const err: string[] = [];
    const code = await demoResetCli([], { PGLITE_DIR: dir }, (l) => void out.push(l), (l) => void err.push(l));
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([`demo:reset: refusing to remove ${dir}: it is not a PGlite data directory (no PG_VERSION, base/ and global/).`]);
    expect(await readFile(path.join(dir, 'thesis.txt'), 'utf8')).toBe('irreplaceable');
  });

  it('refuses a file, and a throw-away in-memory database', async () => {
    const file = path.join(root, 'a-file');
    await writeFile(file, 'x');
    await expect(resetDemo(options(file))).rejects.toThrow(/not a PGlite data directory/);
    expect((await stat(file)).isFile()).toBe(true);
    await expect(resetDemo(options('memory://'))).rejects.toThrow(/nothing to reset/);
  });

  it('refuses a PGlite directory a gateway has open (postmaster.pid), unless --yes', async () => {
    const dir = path.join(root, 'open');
    const database = await openDatabase({ pgliteDir: dir }); // what npm start holds while it runs
    try {
      await expect(resetDemo(options(dir))).rejects.toThrow(/a gateway has it open \(postmaster\.pid\); stop npm start first/);
    } finally {
      await database.close();
    }
    await writeFile(path.join(dir, 'postmaster.pid'), '-42\n'); // left behind by a gateway that was killed
    await expect(resetDemo(options(dir, { yes: true }))).resolves.toMatchObject({ subjects: SUBJECTS });
  });
});

describe('demo:reset with DATABASE_URL', () => {
  it('refuses without --yes, before connecting, with one line that names the database but no password', async () => {
    const err: string[] = [];
    const code = await demoResetCli([], { DATABASE_URL: 'postgres://gateway:s3cret@127.0.0.1:1/credit' }, () => undefined, (l) => void err.push(l));
    expect(code).toBe(1);
    expect(err).toEqual(['demo:reset: refusing to drop every table of 127.0.0.1:1/credit (DATABASE_URL) without --yes: npm run demo:reset -- --yes']);
  });

  it('refuses an unknown argument', async () => {
    const err: string[] = [];
    expect(await demoResetCli(['--force'], {}, () => undefined, (l) => void err.push(l))).toBe(1);
    expect(err).toEqual(['demo:reset: unknown argument --force (usage: npm run demo:reset [-- --yes])']);
  });

  it.skipIf(!testDatabaseKinds().includes('postgres'))('with --yes drops the schemas and loads the demo again (PostgreSQL)', async () => {
    const database = await openTestDatabase('postgres');
    try {
      const said: string[] = [];
      await resetDemo({ databaseUrl: database.url, pgliteDir: './.data', yes: true, now: NOW, subjects: SUBJECTS, say: (l) => void said.push(l) });
      await database.db.execute(sql`UPDATE subjects SET name = '改过的名字' WHERE code = ${DEMO_CAST.enterprise}`);
      await resetDemo({ databaseUrl: database.url, pgliteDir: './.data', yes: true, now: NOW, subjects: SUBJECTS, say: (l) => void said.push(l) });
      expect(said[0]).toMatch(/^Dropped the schemas public and drizzle of /);
      expect(await enterpriseName(database.db)).toBe('韶关市丹霞建材有限公司');
      expect(await countOf(database.db, 'subjects')).toBe(SUBJECTS);
    } finally {
      await database.close();
    }
  });
});
