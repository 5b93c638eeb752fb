import type { RequestContext } from '../../context/request-context.js';
import type { DisclosureEntry } from '../../context/disclosures.js';
import { AuditUnavailableError, BadUserInputError } from '../../errors/app-errors.js';
import { toConnection, type ConnectionShape } from '../../graphql/connection.js';
import { decodeCursor, encodeCursor, pageSize } from '../pagination.js';
import { caseChainHash, chainHash, GENESIS_HASH, verifyLinks, type ChainLink } from './chain.js';
import {
  chainHead, chainLink, loadCaseChainSegment, loadChainSegment, queryEvents, queryReceipts, sequenceBounds, type AccessEventRow,
  type NewAccessEvent,
} from './access-log.repository.js';
import type { AccessEvent, AccessLogFilter, AccessLogVerification, AccessReceipt, ChainVerification, SignedCheckpoint } from './access-log.type.js';
import { checkpointText, parseCheckpoint, signCheckpoint, type Checkpoint } from './checkpoints.js';
import { verifyAgainstCheckpoint, type CheckpointVerificationResult } from './checkpoint-verification.js';

export const VERIFY_SEGMENT = 5000;

/** L1: the event a disclosure entry writes (the subject code in full, whatever the response showed). */
export function eventOf(ctx: RequestContext, entry: DisclosureEntry): NewAccessEvent {
  return {
    at: ctx.now.toISOString(),
    requestId: ctx.requestId,
    actor: ctx.viewer.actor,
    role: ctx.viewer.role,
    orgCode: ctx.viewer.orgCode,
    view: entry.view,
    purposeKind: entry.purpose?.kind ?? null,
    purposeReference: entry.purpose?.reference ?? null,
    grantId: entry.grantId,
    subjectCode: entry.subjectCode,
    recordIds: [...entry.recordIds],
    operationName: entry.operationName,
  };
}

/**
 * L1/L2: store the events of everything this request disclosed; throws when they cannot be stored. Events a folded
 * read already stored (subjectsService.subject) are not stored again when the response placed exactly what they say.
 */
export async function writeDisclosures(ctx: RequestContext): Promise<void> {
  const { entries, folded, unmatched } = ctx.disclosures.unstored();
  if (!ctx.accessLog) return;
  if (folded > 0) ctx.accessLog.observer?.folded?.(folded, unmatched, ctx.requestId);
  if (entries.length === 0) return;
  await ctx.accessLog.append(entries.map((entry) => eventOf(ctx, entry)));
}

/** L4: an auditor's own log query is an event in the same chain, written before the log is read. */
async function recordAuditorAction(ctx: RequestContext, operationName: string): Promise<void> {
  if (!ctx.accessLog) return;
  try {
    await ctx.accessLog.append([{
      at: ctx.now.toISOString(), requestId: ctx.requestId, actor: ctx.viewer.actor, role: ctx.viewer.role,
      orgCode: ctx.viewer.orgCode, view: null, purposeKind: null, purposeReference: null, grantId: null,
      subjectCode: null, recordIds: [], operationName,
    }]);
  } catch {
    throw new AuditUnavailableError();
  }
}

