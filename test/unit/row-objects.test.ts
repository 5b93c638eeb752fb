import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import { rowObjects } from '../../src/db/rows.js';

/**
 * src/db/rows.ts asks node-postgres for array rows and builds the row objects itself (issue 18: pg's own are
 * dictionary-mode copies of a template). The rows the repositories read must be exactly pg's object rows: the same
 * own keys in the same order, the same values, a repeated column keeping its last value — whatever the column labels
 * are (a label is written into generated code as a JSON string literal, so quotes, backslashes, line breaks and
 * `__proto__` are part of the test).
 */
type Field = { name: string; dataTypeID: number; format: 'text' };
const PgResult = (pg as unknown as { Result: new (rowMode?: string) => { addFields(f: Field[]): void; parseRow(r: (string | null)[]): Record<string, unknown> } }).Result;

function pgObjects(fields: Field[], rows: (string | null)[][]): Record<string, unknown>[] {
  const result = new PgResult();
  result.addFields(fields);
  return rows.map((row) => result.parseRow(row));
}

const shape = (row: Record<string, unknown>) => ({
  keys: Reflect.ownKeys(row),
  values: Reflect.ownKeys(row).map((key) => row[key as string]),
  prototype: Object.getPrototypeOf(row) === Object.prototype,
});

const TEXT = 25;
const fieldsOf = (names: string[]): Field[] => names.map((name) => ({ name, dataTypeID: TEXT, format: 'text' }));
const label = fc.oneof(
  fc.constantFrom('id', 'code', 'subj_id', '__proto__', 'constructor', 'toString', '"', '\\', '\n', '}); throw 1; ({', '\u2028', '0', '1e3', ''),
  fc.string({ maxLength: 12 }),
);

describe('rows.ts row objects are node-postgres\'s object rows (issue 18)', () => {
  it('any column labels, repeated ones included, give the same own keys, order, values and prototype', () => {
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 }), (names, count) => {
      const fields = fieldsOf(names);
      const rows = Array.from({ length: count }, (_, r) => names.map((_, i) => ((i + r) % 4 === 3 ? null : `v${r}-${i}`)));
      // as pg hands them to rows.ts: array rows, the values parsed (text stays text)
      const ours = rowObjects(fields, rows, undefined).map(shape);
      expect(ours).toEqual(pgObjects(fields, rows).map(shape));
    }), { numRuns: 300 });
  });

  it('a statement name keys the shape, and a changed result under the same name is built afresh', () => {
    const first = rowObjects(fieldsOf(['a', 'b']), [['1', '2']], 'cqg_row_objects_test');
    const second = rowObjects(fieldsOf(['b', 'c', 'a']), [['3', '4', '5']], 'cqg_row_objects_test');
    expect(first).toEqual([{ a: '1', b: '2' }]);
    expect(Object.keys(second[0])).toEqual(['b', 'c', 'a']);
    expect(second).toEqual([{ b: '3', c: '4', a: '5' }]);
  });

  it('no rows, no objects; a label never runs as code', () => {
    expect(rowObjects(fieldsOf(['x']), [])).toEqual([]);
    const row = rowObjects(fieldsOf(['"]; globalThis.injected = 1; ["']), [['ok']])[0];
    expect(Object.values(row)).toEqual(['ok']);
    expect((globalThis as { injected?: number }).injected).toBeUndefined();
  });
});
