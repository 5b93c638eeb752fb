import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type DefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';

/**
 * docs/contract.md is the API contract in the repository (issue 14: "the contract travels with the code").
 * Tests are named after rule ids; every id a test names must be defined there, and every root operation of the
 * schema must be in its GraphQL blocks, with what is specified but not built yet marked as such.
 *
 * Conventions read from the document:
 * - a rule id is defined by writing it in bold: `**D1**`, `**W2a**`, `**WEB3**`;
 * - a section reference (`§10.3`) is defined by a heading that contains it: `### §10.3 Operations`;
 * - the GraphQL blocks (```graphql) list the root operations; an operation or schema item that is specified but
 *   not served carries `not built yet` in the comment on its line.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const THIS_FILE = fileURLToPath(import.meta.url);
const CONTRACT = readFileSync(join(ROOT, 'docs/contract.md'), 'utf8');
const SCHEMA = readFileSync(join(ROOT, 'schema/schema.graphql'), 'utf8');

/** A rule id (D1, W2a, WEB1) or a section reference (§10.3). */
const RULE_ID = /\b[A-Z]{1,3}\d+[a-z]?\b/g;
const SECTION = /§\d+(?:\.\d+)*/g;

/**
 * Tokens of test titles that look like rule ids and are not: each with why. Keep this list short; a new entry
 * needs a reason, and a real rule id never belongs here.
 */
const NOT_RULE_IDS: ReadonlyMap<string, string> = new Map([
  ['HS256', 'a JWT algorithm named by §10.2 token tests'],
  ['HS512', 'a JWT algorithm named by §10.2 token tests'],
  ['RS256', 'a JWT algorithm named by §10.2 token tests'],
  ['ES256', 'a JWT algorithm named by §10.2 token tests'],
  ['Z0', 'part of the character class [A-Z0-9-] of organisation codes (§1) in filing test titles'],
  ['V8', 'the JavaScript engine, named by the pretenuring tests of issue 18 (src/v8-heap.ts)'],
]);

/** Every rule id and section the specification defines; the contract must define each exactly once. */
const SPEC_RULE_IDS = [
  ...range('I', 1, 5), ...range('D', 1, 8), ...range('P', 0, 4), ...range('G', 1, 3), ...range('A', 1, 4),
  ...range('S', 1, 2), 'U1', ...range('L', 1, 6), ...range('C', 1, 3), ...range('R', 1, 3), ...range('W', 1, 5),
  'W2a', ...range('H', 1, 2), ...range('X', 1, 4), ...range('O', 1, 7), ...range('WEB', 1, 3),
];
const SPEC_SECTIONS = [
  ...Array.from({ length: 14 }, (_, i) => `§${i + 1}`), '§4.1', '§4.2', '§4.3', '§4.4', '§10.1', '§10.2', '§10.3', '§10.4',
];

function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Test titles: the first string argument of it / describe / test, through .each(…) / .skipIf(…) / .only modifiers

const QUOTES = new Set(["'", '"', '`']);
/** Modifiers whose own call takes arguments before the title call: it.each(table)('title', …). */
const MODIFIERS_WITH_ARGUMENTS = new Set(['each', 'for', 'skipIf', 'runIf']);

/** A string literal starting at `start` (a quote): its text (template expressions as `${}`) and the index after it. */
function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === '\\') {
      value += text[i + 1] ?? '';
      i += 2;
    } else if (quote === '`' && text.startsWith('${', i)) {
      i = skipBalanced(text, i + 1, '{', '}');
      value += '${}';
    } else {
      value += text[i];
      i += 1;
    }
  }
  return { value, end: i + 1 };
}

/** The index after the bracket that closes the one at `start`, skipping strings and comments; -1 if unclosed. */
function skipBalanced(text: string, start: number, open = '(', close = ')'): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (QUOTES.has(c)) i = readString(text, i).end - 1;
    else if (text.startsWith('//', i)) i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if (text.startsWith('/*', i)) i = text.indexOf('*/', i) === -1 ? text.length : text.indexOf('*/', i) + 1;
    else if (c === open) depth += 1;
    else if (c === close && --depth === 0) return i + 1;
  }
  return -1;
}