function toAccessEvent(row: AccessEventRow): AccessEvent {
  return {
    sequence: row.sequence,
    at: row.at,
    requestId: row.requestId,
    actor: row.actor,
    role: row.role,
    organization: null,
    orgCode: row.orgCode,
    view: row.view,
    purpose: row.purposeKind ? { kind: row.purposeKind, reference: row.purposeReference ?? '' } : null,
    grantId: row.grantId,
    subjectCode: row.subjectCode,
    recordIds: row.recordIds,
    operationName: row.operationName,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

const eventCursor = (row: AccessEventRow) => encodeCursor([row.at.toISOString(), String(row.sequence)]);

function decodeEventCursor(after: string | null | undefined) {
  const key = decodeCursor(after, ['isoInstant', 'digits']);
  return key ? { at: key[0], sequence: Number(key[1]) } : null;
}

export const accessLogService = {
  /** L4; `countTotal`: whether the response selects `totalCount` (it is counted only then) */
  async accessLog(
    ctx: RequestContext, filter: AccessLogFilter | null | undefined, first?: number | null, after?: string | null, countTotal = true,
  ): Promise<ConnectionShape<AccessEvent>> {
    const limit = pageSize(first);
    const cursor = decodeEventCursor(after);
    await recordAuditorAction(ctx, 'accessLog');
    const { rows, total } = await queryEvents(ctx.db, {
      from: filter?.from ?? null,
      to: filter?.to ?? null,
      orgCode: filter?.orgCode ?? null,
      actor: filter?.actor ?? null,
      subjectCode: filter?.subjectCode?.trim().toUpperCase() || null,
      view: filter?.view ?? null,
      purposeKind: filter?.purpose ?? null,
      after: cursor,
      limit,
    }, countTotal);
    const page = rows.slice(0, limit);
    return toConnection(page.map(toAccessEvent), page.map(eventCursor), rows.length > limit, total ?? 0);
  },

  /**
   * L3: recompute the chain over the events of [from, to] (segment by segment, bounded memory); L6: the case
   * events' chain, and the database against the newest signed checkpoint (or the one the auditor passes).
   */
  async verify(ctx: RequestContext, from?: Date | null, to?: Date | null, checkpointDocument?: string | null): Promise<AccessLogVerification> {
    const provided = checkpointDocument ? parseCheckpoint(checkpointDocument) : null;
    if (checkpointDocument && !provided) throw new BadUserInputError('INVALID_CHECKPOINT', 'The checkpoint is not a checkpoint document (one line of JSON as signCheckpoint returns it).');
    if (provided && !ctx.checkpoints) throw new BadUserInputError('CHECKPOINTS_OFF', 'Checkpoints are not configured here (CHECKPOINT_SIGNING_KEY), so no checkpoint can be verified.');
    // the checkpoint is compared before this call's own event is appended (that event takes the next number)
    const checkpoint = ctx.checkpoints
      ? await verifyAgainstCheckpoint(ctx.db, ctx.checkpoints.keys, await ctx.checkpoints.store.list(), provided, ctx.checkpoints.store.readsBack)
      : null;
    await recordAuditorAction(ctx, 'verifyAccessLog');
    // a checkpoint vouches for the chain up to its sequence only if that chain recomputes: the comparison above
    // reads the stored hash at one row, so the walk always covers [1, the checkpoint's sequence] as well as the range
    const through = checkpoint?.status === 'MATCHED' ? checkpoint.accessSequence : null;
    const [chain, caseEvents] = await Promise.all([verifyAccessChain(ctx, from ?? null, to ?? null, through), verifyCaseChain(ctx)]);
    if (checkpoint?.status === 'MATCHED') {
      if (!chain.valid && chain.firstBrokenSequence !== null && chain.firstBrokenSequence <= (checkpoint.accessSequence ?? 0)) {
        checkpoint.status = 'EVENTS_REWRITTEN';
        checkpoint.firstBrokenSequence = chain.firstBrokenSequence;
      } else if (!caseEvents.valid && caseEvents.firstBrokenSequence !== null && caseEvents.firstBrokenSequence <= (checkpoint.caseSequence ?? 0)) {
        checkpoint.status = 'CASE_EVENTS_REWRITTEN';
        checkpoint.firstBrokenSequence = caseEvents.firstBrokenSequence;
      }
    }
    const checkpointBroken = checkpoint && checkpoint.status !== 'MATCHED';
    const accessBrokenByCheckpoint = checkpoint && ['ROLLED_BACK', 'EVENTS_DELETED', 'EVENTS_REWRITTEN'].includes(checkpoint.status)
      ? checkpoint.firstBrokenSequence : null;
    return {
      ...chain,
      valid: chain.valid && caseEvents.valid && !checkpointBroken,
      firstBrokenSequence: chain.firstBrokenSequence ?? accessBrokenByCheckpoint,
      caseEvents,
      checkpoint,
    };
  },

  /** L6 on demand: the auditor's or operator's own call is an event first, so the signed head includes it. */
  async signCheckpoint(ctx: RequestContext): Promise<SignedCheckpoint> {
    if (!ctx.checkpoints) throw new BadUserInputError('CHECKPOINTS_OFF', 'Checkpoints are not configured here (CHECKPOINT_SIGNING_KEY and CHECKPOINT_DIR).');
    await recordAuditorAction(ctx, 'signCheckpoint');
    const checkpoint = await signCheckpoint(ctx.db, ctx.checkpoints.keys, ctx.checkpoints.store, () => ctx.now);
    return toSignedCheckpoint(checkpoint, ctx.checkpoints.store.where);
  },

  /** L5: receipts for the subject itself — DEPARTMENT and AGENCY views only, never the officer's id. */
  async receipts(ctx: RequestContext, subjectCode: string, first?: number | null, after?: string | null, countTotal = true): Promise<ConnectionShape<AccessReceipt>> {
    const limit = pageSize(first);
    const cursor = decodeEventCursor(after);
    const { rows, total } = await queryReceipts(ctx.db, subjectCode, cursor, limit, countTotal);
    const page = rows.slice(0, limit);
    return toConnection(
      page.map((row) => ({
        at: row.at,
        organization: null as never,
        orgCode: row.orgCode ?? '',
        view: row.view ?? '',
        purpose: row.purposeKind ? { kind: row.purposeKind, reference: row.purposeReference ?? '' } : null,
        grantId: row.grantId,
      })),
      page.map(eventCursor),
      rows.length > limit,
      total ?? 0,
    );
  },
};

/**
 * Walks a chain over sequence numbers [first, last] segment by segment (bounded memory): `prev` is the hash before
 * `first`; a missing tail counts as broken where it starts. One walk for both chains (L3, L6).
 */
async function walkChain<F extends { sequence: string; prevHash: string | null }>(
  first: number, last: number, prev: string | null,
  load: (start: number, end: number) => Promise<ChainLink<F>[]>, hashOf: (prev: string, fields: F) => string,
): Promise<ChainVerification> {
  let checked = 0;
  for (let start = first; start <= last; start += VERIFY_SEGMENT) {
    const end = Math.min(last, start + VERIFY_SEGMENT - 1);
    const result = verifyLinks(await load(start, end), start, prev, hashOf);
    checked += result.checked;
    const broken = result.firstBroken ?? (result.checked < end - start + 1 ? start + result.checked : null);
    if (broken !== null) return { valid: false, checked, firstBrokenSequence: broken, headHash: null };
    prev = result.lastHash;
  }
  return { valid: true, checked, firstBrokenSequence: null, headHash: prev };
}

async function verifyAccessChain(ctx: RequestContext, from: Date | null, to: Date | null, through: number | null = null) {
  const range = await sequenceBounds(ctx.db, from, to);
  // L6: a matched checkpoint's part of the chain is walked from the first event, whatever the range
  const bounds = through ? { first: 1, last: Math.max(range?.last ?? 0, through) } : range;
  if (!bounds) return { valid: true, checked: 0, firstBrokenSequence: null, fromSequence: null, toSequence: null, headHash: null };
  const prev = bounds.first === 1 ? GENESIS_HASH : ((await chainLink(ctx.db, 'access_events', bounds.first - 1))?.hash ?? null);
  const walked = await walkChain(bounds.first, bounds.last, prev, (start, end) => loadChainSegment(ctx.db, start, end), chainHash);
  return { ...walked, fromSequence: bounds.first, toSequence: bounds.last };
}

/** L6: the case events' chain, from its first event to its head (a few per objection or repair: small). */
async function verifyCaseChain(ctx: RequestContext): Promise<ChainVerification> {
  const head = await chainHead(ctx.db, 'case_events');
  if (!head) return { valid: true, checked: 0, firstBrokenSequence: null, headHash: null };
  return walkChain(1, head.sequence, GENESIS_HASH, (start, end) => loadCaseChainSegment(ctx.db, start, end), caseChainHash);
}

export function toSignedCheckpoint(checkpoint: Checkpoint, writtenTo: string): SignedCheckpoint {
  return {
    signedAt: new Date(checkpoint.signedAt),
    accessSequence: checkpoint.accessEvents?.sequence ?? null,
    accessHash: checkpoint.accessEvents?.hash ?? null,
    caseSequence: checkpoint.caseEvents?.sequence ?? null,
    caseHash: checkpoint.caseEvents?.hash ?? null,
    keyId: checkpoint.keyId,
    signature: checkpoint.signature,
    document: checkpointText(checkpoint),
    writtenTo,
  };
}

export type { CheckpointVerificationResult };
