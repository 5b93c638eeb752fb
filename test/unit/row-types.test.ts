import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { NodePgSession } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import { ROW_TYPES } from '../../src/db/rows.js';

/**
 * src/db/rows.ts runs hot statements on the node-postgres client itself instead of through drizzle's prepared query
 * (issue 18), with its own copy of drizzle's type parsers. Rows must be what drizzle would return: for every type id
 * PostgreSQL has built in (and the array ids drizzle lists), both tables must parse a value alike.
 */
describe('rows.ts reads statements as drizzle does (issue 18)', () => {
  const drizzleTypes = () => {
    const session = new NodePgSession({ query: async () => ({ rows: [] }) } as never, new PgDialect(), undefined);
    const prepared = session.prepareQuery({ sql: 'SELECT 1', params: [] }, undefined, undefined, false) as unknown as {
      rawQueryConfig: { types: { getTypeParser(id: number, format?: string): (value: string) => unknown } };
    };
    return prepared.rawQueryConfig.types;
  };

  it('every built-in type id and drizzle\'s listed array ids parse the same text to the same value', () => {
    const theirs = drizzleTypes();
    const ids = [...new Set([...Object.values(pg.types.builtins), 1231, 1115, 1185, 1187, 1182, 1007, 1016, 1009, 3807])];
    const samples = ['2026-01-31 09:00:00.5+08', '2026-01-31', '1 day 02:00:00', '{1.5,2}', '42', 't', '{"a":1}', '{a,b}'];
    const differing: string[] = [];
    for (const id of ids) {
      for (const text of samples) {
        const read = (types: typeof theirs) => {
          try {
            return JSON.stringify(types.getTypeParser(id, 'text')(text)) ?? 'undefined';
          } catch (error) {
            return `throws ${(error as Error).message}`;
          }
        };
        if (read(ROW_TYPES as typeof theirs) !== read(theirs)) differing.push(`${id}: ${text}`);
      }
    }
    expect(differing).toEqual([]);
  });

  it('timestamps stay the wire text (src/db/rows.ts pgTimestampMs reads them), as drizzle leaves them', () => {
    expect(ROW_TYPES.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')('2026-01-31 09:00:00+08')).toBe('2026-01-31 09:00:00+08');
    expect(drizzleTypes().getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')('2026-01-31 09:00:00+08')).toBe('2026-01-31 09:00:00+08');
  });
});
