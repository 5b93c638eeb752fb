import { createHash } from 'node:crypto';
import pg from 'pg';
import { DrizzleQueryError, fillPlaceholders, is, type Logger, type SQL } from 'drizzle-orm';
import { NodePgSession } from 'drizzle-orm/node-postgres';
import type { Db } from './client.js';
import { LruMap } from '../lru.js';

interface BuiltQuery {
  sql: string;
  params: unknown[];
}

/** The two pieces of drizzle's database object that db.execute itself uses (public at runtime, not in its types). */
interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): BuiltQuery };
  session: {
    prepareQuery(query: BuiltQuery, fields: undefined, name: string | undefined, arrayMode: boolean): {
      execute(values: Record<string, unknown>): Promise<unknown>;
    };
  };
}

const internals = (db: Db) => db as unknown as DrizzleInternals;

/**
 * Runs a raw statement through drizzle (so it is logged and counted like every other) and returns its rows.
 * `values` fill the statement's `sql.placeholder()`s (e.g. REQUEST_NOW).
 */
export async function queryRows<T>(db: Db, query: SQL, values: Record<string, unknown> = {}): Promise<T[]> {
  return run<T>(db, internals(db).dialect.sqlToQuery(query), undefined, values);
}

/**
 * The type ids drizzle's node-postgres driver leaves as their wire text (timestamps, dates, intervals, their arrays
 * and numeric[]): `run` below must return exactly the rows drizzle would.
 */
const WIRE_TEXT_TYPES: ReadonlySet<number> = new Set([
  pg.types.builtins.TIMESTAMPTZ, pg.types.builtins.TIMESTAMP, pg.types.builtins.DATE, pg.types.builtins.INTERVAL,
  1231, 1115, 1185, 1187, 1182,
]);
const wireText = (value: string) => value;
/** One type-parser table for every statement (drizzle's builds a closure per statement and per column). */
export const ROW_TYPES = {
  getTypeParser: (typeId: number, format?: string) =>
    (WIRE_TEXT_TYPES.has(typeId) ? wireText : pg.types.getTypeParser(typeId, format as 'text')),
};

/** drizzle's node-postgres session: what it queries (the pool, a transaction's client, the replica's router), its logger */
interface NodePgSessionParts {
  client: { query(config: pg.QueryConfig, values: unknown[]): Promise<pg.QueryResult> };
  logger: Logger;
}

/**
 * Runs a statement and returns its rows. On PostgreSQL it calls the session's client as drizzle's prepared query
 * does — same name and text, placeholders filled by drizzle, the same type parsers, logged on the session's logger,
 * a failure wrapped in DrizzleQueryError — without the prepared-query object, closures, tracing spans and promises
 * drizzle makes per execution (issue 18: the gateway's hot statements run once or twice per request). PGlite goes
 * through drizzle.
 */
async function run<T>(db: Db, query: BuiltQuery, name: string | undefined, values: Record<string, unknown>): Promise<T[]> {
  const session = internals(db).session;
  if (is(session, NodePgSession)) {
    const { client, logger } = session as unknown as NodePgSessionParts;
    const params = fillPlaceholders(query.params, values);
    logger.logQuery(query.sql, params);
    let result: pg.QueryResult;
    try {
      result = await client.query({ name, text: query.sql, types: ROW_TYPES, rowMode: 'array' } as pg.QueryConfig, params);
    } catch (error) {
      throw new DrizzleQueryError(query.sql, params, error as Error);
    }
    return rowObjects(result.fields, result.rows as unknown as unknown[][], name) as T[];
  }
  const result = (await session.prepareQuery(query, undefined, name, false).execute(values)) as { rows: T[] };
  return result.rows;
}

/**
 * Row objects from pg's array rows. pg's own object rows are copies of an `Object.create(null)` template with a
 * property set per column, which V8 keeps as dictionaries: slow to build and slow to read in every mapper. Here each
 * shape of result (its column names, in order) gets one function, generated once, that returns an object literal
 * with those names (`{"id": v[0], "code": v[1], …}`): objects of one hidden class, the values pg parsed. What the
 * rows hold is unchanged — the same names in the same order, the same values, and a repeated name keeps its last
 * value as pg's did (test/unit/row-objects.test.ts). `__proto__` is written as a computed key (`["__proto__"]: …`),
 * which defines an own property as pg's rows have, where the plain form would set the prototype.
 */
interface RowBuilder {
  names: readonly string[];
  build: (values: unknown[]) => Record<string, unknown>;
}
/** by statement name (its text, hence its columns, is fixed) or, for unnamed statements, by the column names */
const rowBuilders = new LruMap<string, RowBuilder>(2_000);

function sameNames(builder: RowBuilder, fields: readonly { name: string }[]): boolean {
  if (builder.names.length !== fields.length) return false;
  for (let i = 0; i < fields.length; i += 1) if (builder.names[i] !== fields[i].name) return false;
  return true;
}

