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
const CLOSING: Record<string, 'WITHDRAWN' | 'REPAIRED'> = { WITHDRAWN: 'WITHDRAWN', REPAIRED: 'REPAIRED' };

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
  status: string;
  disputed: boolean;
}

async function findPeerRecord(db: Db, peer: string, originId: string): Promise<LocalRecord | null> {
  const [row] = await queryRows<{ id: string; status: string; disputed: boolean | string }>(db, sql`
    SELECT id, status, disputed FROM records WHERE source_org = ${peer} AND source_ref = ${originId}`);
  return row ? { id: String(row.id), status: String(row.status), disputed: row.disputed === true || row.disputed === 't' } : null;
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
 */
export async function applyChanges(
  db: Db, filer: Filer, changes: readonly ChangeJson[], now: Date, statics: StaticReference,
): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { applied: 0, skipped: 0, rejected: [] };
  const refusedSubjects = await registerMissingSubjects(db, filer, changes, now, statics);
  const reject = (change: ChangeJson, reason: string, message: string) => outcome.rejected.push({ sequence: change.sequence, reason, message });

  /** Plans and writes content filings; answers, per change, 'applied' | 'skipped' | a refusal. */
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
    for (let attempt = 0; ; attempt += 1) {
      const plan = await planRecords(db, filer, filings, now, statics);
      try {
        await writeRecordBatch(db, filer.orgCode, filer.actor, plan.inserts, plan.updates, now, filer.orgCode);
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
      return;
    }
  }

  /** The peer's record a status or dispute change is about, filed first when it is not here yet. */
  async function peerRecord(change: ChangeJson): Promise<{ record: LocalRecord; filedNow: boolean } | null> {
    const found = await findPeerRecord(db, filer.orgCode, change.record.id);
    if (found) return { record: found, filedNow: false };
    const before = outcome.rejected.length;
    await fileContent([{ ...change, record: { ...change.record, status: 'ACTIVE' } }]);
    if (outcome.rejected.length > before) return null; // its content was refused (reported once)
    outcome.applied -= 1; // the change counts once, below
    const filed = await findPeerRecord(db, filer.orgCode, change.record.id);
    return filed ? { record: filed, filedNow: true } : null;
  }

  let group: ChangeJson[] = [];
  let groupIds = new Set<string>();
  const flush = async () => {
    if (group.length) await fileContent(group);
    group = [];
    groupIds = new Set();
  };

  for (const change of changes) {
    const subjectRefusal = refusedSubjects.get(normalizeCode(change.subjectCode));
    if (subjectRefusal) {
      reject(change, subjectRefusal.reason, subjectRefusal.message);
      continue;
    }
    if (CONTENT_KINDS.has(change.kind) && change.record.status === 'ACTIVE') {
      if (groupIds.has(change.record.id)) await flush();
      group.push(change);
      groupIds.add(change.record.id);
      continue;
    }
    await flush();
    const local = await peerRecord(change);
    if (!local) continue;
    const { record, filedNow } = local;
    const closing = CLOSING[change.record.status];
    if (closing && record.status !== closing) {
      if (record.status !== 'ACTIVE') {
        reject(change, 'RECORD_NOT_ACTIVE', `The record is ${record.status} here and cannot become ${closing}.`);
        continue;
      }
      const reason = `${closing.toLowerCase()} at ${filer.orgCode} (change ${change.sequence})`;
      const done = await withdraw(db, record.id, reason, filer.actor, now, closing);
      if (done.withdrawn) outcome.applied += 1;
      else outcome.skipped += 1;
      if (change.kind === 'WITHDRAWN' || change.kind === 'REPAIRED') continue;
    } else if (change.kind === 'WITHDRAWN' || change.kind === 'REPAIRED') {
      outcome.skipped += 1; // applied before (a resumed import): nothing to do
      continue;
    }
    // DISPUTED / UNDISPUTED (and a content change of a closed record, which only carries its flag)
    const [updated] = await queryRows<{ id: string }>(db, sql`
      UPDATE records SET disputed = ${change.record.disputed}
      WHERE id = ${record.id}::uuid AND disputed IS DISTINCT FROM ${change.record.disputed} RETURNING id`);
    if (updated || filedNow) outcome.applied += 1;
    else outcome.skipped += 1;
  }
  await flush();
  return outcome;
}
