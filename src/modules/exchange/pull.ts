import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Db } from '../../db/client.js';
import { loadStaticReference } from '../filing/filing.planner.js';
import { findOrganizations } from '../organizations/organizations.repository.js';
import { applyChanges, type RejectedChange } from './apply.js';
import { CHANGE_SELECTION, parseChange } from './change-json.js';

/**
 * `exchange:pull`: the live path of X3. Reads a peer's `recordChanges` feed over HTTPS with the token that peer
 * issued to this platform (role exchange there), files each page here as the peer (apply.ts), and only then saves
 * the page's end cursor in a state file: a pull killed at any point resumes after the last page applied, and a page
 * applied twice changes nothing. Pages are applied in feed order, so a withdrawal never arrives before its filing.
 */
export interface PullOptions {
  db: Db;
  /** the peer's organisation code here (the records' source and origin) */
  peer: string;
  /** the peer's GraphQL endpoint */
  url: string;
  /** a token of the peer's, role exchange, naming this platform */
  token: string;
  /** where the cursor is kept between runs */
  stateFile: string;
  actor: string;
  first?: number;
  /** stop after this many pages (default: until the feed has no next page) */
  maxPages?: number;
  now?: () => Date;
  fetch?: typeof fetch;
  onPage?: (page: { changes: number; applied: number; skipped: number; rejected: RejectedChange[] }) => void | Promise<void>;
}

export class PullFailed extends Error {}

interface PullState {
  version: 1;
  peer: string;
  url: string;
  cursor: string | null;
}

async function loadState(file: string, peer: string, url: string): Promise<PullState> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as PullState;
    if (state.version === 1 && state.peer === peer && state.url === url) return state;
    throw new PullFailed(`${file} belongs to another peer or URL (${state.peer} ${state.url})`);
  } catch (error) {
    if (error instanceof PullFailed) throw error;
    return { version: 1, peer, url, cursor: null };
  }
}

async function saveState(file: string, state: PullState): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(state));
  await rename(`${file}.tmp`, file);
}

const FEED_QUERY = `query RecordChanges($after: String, $first: Int) {
  recordChanges(after: $after, first: $first) { edges { node { ${CHANGE_SELECTION} } } pageInfo { hasNextPage endCursor } } }`;

export async function pullFromPeer(options: PullOptions): Promise<{ pages: number; changes: number; applied: number; skipped: number; rejected: number; cursor: string | null }> {
  const { db, peer } = options;
  const fetchImpl = options.fetch ?? fetch;
  const clock = options.now ?? (() => new Date());
  const [organization] = await findOrganizations(db, [peer]);
  if (!organization || organization.kind !== 'PEER_PLATFORM' || organization.status !== 'ACTIVE') {
    throw new PullFailed(`${peer} is not an active peer platform here`);
  }
  const state = await loadState(options.stateFile, peer, options.url);
  const statics = await loadStaticReference(db);
  const filer = { orgCode: peer, role: 'exchange', actor: options.actor };
  const totals = { pages: 0, changes: 0, applied: 0, skipped: 0, rejected: 0 };
  let lastSequence: bigint | null = null;
  for (;;) {
    if (options.maxPages !== undefined && totals.pages >= options.maxPages) break;
    const response = await fetchImpl(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query: FEED_QUERY, operationName: 'RecordChanges', variables: { after: state.cursor, first: options.first ?? 100 } }),
    });
    const body = (await response.json().catch(() => null)) as { data?: { recordChanges?: unknown }; errors?: { message: string; extensions?: { code?: string } }[] } | null;
    if (!response.ok || !body?.data?.recordChanges) {
      const error = body?.errors?.[0];
      throw new PullFailed(`the peer answered HTTP ${response.status}${error ? ` ${error.extensions?.code ?? ''}: ${error.message}` : ''}`);
    }
    const connection = body.data.recordChanges as { edges: { node: unknown }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    let changes;
    try {
      changes = connection.edges.map((edge) => parseChange(edge.node));
    } catch (error) {
      throw new PullFailed(`the peer sent a malformed change: ${(error as Error).message}`);
    }
    // a feed is in ascending order: a page that goes back is refused whole (nothing of it is filed)
    for (let i = 1; i < changes.length; i += 1) {
      if (BigInt(changes[i].sequence) <= BigInt(changes[i - 1].sequence)) throw new PullFailed(`the peer's page is not in ascending order at sequence ${changes[i].sequence}`);
    }
    if (connection.pageInfo.hasNextPage && !connection.pageInfo.endCursor) throw new PullFailed('the peer says there is a next page but gives no cursor');
    // and across pages: a page that repeats or goes back, or a "next page" that brings nothing, would loop for ever
    if (changes.length && lastSequence !== null && BigInt(changes[0].sequence) <= lastSequence) {
      throw new PullFailed(`the peer's feed went back to sequence ${changes[0].sequence}`);
    }
    if (changes.length === 0 && connection.pageInfo.hasNextPage) throw new PullFailed('the peer says there is a next page but sent an empty one');
    if (changes.length) lastSequence = BigInt(changes[changes.length - 1].sequence);
    const outcome = await applyChanges(db, filer, changes, clock(), statics);
    totals.pages += 1;
    totals.changes += changes.length;
    totals.applied += outcome.applied;
    totals.skipped += outcome.skipped;
    totals.rejected += outcome.rejected.length;
    await options.onPage?.({ changes: changes.length, ...outcome });
    if (connection.pageInfo.endCursor) {
      state.cursor = connection.pageInfo.endCursor;
      await saveState(options.stateFile, state);
    }
    if (!connection.pageInfo.hasNextPage) break;
  }
  return { ...totals, cursor: state.cursor };
}
