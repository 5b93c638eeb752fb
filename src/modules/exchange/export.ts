import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { syncFile, writeDurably } from '../ingest/durable-files.js';
import path from 'node:path';
import type { Db } from '../../db/client.js';
import { exchangePurpose } from '../../../policies/exchange.js';
import { appendEvents, type NewAccessEvent } from '../access-log/access-log.repository.js';
import { findOrganizations, type OrganizationRow } from '../organizations/organizations.repository.js';
import { changeToJson } from './change-json.js';
import { queryChanges, type ChangeRow } from './feed.repository.js';
import { feedCursor, feedPosition, feedScope } from './feed-position.js';
import { signDigest } from './signature.js';

/**
 * X4 `exchange:export`: the feed of one peer after a cursor, written as NDJSON (one change per line, the fields of
 * RecordChange — the same JSON the live feed answers), with `FILE.sig` (Ed25519 over the SHA-256 digest of FILE) and
 * `FILE.cursor` (where the next export starts). The feed is read page by page from the database and streamed to the
 * file: memory stays bounded whatever the number of changes. Every page is a disclosure to the peer (X2): its access
 * events are appended before its lines are written (L2: no line leaves without its events).
 */
export interface ExportOptions {
  db: Db;
  peer: string;
  /** a cursor from an earlier FILE.cursor or the live feed; '' or null: from the beginning */
  after: string | null;
  out: string;
  signingKey: KeyObject;
  /** who ran the export (the access events' actor) */
  actor: string;
  pageSize?: number;
  now?: () => Date;
  onProgress?: (changes: number) => void;
}

export interface ExportResult {
  changes: number;
  cursor: string;
  file: string;
}

export class ExportRefused extends Error {}

export const signaturePath = (file: string) => `${file}.sig`;

export const cursorPath = (file: string) => `${file}.cursor`;

function eventsOf(page: readonly ChangeRow[], peer: string, actor: string, requestId: string, at: Date): NewAccessEvent[] {
  const bySubject = new Map<string, Set<string>>();
  for (const row of page) {
    const ids = bySubject.get(row.record.subjectCode) ?? new Set<string>();
    ids.add(row.record.id);
    bySubject.set(row.record.subjectCode, ids);
  }
  const purpose = exchangePurpose(peer);
  return [...bySubject.entries()].map(([subjectCode, ids]) => ({
    at: at.toISOString(), requestId, actor, role: 'exchange', orgCode: peer, view: 'DEPARTMENT',
    purposeKind: purpose.kind, purposeReference: purpose.reference, grantId: null, subjectCode, recordIds: [...ids],
    operationName: 'exchange:export',
  }));
}

export async function exportChanges(options: ExportOptions): Promise<ExportResult> {
  const { db, peer, out } = options;
  const clock = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? 1000;
  const [organization] = await findOrganizations(db, [peer]);
  if (!organization || organization.kind !== 'PEER_PLATFORM' || organization.status !== 'ACTIVE') {
    throw new ExportRefused(`${peer} is not an active peer platform`);
  }
  let position = feedPosition(options.after);
  const scope = feedScope({ role: 'exchange', actor: options.actor, orgCode: peer, subjectCode: null });
  const requestId = `export-${randomUUID()}`;
  const sources = new Map<string, OrganizationRow>();
  const partial = `${out}.partial`;
  const stream = createWriteStream(partial);
  const digest = createHash('sha256');
  const write = async (text: string) => {
    digest.update(text);
    if (!stream.write(text)) await once(stream, 'drain'); // back-pressure: never more than a page in memory
  };
  let changes = 0;
  try {
    for (;;) {
      const now = clock();
      const page = await queryChanges(db, scope, position, pageSize, now);
      if (page.length === 0) break;
      const unknown = [...new Set(page.map((row) => row.record.sourceOrg))].filter((code) => !sources.has(code));
      for (const organization of await findOrganizations(db, unknown)) sources.set(organization.code, organization);
      await appendEvents(db, eventsOf(page, peer, options.actor, requestId, now)); // X2, L2: before any line leaves
      await write(page.map((row) => `${JSON.stringify(changeToJson(row, peer, sources))}\n`).join(''));
      changes += page.length;
      position = page[page.length - 1].sequence;
      options.onProgress?.(changes);
    }
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  const cursor = feedCursor(position);
  // the signature, then the file, then the cursor: a FILE present is complete and signed, and a cursor never moves past
  // a file that is not in place (after a crash in between, the next export repeats changes, which imports skip)
  await syncFile(partial);
  await writeDurably(signaturePath(out), `${signDigest(digest.digest(), options.signingKey)}\n`);
  await rename(partial, out);
  await syncFile(path.dirname(path.resolve(out)));
  await writeDurably(cursorPath(out), `${cursor}\n`);
  return { changes, cursor, file: out };
}
