import pg from 'pg';
import { CopyWriter, ShuffledRows } from './copy.js';
import { EVENT_COLUMNS, EVENT_DAYS, type EventGenerator, type EventRun } from './events.js';
import { KINDS, type CityPlan } from './plan.js';
import type { Rng } from './rng.js';
import { RECORD_COLUMNS, type RecordFactory } from './records.js';
import { SUBJECT_COLUMNS, type SubjectFactory } from './subjects.js';
import { DAY_MS, localDayOf } from './time.js';

/**
 * The bulk loads: subjects and their records streamed together into two COPY … FREEZE statements (each table
 * truncated in its loading transaction, so rows arrive frozen and all-visible: no VACUUM needed), then the access
 * log year by year. Also the small connection helpers the generator shares.
 */
export type Log = (line: string) => void;

export async function connect(url: string, settings: string[] = []): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const setting of ['SET synchronous_commit = off', ...settings]) await client.query(setting);
  return client;
}

export function adminUrl(url: string): string {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return admin.toString();
}

/** Runs statement groups on `width` connections at once (index builds). */
export async function inParallel(url: string, width: number, tasks: string[][], log: Log): Promise<void> {
  const queue = [...tasks];
  await Promise.all(Array.from({ length: width }, async () => {
    const client = await connect(url, ["SET maintenance_work_mem = '512MB'", 'SET max_parallel_maintenance_workers = 0']);
    try {
      for (let task = queue.shift(); task; task = queue.shift()) {
        const started = Date.now();
        for (const statement of task) await client.query(statement);
        log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${task[0]!.slice(0, 110)}`);
      }
    } finally {
      await client.end();
    }
  }));
}

/** Per-subject facts the later phases need, filled while the subjects are written. */
export interface SubjectIndex {
  codes: string[];
  active: Uint8Array;
  kinds: Record<string, number>;
}

/**
 * Records arrive at a real platform over years, so one subject's records lie on many heap pages. Loading subject
 * by subject would cluster them (and flatter every per-subject query), so rows are shuffled within windows of
 * this many records before they are written: memory stays bounded and a subject's records land on different pages.
 */
const SCATTER_WINDOW = 50_000;

export async function loadSubjectsAndRecords(
  url: string, plan: CityPlan, factory: SubjectFactory, recordFactory: RecordFactory, index: SubjectIndex, scatter: Rng, log: Log,
): Promise<void> {
  const subjectClient = await connect(url);
  const recordClient = await connect(url);
  let subjects: CopyWriter | null = null;
  let records: CopyWriter | null = null;
  try {
    for (const c of [subjectClient, recordClient]) await c.query('BEGIN');
    await subjectClient.query('TRUNCATE subjects');
    await recordClient.query('TRUNCATE records');
    subjects = CopyWriter.open(subjectClient, `COPY subjects (${SUBJECT_COLUMNS}) FROM STDIN WITH (FREEZE)`);
    const recordWriter = (records = CopyWriter.open(recordClient, `COPY records (${RECORD_COLUMNS}) FROM STDIN WITH (FREEZE)`));
    const window = new ShuffledRows(scatter.next);
    const pushRecord = (row: string) => window.push(row);
    const t0 = Date.now();
    let reported = t0;
    for (let i = 0; i < plan.subjects; i++) {
      const subject = factory.make(i, plan);
      index.codes[i] = subject.code;
      index.active[i] = subject.status === 'ACTIVE' ? 1 : 0;
      index.kinds[KINDS[subject.kind]!]!++;
      if (subjects.push(factory.row(subject))) await subjects.flush();
      recordFactory.writeSubject(subject, plan.count[i]!, plan.first[i]!, pushRecord);
      if (window.count >= SCATTER_WINDOW) await window.writeTo(recordWriter);
      if (Date.now() - reported > 10_000) {
        reported = Date.now();
        log(`  ${i + 1} subjects, ${recordWriter.rows} records (${Math.round(recordWriter.rows / ((reported - t0) / 1000))} records/s)`);
      }
    }
    await window.writeTo(recordWriter);
    await Promise.all([subjects.end(), recordWriter.end()]);
    await Promise.all([subjectClient.query('COMMIT'), recordClient.query('COMMIT')]);
    log(`  ${subjects.rows} subjects, ${recordWriter.rows} records`);
  } catch (error) {
    subjects?.destroy(error as Error);
    records?.destroy(error as Error);
    throw error;
  } finally {
    await subjectClient.end().catch(() => undefined);
    await recordClient.end().catch(() => undefined);
  }
}

/**
 * The access log, year by year: each yearly partition is dropped and recreated empty by the migration's own
 * ensure_access_event_partition inside its loading transaction, then filled with COPY FREEZE.
 */
export async function loadEvents(url: string, generator: EventGenerator, total: number, rangeFromUs: number, anchor: number, log: Log): Promise<EventRun> {
  const client = await connect(url);
  let writer: CopyWriter | null = null;
  let year = 0;
  let loaded = 0;
  const t0 = Date.now();
  let reported = t0;
  const finishYear = async () => {
    if (!writer) return;
    await writer.end();
    await client.query('COMMIT');
    loaded += writer.rows;
    log(`  access_events_y${year}: ${writer.rows} events`);
    writer = null;
  };
  const startYear = async (next: number) => {
    await finishYear();
    year = next;
    const partition = `access_events_y${year}`;
    await client.query('BEGIN');
    await client.query(`DROP TABLE IF EXISTS ${partition}`);
    await client.query('SELECT ensure_access_event_partition($1::int)', [year]);
    writer = CopyWriter.open(client, `COPY ${partition} (${EVENT_COLUMNS}) FROM STDIN WITH (FREEZE)`);
  };
  const flush = async (current: CopyWriter) => {
    await current.flush();
    if (Date.now() - reported > 10_000) {
      reported = Date.now();
      log(`  ${loaded + current.rows} events (${Math.round((loaded + current.rows) / ((reported - t0) / 1000))} events/s)`);
    }
  };
  // synchronous unless a flush or a new partition is due, so that 20 million rows do not each cost a promise
  const push = (row: string): Promise<void> | undefined => (writer!.push(row) ? flush(writer!) : undefined);
  try {
    const firstYear = new Date((localDayOf(anchor) - EVENT_DAYS) * DAY_MS).getUTCFullYear();
    for (let y = firstYear; y <= new Date(anchor).getUTCFullYear() + 1; y++) await client.query('SELECT ensure_access_event_partition($1::int)', [y]);
    const run = await generator.run(total, rangeFromUs, (row, rowYear) => (rowYear !== year ? startYear(rowYear).then(() => push(row)) : push(row)));
    await finishYear();
    log(`  ${run.events} events, head ${run.head.sequence} at ${run.head.at}; ${run.crossChecked} hashes cross-checked with chain.ts`);
    return run;
  } catch (error) {
    (writer as CopyWriter | null)?.destroy(error as Error);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
