import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/rows.js';
import { parseIsoInstant } from '../../domain/instants.js';
import { normalizeCode } from '../../domain/identifiers.js';
import { findSubjectsByCodes, RecordChangedMeanwhile, withdraw, writeRecordBatch } from '../filing/filing.repository.js';
import {
  planRecords, planSubjects, RegistrationConflict, writeSubjects, type Filer, type StaticReference,
} from '../filing/filing.planner.js';
import type { RecordFiling } from '../filing/record-validation.js';
import type { ChangeJson } from './change-json.js';

/**
 * X3: what a peer platform sends, filed here — from an exchange file (X4) or from its live feed (exchange:pull).
 * The peer is the filer: every record goes through the same planner as `submitRecords` (W1–W5: the subject must
 * be valid, the type in the catalog, the peer an issuer of the type where issuers are listed…) with the record's id
 * at the peer as its sourceRef, and keeps `origin { platform: peer, originId }`. Status and dispute changes are
 * applied to the peer's own record only (one datum, one source: a record of a local department is never touched).
 * Applying is idempotent — a change applied twice (an import resumed after a kill, a page fetched again) changes
 * nothing the second time — so a consumer that saves its position after applying never loses or doubles a change.
 */
export interface RejectedChange {
  sequence: string;
  reason: string;
  message: string;
}

export interface ApplyOutcome {
  applied: number;
  skipped: number;
  rejected: RejectedChange[];
}

const CONTENT_KINDS = new Set(['FILED', 'VERSIONED']);
const CLOSING: Partial<Record<string, 'WITHDRAWN' | 'REPAIRED'>> = { WITHDRAWN: 'WITHDRAWN', REPAIRED: 'REPAIRED' };

class ChangeRefused extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

function instant(value: unknown, field: string, required: boolean): Date | null {
  if (value === null || value === undefined) {
    if (required) throw new ChangeRefused('REQUIRED_FIELD', `record.${field} is required.`);
    return null;
  }
  const date = parseIsoInstant(value);
  if (!date) throw new ChangeRefused('INVALID_DATE', `record.${field} must be an ISO 8601 instant with a time zone.`);
  return date;
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** The record of a change as a filing of the peer (its id there is the sourceRef, X3). */
export function filingOf(change: ChangeJson): RecordFiling {
  const r = change.record;
  const amount = r.amount === null || r.amount === undefined ? null : Number(r.amount);
  if (amount !== null && Number.isNaN(amount)) throw new ChangeRefused('INVALID_AMOUNT', 'record.amount must be a number.');
  return {
    subjectCode: change.subjectCode,
    type: r.type,
    sourceRef: r.id,
    title: r.title,
    summary: text(r.summary),
    decisionNumber: text(r.decisionNumber),
    decidedAt: instant(r.decidedAt, 'decidedAt', true)!,
    validFrom: instant(r.validFrom, 'validFrom', false),
    validUntil: instant(r.validUntil, 'validUntil', false),
    severity: text(r.severity),
    legalBasis: text(r.legalBasis),
    amount,
    grade: text(r.grade),
    group: text(r.group),
    disclosure: text(r.disclosure),
    details: r.details ?? null,
  };
}

interface LocalRecord {
  id: string;
  subjectCode: string;
  status: string;
  disputed: boolean;
  /** the peer's change sequence last applied to it (null: filed through submitRecords, or before sequences were kept) */
  originSequence: bigint | null;
}

/** The peer's records here, by their id at the peer, in one statement. */
async function findPeerRecords(db: Db, peer: string, originIds: readonly string[]): Promise<Map<string, LocalRecord>> {
  if (originIds.length === 0) return new Map();
  const rows = await queryRows<{ source_ref: string; id: string; code: string; status: string; disputed: boolean | string; origin_sequence: string | null }>(db, sql`
    SELECT r.source_ref, r.id, s.code, r.status, r.disputed, r.origin_sequence::text AS origin_sequence
    FROM records r JOIN subjects s ON s.id = r.subject_id
    WHERE r.source_org = ${peer} AND r.source_ref = ANY (${sql.param([...originIds])}::text[])`);
  return new Map(rows.map((row) => [String(row.source_ref), {
    id: String(row.id), subjectCode: String(row.code), status: String(row.status), disputed: row.disputed === true || row.disputed === 't',
    originSequence: row.origin_sequence === null ? null : BigInt(row.origin_sequence),
  }]));
}

/** Registers the subjects of the changes that are not registered here yet (registered by the peer). */
async function registerMissingSubjects(db: Db, filer: Filer, changes: readonly ChangeJson[], now: Date, statics: StaticReference) {
  const wanted = new Map<string, ChangeJson>();
  for (const change of changes) {
    const code = normalizeCode(change.subjectCode);
    if (!wanted.has(code)) wanted.set(code, change);
  }
  const known = new Set((await findSubjectsByCodes(db, [...wanted.keys()])).map((s) => s.code));
  const missing = [...wanted.entries()].filter(([code]) => !known.has(code));
  const refused = new Map<string, { reason: string; message: string }>();
  if (missing.length === 0) return refused;
  const inputs = missing.map(([code, change]) => ({ code, kind: change.subjectKind, name: change.subjectName }));
  const plan = await planSubjects(db, filer, inputs, now, statics.codeRules);
  for (const error of plan.errors) refused.set(inputs[error.index].code, { reason: error.reason, message: error.message });
  let writes = plan.writes;
  for (;;) {
    try {
      await writeSubjects(db, writes);
      return refused;
    } catch (error) {
      // registered meanwhile by someone else: the subject exists now, which is all a record needs
      if (!(error instanceof RegistrationConflict) || error.errors.length === 0) throw error;
      const lost = new Set(error.errors.map((e) => e.index));
      writes = writes.filter((w) => !lost.has(w.index));
    }
  }
}

/**
 * Applies received changes in their order. Consecutive content changes (FILED, VERSIONED) of distinct records are
 * planned and written as one atomic batch, like a `submitRecords` call; a status or dispute change is applied to the
 * peer's record on its own (filing the record first when it is not here yet, e.g. a feed read from a later cursor).
 * Each record remembers the peer's sequence of the last change applied to it: a change at or before it (an import
 * redone after a kill, the same file imported twice) is skipped, so an old version never overwrites a newer one.
 */
export async function applyChanges(
  db: Db, filer: Filer, changes: readonly ChangeJson[], now: Date, statics: StaticReference,
  /** runs in the same transaction after the changes are applied (an import's checkpoint) */
  afterwards?: (tx: Db, outcome: ApplyOutcome) => Promise<void>,
): Promise<ApplyOutcome> {
  // one transaction per batch, under a lock of this peer: two imports or pulls of one peer never interleave (an older
  // version could otherwise land after a newer one), and a batch is applied, with its checkpoint, all or nothing
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await queryRows(t, sql`SELECT pg_advisory_xact_lock(${APPLY_LOCK_CLASS}, hashtext(${filer.orgCode}))`);
    const outcome = await applyInTransaction(t, filer, changes, now, statics);
    await afterwards?.(t, outcome);
    return outcome;
  });
}

