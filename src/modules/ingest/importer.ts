import { readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { appendDurably } from './durable-files.js';
import type { Db } from '../../db/client.js';
import { writeRecordBatch } from '../filing/filing.repository.js';
import {
  loadStaticReference, planRecords, planSubjects, RegistrationConflict, writeSubjects, type Filer, type SubjectFiling,
} from '../filing/filing.planner.js';
import type { RecordFiling } from '../filing/record-validation.js';
import { batchesOf, readLines, type Line } from './ndjson.js';
import { parseIsoInstant } from '../../domain/instants.js';
import { normalizeCode } from '../../domain/identifiers.js';

/**
 * The NDJSON importer (SPEC W4): the same validation as `submitRecords` (filing.planner.ts), but a refused
 * line is written to `<file>.rejects.ndjson` with its line number and reason while the good lines around it
 * import. After each batch is committed, its rejects are flushed and `<file>.checkpoint.json` records the
 * byte offset reached, so a killed import resumes where it stopped; sourceRef idempotency makes a batch that
 * was committed but not yet checkpointed harmless to redo (its rows count as skipped).
 */
export interface ImportOptions {
  db: Db;
  filer: Filer;
  file: string;
  batchSize?: number;
  now?: () => Date;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportTotals {
  imported: number;
  rejected: number;
  skipped: number;
  lines: number;
}

export interface ImportProgress extends ImportTotals {
  bytesDone: number;
  bytesTotal: number;
  rowsPerSecond: number;
  resumedFromLine: number;
}

interface Checkpoint extends ImportTotals {
  version: 1;
  org: string;
  fileSize: number;
  offset: number;
  nextLine: number;
  rejectsSize: number;
}

export const rejectsPath = (file: string) => `${file}.rejects.ndjson`;
export const checkpointPath = (file: string) => `${file}.checkpoint.json`;


class LineRefused extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

function instant(value: unknown, field: string, required: boolean): Date | null {
  if (value === null || value === undefined) {
    if (required) throw new LineRefused('REQUIRED_FIELD', `${field} is required.`);
    return null;
  }
  const date = parseIsoInstant(value);
  if (!date) throw new LineRefused('INVALID_DATE', `${field} must be a real ISO 8601 instant with a time zone.`);
  return date;
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** A parsed line: a record (RecordInput fields), a subject to register, or both. */
interface ParsedLine {
  line: Line;
  subject: SubjectFiling | null;
  record: RecordFiling | null;
}

function parseLine(line: Line): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    throw new LineRefused('INVALID_JSON', 'The line is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new LineRefused('INVALID_JSON', 'A line is one JSON object.');
  const object = value as Record<string, unknown>;
  const subject = object.subject && typeof object.subject === 'object' ? (object.subject as SubjectFiling) : null;
  if (object.type === undefined && subject) return { line, subject, record: null };
  const amount = object.amount === null || object.amount === undefined ? null : Number(object.amount);
  if (amount !== null && Number.isNaN(amount)) throw new LineRefused('INVALID_AMOUNT', 'amount must be a number.');
  const record: RecordFiling = {
    subjectCode: text(object.subjectCode) ?? (subject ? String(subject.code ?? '') : ''),
    type: text(object.type) ?? '',
    sourceRef: text(object.sourceRef) ?? '',
    title: text(object.title) ?? '',
    summary: text(object.summary),
    decisionNumber: text(object.decisionNumber),
    decidedAt: instant(object.decidedAt, 'decidedAt', true)!,
    validFrom: instant(object.validFrom, 'validFrom', false),
    validUntil: instant(object.validUntil, 'validUntil', false),
    severity: text(object.severity),
    legalBasis: text(object.legalBasis),
    amount,
    grade: text(object.grade),
    group: text(object.group),
    disclosure: text(object.disclosure),
    details: object.details ?? null,
  };
  return { line, subject, record };
}

async function loadCheckpoint(file: string, org: string, fileSize: number): Promise<Checkpoint | null> {
  try {
    const checkpoint = JSON.parse(await readFile(checkpointPath(file), 'utf8')) as Checkpoint;
    return checkpoint.version === 1 && checkpoint.org === org && checkpoint.fileSize === fileSize ? checkpoint : null;
  } catch {
    return null;
  }
}

async function saveCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${checkpointPath(file)}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, checkpointPath(file));
}

export async function importFile(options: ImportOptions): Promise<ImportTotals & { resumedFromLine: number }> {
  const { db, filer, file } = options;
  const batchSize = options.batchSize ?? 5000;
  const clock = options.now ?? (() => new Date());
  const { size: fileSize } = await stat(file);
  const statics = await loadStaticReference(db);
  const resumed = await loadCheckpoint(file, filer.orgCode, fileSize);
  const checkpoint: Checkpoint = resumed ?? {
    version: 1, org: filer.orgCode, fileSize, offset: 0, nextLine: 1, rejectsSize: 0, imported: 0, rejected: 0, skipped: 0, lines: 0,
  };
  // rejects written after the last checkpoint belong to a batch that will be redone
  await writeFile(rejectsPath(file), '', { flag: 'a' });
  await truncate(rejectsPath(file), checkpoint.rejectsSize);
  const started = Date.now();
  const resumedFromLine = checkpoint.nextLine;
  let doneThisRun = 0;

  /** A batch planned (and its subjects registered) but whose records are not yet written. */
  interface PlannedBatch {
    lines: Line[];
    now: Date;
    rejects: { line: number; reason: string; message: string }[];
    records: Awaited<ReturnType<typeof planRecords>> | null;
    refs: Set<string>;
    imported: number;
    skipped: number;
  }

  /** Parse, register the batch's subjects (idempotent upserts) and plan its records. No record is written. */
  async function planBatch(lines: Line[]): Promise<PlannedBatch> {
    const now = clock();
    const batch: PlannedBatch = { lines, now, rejects: [], records: null, refs: new Set(), imported: 0, skipped: 0 };
    const parsed: ParsedLine[] = [];
    for (const line of lines) {
      if (line.number === 1 && line.text.startsWith('\uFEFF')) line.text = line.text.slice(1); // a byte-order mark
      if (line.text.trim() === '') continue;
      try {
        parsed.push(parseLine(line));
      } catch (error) {
        if (!(error instanceof LineRefused)) throw error;
        batch.rejects.push({ line: line.number, reason: error.reason, message: error.message });
      }
    }
    const refusedLines = new Set<number>();
    const refuse = (line: number, reason: string, message: string) => {
      refusedLines.add(line);
      batch.rejects.push({ line, reason, message });
    };
    // a subject may ride along on many record lines: plan each code once (first line wins); a later line
    // carrying different registration data for the same code is refused, naming the first line
    const firstOfCode = new Map<string, ParsedLine>();
    for (const p of parsed.filter((q) => q.subject)) {
      const code = normalizeCode(String(p.subject!.code ?? ''));
      const first = firstOfCode.get(code);
      if (!first) firstOfCode.set(code, p);
      else if (JSON.stringify(first.subject) !== JSON.stringify(p.subject)) {
        refuse(p.line.number, 'DUPLICATE_IN_BATCH', `Line ${first.line.number} registers this subject with other data.`);
      }
    }
    const distinct = [...firstOfCode.values()];
    if (distinct.length) {
      const plan = await planSubjects(db, filer, distinct.map((p) => p.subject!), now, statics.codeRules);
      const failed = new Map(plan.errors.map((e) => [normalizeCode(String(distinct[e.index].subject!.code ?? '')), e]));
      let writes = plan.writes;
      for (;;) {
        try {
          await writeSubjects(db, writes);
          break;
        } catch (error) {
          // another organisation registered some of these subjects meanwhile (W2): those lines are rejected with
          // its reason, the rest of the batch is written again
          if (!(error instanceof RegistrationConflict) || error.errors.length === 0) throw error;
          const lost = new Set(error.errors.map((e) => e.index));
          for (const e of error.errors) failed.set(normalizeCode(String(distinct[e.index].subject!.code ?? '')), e);
          writes = writes.filter((w) => !lost.has(w.index));
        }
      }
      for (const p of parsed.filter((q) => q.subject && !refusedLines.has(q.line.number))) {
        const code = normalizeCode(String(p.subject!.code ?? ''));
        const error = failed.get(code);
        if (error) {
          refuse(p.line.number, error.reason, error.message);
          continue;
        }
        if (p.record) continue; // counted with the records
        const index = distinct.indexOf(firstOfCode.get(code)!);
        if (firstOfCode.get(code) !== p || plan.unchangedIndexes.has(index)) batch.skipped += 1;
        else batch.imported += 1;
      }
    }
    const withRecords = parsed.filter((p) => p.record && !refusedLines.has(p.line.number));
    if (withRecords.length) {
      const plan = await planRecords(db, filer, withRecords.map((p) => p.record!), now, statics);
      for (const error of plan.errors) batch.rejects.push({ line: withRecords[error.index].line.number, reason: error.reason, message: error.message });
      batch.records = plan;
      for (const p of withRecords) batch.refs.add(String(p.record!.sourceRef ?? '').trim());
      batch.imported += plan.inserts.length + plan.updates.length;
      batch.skipped += plan.unchanged;
    }
    return batch;
  }

  /** Write the records, then the rejects, then the checkpoint — strictly in file order. */
  async function commitBatch(batch: PlannedBatch): Promise<void> {
    const { lines, records } = batch;
    if (records) await writeRecordBatch(db, filer.orgCode, filer.actor, records.inserts, records.updates, batch.now);
    checkpoint.imported += batch.imported;
    checkpoint.skipped += batch.skipped;
    const rejects = [...batch.rejects].sort((a, b) => a.line - b.line);
    const textOf = new Map(lines.map((l) => [l.number, l.text]));
    const rejectText = rejects
      .map((r) => `${JSON.stringify({ line: r.line, reason: r.reason, message: r.message, input: (textOf.get(r.line) ?? '').slice(0, 10_000) })}\n`)
      .join('');
    await appendDurably(rejectsPath(file), rejectText);
    checkpoint.rejected += rejects.length;
    checkpoint.rejectsSize += Buffer.byteLength(rejectText);
    checkpoint.lines += lines.length;
    checkpoint.offset = lines[lines.length - 1].end;
    checkpoint.nextLine = lines[lines.length - 1].number + 1;
    await saveCheckpoint(file, checkpoint);
    doneThisRun += lines.length;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    options.onProgress?.({
      imported: checkpoint.imported, rejected: checkpoint.rejected, skipped: checkpoint.skipped, lines: checkpoint.lines,
      bytesDone: checkpoint.offset, bytesTotal: fileSize, rowsPerSecond: doneThisRun / seconds, resumedFromLine,
    });
  }

  /**
   * Pipelining: batch N+1 is planned while batch N's records are written. A plan made before N's records
   * existed is redone when it names any of N's sourceRefs (it might have planned an insert of a row N writes).
   */
  let inFlight: { batch: PlannedBatch; commit: Promise<void> } | null = null;
  async function processBatch(lines: Line[]): Promise<void> {
    const planning = planBatch(lines);
    planning.catch(() => undefined); // awaited below; avoid an unhandled rejection while the commit runs
    let previous: PlannedBatch | null = null;
    if (inFlight) {
      await inFlight.commit;
      previous = inFlight.batch;
    }
    let batch = await planning;
    if (previous && [...batch.refs].some((ref) => previous!.refs.has(ref))) batch = await planBatch(lines);
    inFlight = { batch, commit: commitBatch(batch) };
    inFlight.commit.catch(() => undefined);
  }

  for await (const batch of batchesOf(readLines(file, checkpoint.offset, checkpoint.nextLine), batchSize)) await processBatch(batch);
  if (inFlight) await (inFlight as { commit: Promise<void> }).commit;
  return { imported: checkpoint.imported, rejected: checkpoint.rejected, skipped: checkpoint.skipped, lines: checkpoint.lines, resumedFromLine };
}
