import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { appendDurably } from '../ingest/durable-files.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, eq } from 'drizzle-orm';
import { exchangeImports } from '../../db/schema/index.js';
import type { Db } from '../../db/client.js';
import { loadStaticReference } from '../filing/filing.planner.js';
import { findOrganizations, findPeerPublicKey } from '../organizations/organizations.repository.js';
import { batchesOf, readLines, type Line } from '../ingest/ndjson.js';
import { applyChanges } from './apply.js';
import { MalformedChange, parseChange, type ChangeJson } from './change-json.js';
import { signaturePath } from './export.js';
import { verifyDigest } from './signature.js';

/**
 * X4 `exchange:import`: files a peer's exchange file here (X3, apply.ts). Nothing is filed before the file's
 * signature (`FILE.sig`) verifies with the public key registered with the peer's organisation: a tampered or
 * truncated file changes the digest and is refused whole, and what is filed is read from a private copy made while
 * hashing (never again from the drop directory). Then, like the NDJSON importer (W4), it works in batches: each batch
 * is applied in one transaction together with its checkpoint (table exchange_imports, by peer and digest), and its
 * refused lines go to `FILE.rejects.ndjson` with line numbers and reasons, so an import killed at any point resumes
 * exactly after the last batch committed.
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
  offset: number;
  nextLine: number;
  rejectsSize: number;
  /** the last sequence applied: lines must come in ascending order */
  lastSequence: string;
}

export const exchangeRejectsPath = (file: string) => `${file}.rejects.ndjson`;

async function loadCheckpoint(db: Db, peer: string, digest: string): Promise<Checkpoint | null> {
  const [row] = await db.select().from(exchangeImports).where(and(eq(exchangeImports.peer, peer), eq(exchangeImports.digest, digest)));
  return row ? {
    offset: Number(row.offset), nextLine: row.nextLine, rejectsSize: Number(row.rejectsSize), lastSequence: row.lastSequence,
    applied: row.applied, skipped: row.skipped, rejected: row.rejected, lines: row.lines,
  } : null;
}

/** Saved in the transaction of the batch it follows (X4: progress is exact, and lives where the drop directory cannot reach). */
async function saveCheckpoint(db: Db, peer: string, digest: string, checkpoint: Checkpoint): Promise<void> {
  const row = { peer, digest, ...checkpoint, updatedAt: new Date() };
  await db.insert(exchangeImports).values(row).onConflictDoUpdate({ target: [exchangeImports.peer, exchangeImports.digest], set: row });
}

const COPY_PREFIX = 'cqg-exchange-import-';

/** Private copies left by an import that was killed (its process is gone) are removed at the next import. */
async function removeStaleCopies(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(/^cqg-exchange-import-(\d+)-/.exec(entry)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0); // still running: its copy is in use
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') await rm(path.join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

/**
 * Verifies FILE.sig against the peer's registered key over a private copy of FILE made while hashing it: what is then
 * read and filed is exactly what the signature covers, whatever happens to FILE in the drop directory meanwhile.
 * Throws ImportRefused when the signature does not hold (the copy is removed then).
 */
export async function verifyExchangeFile(db: Db, peer: string, file: string): Promise<{ digest: Buffer; size: number; copy: string; dispose(): Promise<void> }> {
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
  await removeStaleCopies();
  const dir = await mkdtemp(path.join(tmpdir(), `${COPY_PREFIX}${process.pid}-`));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const copy = path.join(dir, 'changes.ndjson');
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(createReadStream(file), new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }), createWriteStream(copy, { mode: 0o600 }));
    const digest = hash.digest();
    if (!verifyDigest(digest, signature, publicKey)) {
      throw new ImportRefused('BAD_SIGNATURE', `the signature does not match ${file}: it was altered or truncated, or signed with another key; nothing was filed`);
    }
    return { digest, size, copy, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export async function importExchangeFile(options: ExchangeImportOptions): Promise<ExchangeImportTotals & { resumedFromLine: number }> {
  const { db, peer, file } = options;
  const verified = await verifyExchangeFile(db, peer, file);
  try {
    return await importVerified(options, verified.copy, verified.digest.toString('hex'), verified.size);
  } finally {
    await verified.dispose();
  }
}

async function importVerified(
  options: ExchangeImportOptions, copy: string, digest: string, fileSize: number,
): Promise<ExchangeImportTotals & { resumedFromLine: number }> {
  const { db, peer, file } = options;
  const clock = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 1000;
  const statics = await loadStaticReference(db);
  const checkpoint: Checkpoint = (await loadCheckpoint(db, peer, digest)) ?? {
    offset: 0, nextLine: 1, rejectsSize: 0, lastSequence: '0', applied: 0, skipped: 0, rejected: 0, lines: 0,
  };
  const resumedFromLine = checkpoint.nextLine;
  await writeFile(exchangeRejectsPath(file), '', { flag: 'a' });
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
    const lineOf = new Map(parsed.map((p) => [p.change.sequence, p.line]));
    const next = { ...checkpoint };
    await applyChanges(db, filer, parsed.map((p) => p.change), clock(), statics, async (tx, outcome) => {
      // under the peer's lock: the stored progress must still be where this run found it (two runs of one file at
      // once would otherwise redo a batch, double its rejects and move the checkpoint back); else nothing is kept
      const [stored] = await tx.select({ offset: exchangeImports.offset, rejectsSize: exchangeImports.rejectsSize }).from(exchangeImports)
        .where(and(eq(exchangeImports.peer, peer), eq(exchangeImports.digest, digest))).for('update');
      if (Number(stored?.offset ?? 0) !== checkpoint.offset) {
        throw new ImportRefused('CONCURRENT_IMPORT', `another import of ${file} ran meanwhile; run the import again to resume after it`);
      }
      // rejects beyond the stored size belong to a batch that was not committed (a kill): cut them off, under the
      // lock, before this batch's are added (never extending a shorter file)
      const keep = Number(stored?.rejectsSize ?? 0);
      if ((await stat(exchangeRejectsPath(file))).size > keep) await truncate(exchangeRejectsPath(file), keep);
      for (const refused of outcome.rejected) {
        const line = lineOf.get(refused.sequence)!;
        rejects.push({ line: line.number, reason: refused.reason, message: refused.message, input: line.text.slice(0, 10_000) });
      }
      rejects.sort((a, b) => a.line - b.line);
      const text = rejects.map((r) => `${JSON.stringify(r)}\n`).join('');
      // the rejects first, durably, then the checkpoint, then the commit: a crash before the commit leaves rejects
      // beyond the saved size, which the next run cuts off before it redoes the batch
      await appendDurably(exchangeRejectsPath(file), text);
      next.applied += outcome.applied;
      next.skipped += outcome.skipped;
      next.rejected += rejects.length;
      next.rejectsSize += Buffer.byteLength(text);
      next.lines += lines.length;
      next.offset = lines[lines.length - 1].end;
      next.nextLine = lines[lines.length - 1].number + 1;
      if (parsed.length) next.lastSequence = parsed[parsed.length - 1].change.sequence;
      await saveCheckpoint(tx, peer, digest, next);
    });
    Object.assign(checkpoint, next);
    options.onProgress?.({ ...checkpoint, bytesDone: checkpoint.offset, bytesTotal: fileSize });
  }

  for await (const batch of batchesOf(readLines(copy, checkpoint.offset, checkpoint.nextLine), batchSize)) await applyBatch(batch);
  const { applied, skipped, rejected, lines } = checkpoint;
  return { applied, skipped, rejected, lines, resumedFromLine };
}