/** The advisory-lock class of applyChanges (the key within it: the peer's code, hashed). */
const APPLY_LOCK_CLASS = 7262;

async function applyInTransaction(
  db: Db, filer: Filer, changes: readonly ChangeJson[], now: Date, statics: StaticReference,
): Promise<ApplyOutcome> {
  const peer = filer.orgCode;
  const outcome: ApplyOutcome = { applied: 0, skipped: 0, rejected: [] };
  const refusedSubjects = await registerMissingSubjects(db, filer, changes, now, statics);
  const reject = (change: ChangeJson, reason: string, message: string) => outcome.rejected.push({ sequence: change.sequence, reason, message });
  const local = await findPeerRecords(db, peer, [...new Set(changes.map((c) => c.record.id))]);
  const refresh = async (originIds: readonly string[]) => {
    for (const [originId, record] of await findPeerRecords(db, peer, originIds)) local.set(originId, record);
  };

  /** Plans and writes content filings (their sequences kept with the records). */
  async function fileContent(group: readonly ChangeJson[]): Promise<void> {
    const filings: RecordFiling[] = [];
    const owners: ChangeJson[] = [];
    for (const change of group) {
      try {
        filings.push(filingOf(change));
        owners.push(change);
      } catch (error) {
        if (!(error instanceof ChangeRefused)) throw error;
        reject(change, error.reason, error.message);
      }
    }
    if (filings.length === 0) return;
    const sequences = new Map(owners.map((change) => [change.record.id, change.sequence]));
    for (let attempt = 0; ; attempt += 1) {
      const plan = await planRecords(db, filer, filings, now, statics);
      try {
        await writeRecordBatch(db, peer, filer.actor, plan.inserts, plan.updates, now, { platform: peer, sequences });
      } catch (error) {
        // another import of the same peer wrote one of these records meanwhile: plan again against what is stored
        const raced = error instanceof RecordChangedMeanwhile || /records_source_ref|duplicate key/i.test(String((error as { cause?: unknown }).cause ?? error));
        if (raced && attempt < 3) continue;
        throw error;
      }
      const failed = new Set(plan.errors.map((e) => e.index));
      for (const error of plan.errors) reject(owners[error.index], error.reason, error.message);
      outcome.applied += plan.inserts.length + plan.updates.length;
      outcome.skipped += filings.length - failed.size - plan.inserts.length - plan.updates.length;
      await refresh([...sequences.keys()]);
      // the dispute flag an accepted content change carries (a record filed before the feed existed may arrive
      // disputed); a refused change changes nothing
      for (const [index, change] of owners.entries()) {
        if (failed.has(index)) continue;
        const record = local.get(change.record.id);
        if (record && record.disputed !== change.record.disputed) {
          await queryRows(db, sql`UPDATE records SET disputed = ${change.record.disputed}, origin_sequence = ${change.sequence}::bigint
            WHERE id = ${record.id}::uuid`);
          record.disputed = change.record.disputed;
        }
      }
      return;
    }
  }

  let group: ChangeJson[] = [];
  const flush = async () => {
    const pending = group;
    group = [];
    if (pending.length) await fileContent(pending);
  };

  for (const change of changes) {
    const subjectRefusal = refusedSubjects.get(normalizeCode(change.subjectCode));
    if (subjectRefusal) {
      reject(change, subjectRefusal.reason, subjectRefusal.message);
      continue;
    }
    const sequence = BigInt(change.sequence);
    if (CONTENT_KINDS.has(change.kind) && change.record.status === 'ACTIVE') {
      if (group.some((pending) => pending.record.id === change.record.id)) await flush();
      const known = local.get(change.record.id);
      if (known?.originSequence !== null && known?.originSequence !== undefined && sequence <= known.originSequence) {
        outcome.skipped += 1; // applied before
        continue;
      }
      group.push(change);
      continue;
    }
    await flush();
    let record = local.get(change.record.id);
    if (record && record.subjectCode !== normalizeCode(change.subjectCode)) {
      reject(change, 'SOURCE_REF_CONFLICT', 'The change names another subject than the record it changes.');
      continue;
    }
    if (record?.originSequence !== null && record?.originSequence !== undefined && sequence <= record.originSequence) {
      outcome.skipped += 1;
      continue;
    }
    let filedNow = false;
    if (!record && change.kind === 'UNSHARED') {
      outcome.skipped += 1; // no longer shared, and never received here: nothing to take down
      continue;
    }
    if (!record) {
      // not here yet (a feed read from a later cursor): filed first, from the record the change carries
      const before = outcome.rejected.length;
      await fileContent([{ ...change, record: { ...change.record, status: 'ACTIVE' } }]);
      if (outcome.rejected.length > before) continue; // its content was refused (reported once)
      outcome.applied -= 1; // the change counts once, below
      record = local.get(change.record.id);
      if (!record) continue;
      filedNow = true;
    }
    let changed = filedNow;
    // UNSHARED: the peer narrowed the record to SUBJECT_ONLY; it leaves every view here but the subject's own (D4)
    const closing = change.kind === 'UNSHARED' ? 'WITHDRAWN' : CLOSING[change.record.status];
    // an UNSHARED record already out of every view here (withdrawn or repaired) has nothing to take down
    const takenDown = change.kind === 'UNSHARED' && record.status !== 'ACTIVE';
    if (closing && record.status !== closing && !takenDown) {
      if (record.status !== 'ACTIVE') {
        reject(change, 'RECORD_NOT_ACTIVE', `The record is ${record.status} here and cannot become ${closing}.`);
        continue;
      }
      const why = change.kind === 'UNSHARED' ? `no longer shared by ${peer}` : `${closing.toLowerCase()} at ${peer}`;
      const done = await withdraw(db, record.id, `${why} (change ${change.sequence})`, filer.actor, now, closing);
      changed ||= done.withdrawn;
    }
    // the dispute flag the change carries, and the sequence applied (neither writes a version)
    const [updated] = await queryRows<{ disputed_before: boolean | string }>(db, sql`
      UPDATE records r SET disputed = ${change.record.disputed}, origin_sequence = ${change.sequence}::bigint
      FROM (SELECT disputed AS disputed_before FROM records WHERE id = ${record.id}::uuid) b
      WHERE r.id = ${record.id}::uuid RETURNING b.disputed_before`);
    const disputedBefore = updated?.disputed_before === true || updated?.disputed_before === 't';
    changed ||= disputedBefore !== change.record.disputed;
    await refresh([change.record.id]);
    if (changed) outcome.applied += 1;
    else outcome.skipped += 1;
  }
  await flush();
  return outcome;
}
