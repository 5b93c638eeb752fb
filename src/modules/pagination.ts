import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadUserInputError } from '../errors/app-errors.js';

/** Relay pagination arguments (SPEC §10.3): `first` defaults to 20, above 100 is refused. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw new BadUserInputError('INVALID_FIRST', '`first` must be a non-negative integer.');
  if (first > MAX_PAGE_SIZE) throw new BadUserInputError('FIRST_TOO_LARGE', `\`first\` may be at most ${MAX_PAGE_SIZE}.`);
  return first;
}

/**
 * Cursors are opaque and tamper-evident (SPEC §10.3): the sort key (which may hold what the viewer may not see,
 * such as the platform-wide access-log sequence) is sealed with AES-256-GCM under a server key. The nonce is
 * synthetic (an HMAC of the key's text), so the same position always gives the same cursor and several processes
 * sharing the secret read each other's cursors; any altered byte fails the authentication tag → INVALID_CURSOR.
 */
interface CursorKeys {
  seal: Buffer;
  nonce: Buffer;
}

function cursorKeysFrom(secret: string | Buffer): CursorKeys {
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', secret, 'credit-query-gateway', `cursor ${label}`, 32));
  return { seal: derive('seal'), nonce: derive('nonce') };
}

let cursorKeys = cursorKeysFrom(randomBytes(32));

/** The server secret cursors are sealed with (CURSOR_SECRET, else JWT_SECRET; a random one per process otherwise). */
export function configureCursorSecret(secret: string | Buffer): void {
  cursorKeys = cursorKeysFrom(secret);
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** An opaque keyset cursor: the sort key, sealed. */
export function encodeCursor(key: readonly (string | number)[]): string {
  const plain = Buffer.from(JSON.stringify(key), 'utf8');
  const nonce = createHmac('sha256', cursorKeys.nonce).update(plain).digest().subarray(0, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cursorKeys.seal, nonce);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString('base64url');
}

function openCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('charset');
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length <= NONCE_BYTES + TAG_BYTES || bytes.toString('base64url') !== cursor) throw new Error('length');
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', cursorKeys.seal, nonce);
  decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  const plain = Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  const expected = createHmac('sha256', cursorKeys.nonce).update(plain).digest().subarray(0, NONCE_BYTES);
  if (!timingSafeEqual(expected, nonce)) throw new Error('nonce');
  return plain.toString('utf8');
}

/** What each position of a cursor's key must be; checked before any value reaches SQL. */
export type CursorPart = 'string' | 'isoInstant' | 'uuid' | 'digits';

const CURSOR_CHECKS: Record<CursorPart, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string' && value.length <= 1000,
  digits: (value) => typeof value === 'string' && /^[0-9]{1,18}$/.test(value),
  // exactly what encodeCursor writes (Date#toISOString), so no PostgreSQL special value ('yesterday') gets in
  isoInstant: (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value)
    && !Number.isNaN(new Date(value).getTime()) && new Date(value).toISOString() === value,
  uuid: (value) => typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
};

export function decodeCursor(cursor: string | null | undefined, shape: readonly CursorPart[]): string[] | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const key = JSON.parse(openCursor(cursor)) as unknown;
    if (!Array.isArray(key) || key.length !== shape.length) throw new Error('shape');
    key.forEach((part, i) => {
      if (!CURSOR_CHECKS[shape[i]](part)) throw new Error('type');
    });
    return key as string[];
  } catch {
    throw new BadUserInputError('INVALID_CURSOR', 'The cursor is malformed.');
  }
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}
