import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../../db/client.js';
import { chainHead, insertCheckpoint, type ChainHead } from './access-log.repository.js';

/**
 * Signed checkpoints (SPEC L6). The hash chain alone cannot show that its newest events were deleted, or
 * rewritten and rehashed, by someone who can write the database: the shortened or rewritten chain is still a
 * valid chain. A checkpoint is the head of both chains (access events, case events) at an instant, signed with
 * an Ed25519 key that lives outside the database and written outside it (a directory, or stdout for a log
 * shipper). Verification compares the database with the newest checkpoint (access-log.service.ts).
 *
 * A checkpoint is one line of JSON:
 *   {"version":1,"signedAt":"…","accessEvents":{"sequence":N,"hash":"…"}|null,"caseEvents":{…}|null,
 *    "keyId":"…","signature":"<base64 Ed25519 over the UTF-8 of the first four members, in this order>"}
 */
export interface Checkpoint {
  version: 1;
  signedAt: string;
  accessEvents: ChainHead | null;
  caseEvents: ChainHead | null;
  keyId: string;
  signature: string;
}

/** The bytes a checkpoint's signature covers: its members but keyId and signature, in a fixed order. */
export function signedBytes(checkpoint: Pick<Checkpoint, 'version' | 'signedAt' | 'accessEvents' | 'caseEvents'>): Buffer {
  const head = (h: ChainHead | null) => (h ? { sequence: h.sequence, hash: h.hash } : null);
  return Buffer.from(JSON.stringify({
    version: checkpoint.version, signedAt: checkpoint.signedAt, accessEvents: head(checkpoint.accessEvents), caseEvents: head(checkpoint.caseEvents),
  }), 'utf8');
}

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (DER, SPKI). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export class CheckpointKeyError extends Error {}

/** The signing key and every public key a checkpoint may be verified with (the current one and rotated-out ones). */
export class CheckpointKeys {
  readonly keyId: string;
  private readonly verifiers = new Map<string, KeyObject>();

  constructor(private readonly signingKey: KeyObject, verifyKeys: readonly KeyObject[] = []) {
    if (signingKey.asymmetricKeyType !== 'ed25519') throw new CheckpointKeyError('the checkpoint signing key must be an Ed25519 private key');
    const publicKey = createPublicKey(signingKey);
    this.keyId = keyIdOf(publicKey);
    this.verifiers.set(this.keyId, publicKey);
    for (const key of verifyKeys) {
      if (key.asymmetricKeyType !== 'ed25519') throw new CheckpointKeyError('every checkpoint verification key must be an Ed25519 public key');
      this.verifiers.set(keyIdOf(key), key);
    }
  }

  /** From PEM text: a private key, and any number of public keys (concatenated PEM blocks). */
  static fromPem(privatePem: string, publicPems = ''): CheckpointKeys {
    let signing: KeyObject;
    try {
      signing = createPrivateKey(privatePem);
    } catch {
      throw new CheckpointKeyError('CHECKPOINT_SIGNING_KEY is not a PEM private key');
    }
    const blocks = publicPems.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
    if (publicPems.trim() && blocks.length === 0) throw new CheckpointKeyError('CHECKPOINT_VERIFY_KEYS holds no PEM public key');
    const verifying = blocks.map((block) => {
      try {
        return createPublicKey(block);
      } catch {
        throw new CheckpointKeyError('CHECKPOINT_VERIFY_KEYS holds a PEM block that is not a public key');
      }
    });
    return new CheckpointKeys(signing, verifying);
  }

  static generate(): { keys: CheckpointKeys; privatePem: string } {
    const { privateKey } = generateKeyPairSync('ed25519');
    return { keys: new CheckpointKeys(privateKey), privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }

  publicKeyPem(): string {
    return this.verifiers.get(this.keyId)!.export({ type: 'spki', format: 'pem' }).toString();
  }

  sign(body: Pick<Checkpoint, 'signedAt' | 'accessEvents' | 'caseEvents'>): Checkpoint {
    const unsigned = { version: 1 as const, ...body };
    return { ...unsigned, keyId: this.keyId, signature: sign(null, signedBytes(unsigned), this.signingKey).toString('base64') };
  }

  /** 'VALID', or why not: no public key with the checkpoint's id, or a signature that does not verify. */
  check(checkpoint: Checkpoint): 'VALID' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' {
    const key = this.verifiers.get(checkpoint.keyId);
    if (!key) return 'UNKNOWN_KEY';
    try {
      return verify(null, signedBytes(checkpoint), key, Buffer.from(checkpoint.signature, 'base64')) ? 'VALID' : 'BAD_SIGNATURE';
    } catch {
      return 'BAD_SIGNATURE';
    }
  }
}

const isHead = (value: unknown): value is ChainHead | null =>
  value === null || (typeof value === 'object' && Number.isSafeInteger((value as ChainHead).sequence) && (value as ChainHead).sequence > 0
    && typeof (value as ChainHead).hash === 'string' && /^[0-9a-f]{64}$/.test((value as ChainHead).hash));

/** A checkpoint parsed from its JSON text, or null when the text is not one (its signature is not checked here). */
export function parseCheckpoint(text: string): Checkpoint | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const c = value as Partial<Checkpoint> | null;
  if (!c || typeof c !== 'object' || c.version !== 1 || typeof c.signedAt !== 'string' || Number.isNaN(Date.parse(c.signedAt))
    || !isHead(c.accessEvents ?? null) || !isHead(c.caseEvents ?? null) || typeof c.keyId !== 'string' || typeof c.signature !== 'string') {
    return null;
  }
  return { version: 1, signedAt: c.signedAt, accessEvents: c.accessEvents ?? null, caseEvents: c.caseEvents ?? null, keyId: c.keyId, signature: c.signature };
}

