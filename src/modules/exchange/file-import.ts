import { appendFile, open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import type { Db } from '../../db/client.js';
import { loadStaticReference } from '../filing/filing.planner.js';
import { findOrganizations, findPeerPublicKey } from '../organizations/organizations.repository.js';
import { readLines, type Line } from '../ingest/ndjson.js';
import { applyChanges } from './apply.js';
import { MalformedChange, parseChange, type ChangeJson } from './change-json.js';
import { signaturePath } from './export.js';
import { fileDigest, verifyDigest } from './signature.js';

/**
 * X4 `exchange:import`: files a peer's exchange file here (X3, apply.ts). Nothing is filed before the file's
 * signature (`FILE.sig`) verifies with the public key registered with the peer's organisation: a tampered or
 * truncated file changes the digest and is refused whole. Then, like the NDJSON importer (W4), it works in batches;
 * after each batch is applied its refused lines go to `FILE.rejects.ndjson` (with line numbers and reasons) and
 * `FILE.checkpoint.json` records the byte offset reached, so an import killed at any point resumes where it stopped
 * (a batch applied but not yet checkpointed is applied again harmlessly: applying is idempotent).
 */
export class ImportRefused extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export interface ExchangeImportOptions {
  db: Db;
  peer: string;
  file: string;
  actor: string;
  batchSize?: number;
  now?: () => Date;
  onProgress?: (progress: ExchangeImportTotals & { bytesDone: number; bytesTotal: number }) => void;
}

export interface ExchangeImportTotals {
  applied: number;
  skipped: number;
  rejected: number;
  lines: number;
}

interface Checkpoint extends ExchangeImportTotals {
  version: 1;
  peer: string;
  digest: string;
  offset: number;
  nextLine: number;
  rejectsSize: number;
  /** the last sequence applied: lines must come in ascending order */
  lastSequence: string;
}

export const exchangeRejectsPath = (file: string) => `${file}.rejects.ndjson`;
export const exchangeCheckpointPath = (file: string) => `${file}.checkpoint.json`;

async function loadCheckpoint(file: string, peer: string, digest: string): Promise<Checkpoint | null> {
  try {
    const checkpoint = JSON.parse(await readFile(exchangeCheckpointPath(file), 'utf8')) as Checkpoint;
    return checkpoint.version === 1 && checkpoint.peer === peer && checkpoint.digest === digest ? checkpoint : null;
  } catch {
    return null;
  }
}

async function saveCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${exchangeCheckpointPath(file)}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, exchangeCheckpointPath(file));
}

async function appendDurably(path: string, data: string): Promise<void> {
  if (!data) return;
  await appendFile(path, data);
  const handle = await open(path, 'r+');
  await handle.sync();
  await handle.close();
}

/** Verifies FILE.sig against the peer's registered key; throws ImportRefused when it does not hold. */
export async function verifyExchangeFile(db: Db, peer: string, file: string): Promise<{ digest: Buffer; size: number }> {
  const [organization] = await findOrganizations(db, [peer]);
  if (!organization || organization.kind !== 'PEER_PLATFORM' || organization.status !== 'ACTIVE') {
    throw new ImportRefused('NOT_A_PEER', `${peer} is not an active peer platform`);
  }
  const publicKey = await findPeerPublicKey(db, peer);
  if (!publicKey) throw new ImportRefused('NO_PUBLIC_KEY', `no public key is registered for ${peer} (setPeerPublicKey)`);
  let signature: string;
  try {
    signature = await readFile(signaturePath(file), 'utf8');
  } catch {
    throw new ImportRefused('SIGNATURE_MISSING', `${signaturePath(file)} is missing: an exchange file is imported only with its signature`);
  }
  const { size } = await stat(file);
  const digest = await fileDigest(file);
  if (!verifyDigest(digest, signature, publicKey) || (await stat(file)).size !== size) {
    throw new ImportRefused('BAD_SIGNATURE', `the signature does not match ${file}: it was altered or truncated, or signed with another key; nothing was filed`);
  }
  return { digest, size };
}

