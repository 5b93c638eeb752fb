import type { Db } from '../../db/client.js';
import { chainHead, chainLink, firstWrittenAfter, holdsCheckpoint, newestStoredCheckpoint, type ChainHead, type ChainTable } from './access-log.repository.js';
import type { Checkpoint, CheckpointEntry, CheckpointKeys } from './checkpoints.js';

/**
 * L6: the database against a signed checkpoint. What each status names:
 * - MATCHED: both chains still hold, at the checkpoint's sequence numbers, the links it signed;
 * - ROLLED_BACK: the database does not hold the checkpoint itself (every signed checkpoint is also stored in
 *   the database when it is made): it was restored from a backup older than the checkpoint, or the table of
 *   checkpoints was tampered with;
 * - EVENTS_DELETED / CASE_EVENTS_DELETED: the chain ends before the checkpoint's sequence, or the link there
 *   was written after the checkpoint was signed (the newest events were deleted and their numbers reused);
 * - EVENTS_REWRITTEN / CASE_EVENTS_REWRITTEN: the link there is a different one written before the checkpoint
 *   (events rewritten and the chain rehashed over them);
 * - BAD_SIGNATURE / UNKNOWN_KEY: the checkpoint itself is not to be trusted;
 * - CHECKPOINTS_MISSING: the database holds checkpoints but CHECKPOINT_DIR none (emptied, moved, not mounted).
 * A MATCHED comparison reads the stored hash at one row; verifyAccessLog then walks the chain from the first event
 * through the checkpoint's sequence, and a break there turns it into EVENTS_REWRITTEN (access-log.service.ts).
 * `firstBrokenSequence` narrows where the damage starts: one after the newest older checkpoint that still
 * matches (a binary search over the stored checkpoints), or one after the chain's end for a deletion.
 */
export type CheckpointStatus =
  | 'MATCHED' | 'CHECKPOINTS_MISSING' | 'ROLLED_BACK' | 'EVENTS_DELETED' | 'EVENTS_REWRITTEN' | 'CASE_EVENTS_DELETED' | 'CASE_EVENTS_REWRITTEN'
  | 'BAD_SIGNATURE' | 'UNKNOWN_KEY';

export interface CheckpointVerificationResult {
  status: CheckpointStatus;
  signedAt: Date;
  keyId: string;
  accessSequence: number | null;
  caseSequence: number | null;
  /** in the access log, or in the case events for CASE_EVENTS_* */
  firstBrokenSequence: number | null;
  /** ROLLED_BACK: when the newest checkpoint the database still holds was signed (null: it holds none) */
  rolledBackTo: Date | null;
}

type Chain = { table: ChainTable; head: (c: Checkpoint) => ChainHead | null };
const ACCESS: Chain = { table: 'access_events', head: (c) => c.accessEvents };
const CASES: Chain = { table: 'case_events', head: (c) => c.caseEvents };

/** Whether the database's link at the checkpoint's sequence is the one it signed (true when it signed none). */
async function holds(db: Db, chain: Chain, checkpoint: Checkpoint): Promise<boolean> {
  const head = chain.head(checkpoint);
  if (!head) return true;
  const link = await chainLink(db, chain.table, head.sequence);
  return link?.hash === head.hash;
}

/**
 * One after the newest stored checkpoint (validly signed, older than `newest`) whose link the database still
 * holds: chains only grow, so the checkpoints that match form a prefix of the sorted list.
 */