export const checkpointText = (checkpoint: Checkpoint) => JSON.stringify(checkpoint);

/** Where checkpoints are written, outside the database. */
export interface CheckpointStore {
  /** a short description for start-up and logs */
  readonly where: string;
  /** false when written checkpoints cannot be listed again (stdout): verification then uses the database's signed copy */
  readonly readsBack: boolean;
  write(checkpoint: Checkpoint): Promise<void>;
  /**
   * Every checkpoint held, oldest first (by access sequence, then time), each read only when asked for (a year of
   * five-minute checkpoints is 105,000 files); empty when the store cannot be read back.
   */
  list(): Promise<CheckpointEntry[]>;
}

/** A stored checkpoint, read on demand (null when its file is no longer a checkpoint). */
export type CheckpointEntry = () => Promise<Checkpoint | null>;

/**
 * One file a checkpoint (CHECKPOINT_DIR), named so that names sort by the access log's sequence and then time:
 * checkpoint-<sequence, 15 digits>-<signedAt, digits only>-<key id>.json, written to a temporary name and renamed.
 */
export class DirectoryCheckpointStore implements CheckpointStore {
  readonly readsBack = true;

  constructor(readonly dir: string) {}

  get where(): string {
    return this.dir;
  }

  async write(checkpoint: Checkpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const sequence = String(checkpoint.accessEvents?.sequence ?? 0).padStart(15, '0');
    const name = `checkpoint-${sequence}-${checkpoint.signedAt.replace(/\D/g, '')}-${checkpoint.keyId}.json`;
    const temporary = path.join(this.dir, `.${name}.${process.pid}.tmp`);
    await writeFile(temporary, `${checkpointText(checkpoint)}\n`, { mode: 0o644 });
    await rename(temporary, path.join(this.dir, name));
  }

  async list(): Promise<CheckpointEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((name) => /^checkpoint-\d{15}-\d+-[0-9a-f]+\.json$/.test(name)).sort();
    } catch {
      return [];
    }
    return names.map((name) => async () => parseCheckpoint(await readFile(path.join(this.dir, name), 'utf8').catch(() => '')));
  }
}

/** CHECKPOINT_DIR=- : one JSON line per checkpoint on stdout, for a log shipper (verify by passing one back). */
export class StdoutCheckpointStore implements CheckpointStore {
  readonly where = 'stdout';
  readonly readsBack = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async write(checkpoint: Checkpoint): Promise<void> {
    this.out.write(`${JSON.stringify({ checkpoint })}\n`);
  }

  async list(): Promise<CheckpointEntry[]> {
    return [];
  }
}

/** Signs the committed heads of both chains now, keeps the database's copy, then writes the signed checkpoint out. */
export async function signCheckpoint(db: Db, keys: CheckpointKeys, store: CheckpointStore, now: () => Date): Promise<Checkpoint> {
  const [accessEvents, caseEvents] = await Promise.all([chainHead(db, 'access_events'), chainHead(db, 'case_events')]);
  // the instant is read after the heads: every link they cover was written before it (verification relies on that)
  const signedAt = now();
  const checkpoint = keys.sign({ signedAt: signedAt.toISOString(), accessEvents, caseEvents });
  // the database's copy first: a checkpoint written out but missing from the database would look like a rollback
  await insertCheckpoint(db, { signedAt, accessEvents, caseEvents, keyId: checkpoint.keyId, signature: checkpoint.signature });
  await store.write(checkpoint);
  return checkpoint;
}

/** Everything the gateway needs for L6: the keys, the store, and how often to sign (0 = on demand only). */
export interface CheckpointSettings {
  keys: CheckpointKeys;
  store: CheckpointStore;
  intervalMs: number;
}

/** The settings from configuration: a store for CHECKPOINT_DIR (a directory, or '-' for stdout). */
export function checkpointSettings(privatePem: string, verifyPems: string, dir: string, intervalMs: number): CheckpointSettings {
  return {
    keys: CheckpointKeys.fromPem(privatePem, verifyPems),
    store: dir === '-' ? new StdoutCheckpointStore() : new DirectoryCheckpointStore(path.resolve(dir)),
    intervalMs,
  };
}

/**
 * Signs a checkpoint every `intervalMs` while the heads move (an idle platform writes no new checkpoints), and
 * once more at shutdown. Several gateway processes each sign: that is harmless (each checkpoint is true), and
 * the newest one is what verification uses. A failure is logged and retried at the next interval.
 */
export class CheckpointSigner {
  private timer: NodeJS.Timeout | null = null;
  private last: string | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly settings: CheckpointSettings,
    private readonly clock: () => Date,
    private readonly logger: { error(message: string, fields?: Record<string, unknown>): void; info(message: string, fields?: Record<string, unknown>): void },
  ) {}

  start(): void {
    if (this.settings.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  /** Signs now if either head moved since this process last signed. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        const [access, cases] = await Promise.all([chainHead(this.db, 'access_events'), chainHead(this.db, 'case_events')]);
        const heads = `${access?.sequence ?? 0}:${cases?.sequence ?? 0}`;
        if (heads === this.last || (!access && !cases)) return;
        await signCheckpoint(this.db, this.settings.keys, this.settings.store, this.clock);
        this.last = heads;
      } catch (error) {
        this.logger.error('could not sign a checkpoint', { error });
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    if (this.settings.intervalMs > 0) await this.tick();
  }
}
