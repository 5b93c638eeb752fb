import { drizzle } from 'drizzle-orm/node-postgres';
import type { Db } from '../../../src/db/client.js';
import * as schema from '../../../src/db/schema/index.js';

/**
 * How the raw baseline gets the gateway's SQL without copying it: the gateway's own repository functions
 * (src/modules/…/*.repository.ts) are called ONCE, at start-up, against a drizzle instance whose "client"
 * only records the statements (text + parameters) and answers with no rows. Every value that varies per
 * request is passed as a sentinel; `prepare` then turns the recorded statement into a text plus a function
 * that puts this request's values where the sentinels were. When the lead changes the gateway's SQL the
 * baseline follows; when a change moves a value somewhere a sentinel no longer reaches, `prepare` throws.
 */
export interface CapturedStatement {
  text: string;
  params: unknown[];
  /** set when the gateway runs it as a named prepared statement (src/db/rows.ts queryCached): the raw side does too */
  name?: string;
}

export async function captureStatements(run: (db: Db) => Promise<unknown>): Promise<CapturedStatement[]> {
  const statements: CapturedStatement[] = [];
  const client = {
    query: async (config: string | { text: string; name?: string }, params?: unknown[]) => {
      const [text, name] = typeof config === 'string' ? [config, undefined] : [config.text, config.name];
      statements.push({ text, params: params ?? [], ...(name ? { name } : {}) });
      return { rows: [], fields: [], rowCount: 0, command: 'SELECT' };
    },
  };
  await run(drizzle({ client: client as never, schema }) as unknown as Db);
  return statements;
}

/**
 * Where one per-request value goes. A recorded parameter matches a slot when it is the sentinel itself, a
 * one-element array holding it (a column of an unnest insert, a `= ANY($n)` list: `bind` returns the whole
 * array, or one value that is then wrapped), or a string containing it (LIKE patterns: only the sentinel part
 * is replaced).
 */
export interface Slot<V> {
  sentinel: string | number;
  bind: (values: V) => unknown;
  /** may be absent: the instant and the organisation appear only where the viewer's policy names them */
  optional?: boolean;
}

export interface Prepared<V> {
  text: string;
  name?: string;
  params(values: V): unknown[];
}

export function prepare<V>(statement: CapturedStatement, slots: readonly Slot<V>[], what: string): Prepared<V> {
  const used = new Set<Slot<V>>();
  const binders = statement.params.map((param): ((values: V) => unknown) => {
    const exact = slots.find((s) => param === s.sentinel);
    if (exact) {
      used.add(exact);
      return exact.bind;
    }
    const column = Array.isArray(param) && param.length === 1 ? slots.find((s) => param[0] === s.sentinel) : undefined;
    if (column) {
      used.add(column);
      return (values) => {
        const value = column.bind(values);
        return Array.isArray(value) ? value : [value];
      };
    }
    const inside = typeof param === 'string' ? slots.find((s) => typeof s.sentinel === 'string' && param.includes(s.sentinel)) : undefined;
    if (inside) {
      used.add(inside);
      const [before, after] = (param as string).split(inside.sentinel as string);
      return (values) => `${before}${String(inside.bind(values))}${after}`;
    }
    return () => param; // a constant of the statement (scope literals, enum values …)
  });
  const missing = slots.filter((s) => !s.optional && !used.has(s));
  if (missing.length) {
    throw new Error(`raw baseline: the gateway's SQL for ${what} no longer takes ${missing.map((s) => String(s.sentinel)).join(', ')} as a parameter — update bench/servers/raw/statements.ts`);
  }
  return { text: statement.text, name: statement.name, params: (values) => binders.map((bind) => bind(values)) };
}

/** The one recorded statement whose text matches `pattern`. */
export function pick(statements: readonly CapturedStatement[], pattern: RegExp, what: string): CapturedStatement {
  const found = statements.filter((s) => pattern.test(s.text));
  if (found.length !== 1) throw new Error(`raw baseline: expected one statement matching ${pattern} for ${what}, found ${found.length}`);
  return found[0];
}