/** The titles of every it / describe / test call in a source text, in order (static text only). */
function testTitles(source: string): string[] {
  const titles: string[] = [];
  for (const match of source.matchAll(/\b(?:it|describe|test)\b/g)) {
    if (/[\w$.]/.test(source[match.index - 1] ?? '')) continue; // regex.test(…), obj.describe(…)
    let i = match.index + match[0].length;
    for (let modifier = /^\.(\w+)/.exec(source.slice(i, i + 40)); modifier; modifier = /^\.(\w+)/.exec(source.slice(i, i + 40))) {
      i += modifier[0].length;
      if (MODIFIERS_WITH_ARGUMENTS.has(modifier[1]) && source[i] === '(') i = skipBalanced(source, i);
      if (i < 0) break;
    }
    if (i < 0 || source[i] !== '(') continue;
    const start = /^\(\s*/.exec(source.slice(i, i + 200))!;
    const quoteAt = i + start[0].length;
    if (QUOTES.has(source[quoteAt])) titles.push(readString(source, quoteAt).value);
  }
  return titles;
}

/** Rule ids and section references named in a title, minus the tokens that are not rules. */
function idsIn(title: string): string[] {
  const ids = [...title.matchAll(RULE_ID)].map((m) => m[0]).filter((id) => !NOT_RULE_IDS.has(id));
  return [...ids, ...[...title.matchAll(SECTION)].map((m) => m[0])];
}

/** What the contract defines: bold rule ids (with how often) and the sections its headings name. */
function definitions(markdown: string): { ruleIds: Map<string, number>; sections: Set<string> } {
  const ruleIds = new Map<string, number>();
  for (const m of markdown.matchAll(/\*\*([A-Z]{1,3}\d+[a-z]?)\*\*/g)) ruleIds.set(m[1], (ruleIds.get(m[1]) ?? 0) + 1);
  const sections = new Set<string>();
  for (const heading of markdown.matchAll(/^#{1,6} .*$/gm)) for (const s of heading[0].matchAll(SECTION)) sections.add(s[0]);
  return { ruleIds, sections };
}

function isDefined(id: string, defined: ReturnType<typeof definitions>): boolean {
  return id.startsWith('§') ? defined.sections.has(id) : defined.ruleIds.has(id);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// GraphQL: members of types (fields, input fields, enum values) with the line each starts on

interface Member {
  type: string;
  name: string;
  /** the whole line the member starts on (where a `not built yet` comment sits) */
  line: string;
  lineNumber: number;
}

function membersOf(sdl: string, firstLine = 1): Member[] {
  const lines = sdl.split('\n');
  const members: Member[] = [];
  for (const definition of parse(sdl).definitions as readonly DefinitionNode[]) {
    if (!('name' in definition) || !definition.name) continue;
    const type = definition.name.value;
    const nodes = 'fields' in definition ? definition.fields : 'values' in definition ? definition.values : undefined;
    for (const node of nodes ?? []) {
      const line = node.loc!.startToken.line;
      members.push({ type, name: node.name.value, line: lines[line - 1], lineNumber: firstLine + line - 1 });
    }
  }
  return members;
}

/** The ```graphql blocks of a markdown text, each with the file line its first SDL line is on. */
function graphqlBlocks(markdown: string): { sdl: string; firstLine: number }[] {
  return [...markdown.matchAll(/^```graphql\n([\s\S]*?)^```/gm)].map((m) => ({
    sdl: m[1],
    firstLine: markdown.slice(0, m.index).split('\n').length + 1,
  }));
}

const NOT_BUILT = /not built yet/i;
const ROOT_TYPES = new Set(['Query', 'Mutation']);

// ---------------------------------------------------------------------------------------------------------------

describe('docs/contract.md: the checks themselves', () => {
  it('finds titles through modifiers and template literals, not in regex.test(…) calls', () => {
    const source = [
      "describe.each(kinds())('W4 importer on %s', (kind) => {",
      "  it('D1: a GENERAL penalty', () => {});",
      "  it.each([['a', (1)], ['b', 2]])('§10.3: first %s', () => {});",
      '  it.skipIf(slow)("L6 signed checkpoints", () => {});',
      "  const hit = /x/.test('D9 is not a title');",
      '  describe(`R1 ${who}: statements`, () => {});',
      '});',
    ].join('\n');
    const titles = testTitles(source);
    expect(titles).toEqual(['W4 importer on %s', 'D1: a GENERAL penalty', '§10.3: first %s', 'L6 signed checkpoints', 'R1 ${}: statements']);
    expect(titles.flatMap(idsIn)).toEqual(['W4', 'D1', '§10.3', 'L6', 'R1']);
  });

  it('tells defined ids from undefined ones, and ignores the listed non-rule tokens', () => {
    const defined = definitions('# Doc\n## §4 Disclosure\n### §4.4 Masking\n- **D1** one\n- **W2a** two\n- see D9 and §4.9\n');
    expect(['D1', 'W2a', '§4', '§4.4'].every((id) => isDefined(id, defined))).toBe(true);
    expect(['D9', '§4.9', 'W2', '§4.'].filter((id) => !isDefined(id, defined))).toEqual(['D9', '§4.9', 'W2', '§4.']);
    expect(idsIn('§10.2: HS512 with the secret; codes of [A-Z0-9-]')).toEqual(['§10.2']);
  });
});

describe('docs/contract.md: every rule a test names is defined there', () => {
  const defined = definitions(CONTRACT);
  const named = new Map<string, string[]>(); // id → where it is named
  for (const file of sourceFiles(join(ROOT, 'test'))) {
    if (file === THIS_FILE) continue; // its fixtures above are not test names
    for (const title of testTitles(readFileSync(file, 'utf8'))) {
      for (const id of idsIn(title)) named.set(id, [...(named.get(id) ?? []), `${relative(ROOT, file)}: ${title}`]);
    }
  }

  it('the scan sees the suite (a broken scanner fails here, not silently)', () => {
    expect(named.size).toBeGreaterThan(20);
    for (const id of ['D1', 'L1', 'W2a', '§10.3']) expect(named.has(id), `no test title names ${id}`).toBe(true);
  });

  it('each rule id and section named in a test title is defined (bold id or heading)', () => {
    const missing = [...named].filter(([id]) => !isDefined(id, defined)).map(([id, where]) => `${id} — ${where[0]}`);
    expect(missing, 'define these in docs/contract.md (**ID** or a heading with §N), or add a non-rule token to NOT_RULE_IDS with a reason').toEqual([]);
  });

  it('every rule id and section of the specification is defined exactly once', () => {
    expect(SPEC_RULE_IDS.filter((id) => defined.ruleIds.get(id) !== 1).map((id) => `${id} defined ${defined.ruleIds.get(id) ?? 0} times`)).toEqual([]);
    expect(SPEC_SECTIONS.filter((section) => !defined.sections.has(section))).toEqual([]);
  });

  it('no excluded token is a rule of the contract', () => {
    expect([...NOT_RULE_IDS.keys()].filter((token) => defined.ruleIds.has(token))).toEqual([]);
  });
});

describe('docs/contract.md: the operations match schema/schema.graphql', () => {
  const schemaMembers = membersOf(SCHEMA);
  const inSchema = new Set(schemaMembers.map((m) => `${m.type}.${m.name}`));
  const docMembers = graphqlBlocks(CONTRACT).flatMap((block) => membersOf(block.sdl, block.firstLine));
  const docRootFields = docMembers.filter((m) => ROOT_TYPES.has(m.type));

  it('every root field of the schema (Query and Mutation) is in a GraphQL block of the contract', () => {
    const documented = new Set(docRootFields.map((m) => `${m.type}.${m.name}`));
    const roots = schemaMembers.filter((m) => ROOT_TYPES.has(m.type));
    expect(roots.length).toBeGreaterThan(20);
    expect(roots.map((m) => `${m.type}.${m.name}`).filter((field) => !documented.has(field))).toEqual([]);
  });

  it('a root field the schema lacks is marked "not built yet"', () => {
    const unmarked = docRootFields.filter((m) => !inSchema.has(`${m.type}.${m.name}`) && !NOT_BUILT.test(m.line));
    expect(unmarked.map((m) => `${m.type}.${m.name} (docs/contract.md:${m.lineNumber})`)).toEqual([]);
  });

  it('nothing marked "not built yet" is in the schema (update the contract when it ships)', () => {
    const shipped = docMembers.filter((m) => NOT_BUILT.test(m.line) && inSchema.has(`${m.type}.${m.name}`));
    expect(shipped.map((m) => `${m.type}.${m.name} (docs/contract.md:${m.lineNumber})`)).toEqual([]);
  });
});
