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

/** Opaque keyset cursors: base64url of a JSON array of the sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
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
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('charset');
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
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