async function firstDivergent(db: Db, keys: CheckpointKeys, chain: Chain, entries: CheckpointEntry[], newest: Checkpoint): Promise<number> {
  const limit = chain.head(newest)?.sequence ?? 0;
  const candidates = [...entries];
  let low = 0;
  let high = candidates.length - 1;
  let best = 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const checkpoint = await candidates[middle]();
    const head = checkpoint ? chain.head(checkpoint) : null;
    if (!checkpoint || !head || keys.check(checkpoint) !== 'VALID' || head.sequence >= limit) {
      // unusable as evidence (or not older): drop it and search the same range again
      candidates.splice(middle, 1);
      high -= 1;
      continue;
    }
    if (await holds(db, chain, checkpoint)) {
      best = Math.max(best, head.sequence);
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best + 1;
}

async function compareChain(
  db: Db, keys: CheckpointKeys, chain: Chain, entries: CheckpointEntry[], checkpoint: Checkpoint,
): Promise<{ kind: 'MATCHED' | 'DELETED' | 'REWRITTEN'; firstBroken: number | null }> {
  const head = chain.head(checkpoint);
  if (!head) return { kind: 'MATCHED', firstBroken: null };
  const link = await chainLink(db, chain.table, head.sequence);
  if (link?.hash === head.hash) return { kind: 'MATCHED', firstBroken: null };
  const signedAt = new Date(checkpoint.signedAt);
  // links numbered at or below the signed head but written after it was signed: numbers freed by a deletion, reused
  const reused = await firstWrittenAfter(db, chain.table, head.sequence, signedAt);
  if (!link || reused !== null) {
    const current = await chainHead(db, chain.table);
    const end = !current ? 1 : current.sequence < head.sequence ? current.sequence + 1 : head.sequence;
    return { kind: 'DELETED', firstBroken: Math.min(end, reused ?? end) };
  }
  return { kind: 'REWRITTEN', firstBroken: await firstDivergent(db, keys, chain, entries, checkpoint) };
}

/**
 * Compares the database with `checkpoint` (one an auditor holds, e.g. from a log shipper) or else with the newest
 * checkpoint in the store. Null when there is none to compare with.
 */
export async function verifyAgainstCheckpoint(
  db: Db, keys: CheckpointKeys, entries: CheckpointEntry[], provided: Checkpoint | null, readsBack = true,
): Promise<CheckpointVerificationResult | null> {
  let checkpoint = provided;
  for (let i = entries.length - 1; !checkpoint && i >= 0; i -= 1) checkpoint = await entries[i]();
  if (!checkpoint) {
    const stored = await newestStoredCheckpoint(db);
    if (!stored) return null;
    if (readsBack) {
      // the database holds checkpoints but the directory none: it was emptied, moved or not mounted — not a match
      return {
        status: 'CHECKPOINTS_MISSING', signedAt: stored.signedAt, keyId: stored.keyId, accessSequence: stored.accessSequence,
        caseSequence: stored.caseSequence, firstBrokenSequence: null, rolledBackTo: null,
      };
    }
    // a store that cannot be read back (stdout, for a log shipper): the database's newest copy, if its signature holds
    checkpoint = stored.checkpoint;
  }
  const result: CheckpointVerificationResult = {
    status: 'MATCHED',
    signedAt: new Date(checkpoint.signedAt),
    keyId: checkpoint.keyId,
    accessSequence: checkpoint.accessEvents?.sequence ?? null,
    caseSequence: checkpoint.caseEvents?.sequence ?? null,
    firstBrokenSequence: null,
    rolledBackTo: null,
  };
  const signature = keys.check(checkpoint);
  if (signature !== 'VALID') return { ...result, status: signature };
  if (!(await holdsCheckpoint(db, checkpoint.signature))) {
    const access = await compareChain(db, keys, ACCESS, entries, checkpoint);
    const stored = await newestStoredCheckpoint(db);
    return { ...result, status: 'ROLLED_BACK', firstBrokenSequence: access.firstBroken, rolledBackTo: stored?.signedAt ?? null };
  }
  const access = await compareChain(db, keys, ACCESS, entries, checkpoint);
  if (access.kind !== 'MATCHED') {
    return { ...result, status: access.kind === 'DELETED' ? 'EVENTS_DELETED' : 'EVENTS_REWRITTEN', firstBrokenSequence: access.firstBroken };
  }
  const cases = await compareChain(db, keys, CASES, entries, checkpoint);
  if (cases.kind !== 'MATCHED') {
    return { ...result, status: cases.kind === 'DELETED' ? 'CASE_EVENTS_DELETED' : 'CASE_EVENTS_REWRITTEN', firstBrokenSequence: cases.firstBroken };
  }
  return result;
}