export async function importExchangeFile(options: ExchangeImportOptions): Promise<ExchangeImportTotals & { resumedFromLine: number }> {
  const { db, peer, file } = options;
  const clock = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 1000;
  const verified = await verifyExchangeFile(db, peer, file);
  const digest = verified.digest.toString('hex');
  const fileSize = verified.size;
  const statics = await loadStaticReference(db);
  const checkpoint: Checkpoint = (await loadCheckpoint(file, peer, digest)) ?? {
    version: 1, peer, digest, offset: 0, nextLine: 1, rejectsSize: 0, lastSequence: '0', applied: 0, skipped: 0, rejected: 0, lines: 0,
  };
  const resumedFromLine = checkpoint.nextLine;
  await writeFile(exchangeRejectsPath(file), '', { flag: 'a' });
  await truncate(exchangeRejectsPath(file), checkpoint.rejectsSize); // rejects of a batch that will be redone
  const filer = { orgCode: peer, role: 'exchange', actor: options.actor };

  async function applyBatch(lines: Line[]): Promise<void> {
    const rejects: { line: number; reason: string; message: string; input: string }[] = [];
    const parsed: { line: Line; change: ChangeJson }[] = [];
    for (const line of lines) {
      if (line.text.trim() === '') continue;
      try {
        const change = parseChange(JSON.parse(line.text));
        const last = BigInt(parsed.length ? parsed[parsed.length - 1].change.sequence : checkpoint.lastSequence);
        if (BigInt(change.sequence) <= last) throw new MalformedChange(`sequence ${change.sequence} is not after ${last}: a feed is in ascending order`);
        parsed.push({ line, change });
      } catch (error) {
        if (!(error instanceof MalformedChange) && !(error instanceof SyntaxError)) throw error;
        rejects.push({ line: line.number, reason: 'MALFORMED_CHANGE', message: error.message, input: line.text.slice(0, 10_000) });
      }
    }
    const outcome = await applyChanges(db, filer, parsed.map((p) => p.change), clock(), statics);
    const lineOf = new Map(parsed.map((p) => [p.change.sequence, p.line]));
    for (const refused of outcome.rejected) {
      const line = lineOf.get(refused.sequence)!;
      rejects.push({ line: line.number, reason: refused.reason, message: refused.message, input: line.text.slice(0, 10_000) });
    }
    rejects.sort((a, b) => a.line - b.line);
    const text = rejects.map((r) => `${JSON.stringify(r)}\n`).join('');
    await appendDurably(exchangeRejectsPath(file), text);
    checkpoint.applied += outcome.applied;
    checkpoint.skipped += outcome.skipped;
    checkpoint.rejected += rejects.length;
    checkpoint.rejectsSize += Buffer.byteLength(text);
    checkpoint.lines += lines.length;
    checkpoint.offset = lines[lines.length - 1].end;
    checkpoint.nextLine = lines[lines.length - 1].number + 1;
    if (parsed.length) checkpoint.lastSequence = parsed[parsed.length - 1].change.sequence;
    await saveCheckpoint(file, checkpoint);
    options.onProgress?.({ ...checkpoint, bytesDone: checkpoint.offset, bytesTotal: fileSize });
  }

  let batch: Line[] = [];
  for await (const line of readLines(file, checkpoint.offset, checkpoint.nextLine)) {
    // only the bytes the signature covered are filed (a file that grows after it was verified is refused)
    if (line.end > fileSize) throw new ImportRefused('FILE_CHANGED', `${file} changed while it was imported; run the import again`);
    batch.push(line);
    if (batch.length >= batchSize) {
      await applyBatch(batch);
      batch = [];
    }
  }
  if (batch.length) await applyBatch(batch);
  const { applied, skipped, rejected, lines } = checkpoint;
  return { applied, skipped, rejected, lines, resumedFromLine };
}
