import { configurePretenuring, type Pretenuring } from '../../src/v8-heap.js';

/**
 * Run by test/unit/v8-heap.test.ts under V8's --trace-pretenuring-statistics, with a young generation of 1 MB: sets
 * pretenuring as argv[2] says (`on` / `off`), then keeps every object one literal makes alive across many scavenges
 * (all of them survive: V8's default tenures such a site). V8 prints its decisions to stdout; the test reads them.
 */
const mode = process.argv[2] as Pretenuring;
configurePretenuring(mode);
function row(i: number) {
  return { id: i, code: `code-${i}`, name: null as string | null };
}
const kept: ReturnType<typeof row>[] = [];
for (let i = 0; i < 400_000; i += 1) kept.push(row(i));
process.stdout.write(`\nPROBE kept=${kept.length}\n`);