/** the names are PostgreSQL's column labels, written as JSON string literals: nothing of them is read as code */
function builderOf(names: readonly string[]): RowBuilder {
  const properties = names.map((name, i) => `${name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name)}: v[${i}]`);
  return { names, build: new Function('v', `return {${properties.join(', ')}};`) as RowBuilder['build'] };
}

function rowBuilder(statement: string | undefined, fields: readonly { name: string }[]): RowBuilder['build'] {
  const key = statement ?? `\u0000${fields.map((field) => field.name).join('\u0000')}`;
  let builder = rowBuilders.get(key);
  if (!builder || !sameNames(builder, fields)) {
    builder = builderOf(fields.map((field) => field.name));
    rowBuilders.set(key, builder);
  }
  return builder.build;
}

/** pg's array rows of one result as objects keyed by column name (`statement`: the prepared statement's name, if any). */
export function rowObjects(fields: readonly { name: string }[], rows: readonly unknown[][], statement?: string): Record<string, unknown>[] {
  if (rows.length === 0) return [];
  const build = rowBuilder(statement, fields);
  const objects = new Array<Record<string, unknown>>(rows.length);
  for (let i = 0; i < rows.length; i += 1) objects[i] = build(rows[i]);
  return objects;
}

interface CompiledStatement extends BuiltQuery {
  name: string;
}

/** Compiled statements by shape key. */
const compiled = new LruMap<string, CompiledStatement>(2_000);
/**
 * Keys longer than this (an agency's scope names every granting subject) are rendered per request and not kept:
 * the cache stays small, and the text — one array parameter however many grants — still reuses the prepared
 * statement on the connection.
 */
const KEY_LIMIT = 4_096;

function compile(db: Db, key: string, build: () => SQL): CompiledStatement {
  let statement = compiled.get(key);
  if (!statement) {
    const query = internals(db).dialect.sqlToQuery(build());
    // the name follows the text: keys that render the same text share one prepared statement per connection
    statement = { ...query, name: `cqg_${createHash('sha256').update(query.sql).digest('hex').slice(0, 32)}` };
    if (key.length <= KEY_LIMIT) compiled.set(key, statement);
  }
  return statement;
}

/** What the compiled-statement cache holds (for tests and diagnostics). */
export function compiledStatementStats(): { entries: number; longestKey: number } {
  let longestKey = 0;
  for (const key of compiled.keys()) longestKey = Math.max(longestKey, key.length);
  return { entries: compiled.size, longestKey };
}

/**
 * A hot-path statement, built and rendered once per `key` and prepared once per connection under a name, so
 * that PostgreSQL parses and plans it once (generic plan) instead of on every request. `key` must determine
 * the SQL text and every value baked into it (scope rules are keyed by their content); whatever varies per
 * request goes in as `sql.placeholder(name)` and arrives in `values`.
 */
export async function queryCached<T>(db: Db, key: string, build: () => SQL, values: Record<string, unknown>): Promise<T[]> {
  const statement = compile(db, key, build);
  return run<T>(db, statement, statement.name, values);
}

/** Timestamps from raw statements arrive as PostgreSQL text ('2026-01-31 09:00:00.5+08') or Date: → Date. */
/** Digits text[from, to) as a number; NaN when any is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * PostgreSQL's text form of a timestamptz (DateStyle ISO: 'YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]') → epoch ms,
 * fractions beyond the millisecond cut off as Date does; NaN for anything else (the general parser decides).
 * Read directly: a records page carries ~100 timestamps and Date's string parser was a visible share of a request.
 */
export function pgTimestampMs(text: string): number {
  const length = text.length;
  if (length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32
    || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return NaN;
  const year = digits(text, 0, 4);
  if (!(year >= 100)) return NaN; // Date.UTC maps years 0–99 to 1900–1999
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    const start = i + 1;
    i = start;
    while (i < length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i += 1;
    if (i === start) return NaN;
    const fraction = text.slice(start, Math.min(i, start + 3)).padEnd(3, '0');
    ms = digits(fraction, 0, 3);
  }
  const sign = text.charCodeAt(i) === 43 ? 1 : text.charCodeAt(i) === 45 ? -1 : 0;
  if (!sign) return NaN;
  const offsetHours = digits(text, i + 1, i + 3);
  i += 3;
  let offsetMinutes = 0;
  if (i < length && text.charCodeAt(i) === 58) {
    offsetMinutes = digits(text, i + 1, i + 3);
    i += 3;
  }
  if (i !== length) return NaN; // seconds in the offset, ' BC', …
  const local = Date.UTC(year, digits(text, 5, 7) - 1, digits(text, 8, 10), digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19), ms);
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const fast = typeof value === 'string' ? pgTimestampMs(value) : NaN;
  if (!Number.isNaN(fast)) return new Date(fast);
  const text = String(value).replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`unparseable timestamp from the database`);
  return date;
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** `date` columns → 'YYYY-MM-DD'. */
export function toDateString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}
