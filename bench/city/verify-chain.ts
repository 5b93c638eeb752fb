import type pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { chainLink, loadChainSegment } from '../../src/modules/access-log/access-log.repository.js';
import { GENESIS_HASH, verifySegment } from '../../src/modules/access-log/chain.js';

/**
 * Proves the generated access log is a valid chain the gateway can continue: segments checked with the
 * application's verifier (what verifyAccessLog runs), hashes recomputed by the database's own canonical form, and
 * one real append_access_events call inside a rolled-back transaction that must continue from the generated head.
 */
export interface ChainCheck {
  segments: { first: number; last: number; checked: number }[];
  sqlRecomputed: number;
  appendContinues: boolean;
}

const SEGMENT = 5000;

export async function verifyGeneratedChain(url: string, client: pg.Client, total: number, head: { sequence: number; hash: string }): Promise<ChainCheck> {
  const database = await openDatabase({ url, poolSize: 2 });
  const segments: ChainCheck['segments'] = [];
  try {
    const starts = [...new Set([1, Math.max(1, Math.floor(total / 2) - SEGMENT / 2), Math.max(1, total - SEGMENT + 1)])];
    for (const first of starts) {
      const last = Math.min(total, first + SEGMENT - 1);
      const prev = first === 1 ? GENESIS_HASH : ((await chainLink(database.db, 'access_events', first - 1))?.hash ?? null);
      const result = verifySegment(await loadChainSegment(database.db, first, last), first, prev);
      if (result.firstBroken !== null || result.checked !== last - first + 1) {
        throw new Error(`access log chain broken at ${result.firstBroken ?? first + result.checked} (segment ${first}–${last})`);
      }
      if (last === total && result.lastHash !== head.hash) throw new Error('access log head differs from the generated head');
      segments.push({ first, last, checked: result.checked });
    }
  } finally {
    await database.close();
  }

  // the database's own canonical form (what append_access_events hashes), at both ends of the chain
  const recomputed = await client.query<{ n: number; ok: number }>(`
    SELECT count(*)::int AS n, count(*) FILTER (WHERE hash = encode(sha256(convert_to(prev_hash || access_event_canonical(
      sequence, at, request_id, actor, role, org_code, view, purpose_kind, purpose_reference, grant_id, subject_code, record_ids,
      operation_name, prev_hash), 'UTF8')), 'hex'))::int AS ok
    FROM access_events WHERE sequence <= 500 OR sequence > $1`, [total - 500]);
  const { n, ok } = recomputed.rows[0]!;
  if (n !== ok) throw new Error(`${n - ok} generated events do not match access_event_canonical`);

  // a real append continues the chain from the generated head; rolled back so the log stays as generated
  await client.query('BEGIN');
  try {
    const event = {
      at: new Date().toISOString(), requestId: 'city-generator-check', actor: null, role: 'public', orgCode: null, view: 'PUBLIC',
      purposeKind: null, purposeReference: null, grantId: null, subjectCode: null, recordIds: [], operationName: 'subject',
    };
    const appended = await client.query<{ appended_sequence: string }>('SELECT appended_sequence FROM append_access_events($1::jsonb)', [JSON.stringify([event])]);
    const row = await client.query<{ prev_hash: string }>('SELECT prev_hash FROM access_events WHERE sequence = $1', [head.sequence + 1]);
    const continues = Number(appended.rows[0]?.appended_sequence) === head.sequence + 1 && row.rows[0]?.prev_hash === head.hash;
    if (!continues) throw new Error('append_access_events does not continue the generated chain');
  } finally {
    await client.query('ROLLBACK');
  }
  return { segments, sqlRecomputed: n, appendContinues: true };
}
