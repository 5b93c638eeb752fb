import {
  getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';

/**
 * A schema-driven fuzzer (issue 15 point 5): random documents over every root field of the schema, with arguments
 * and variables of every type — valid-looking values, unicode, NUL, huge and negative numbers, injection strings,
 * forged cursors — and random selections of the answer. Deterministic for a seed.
 */
export type Random = () => number;

export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: Random, items: readonly T[]): T => items[Math.floor(rand() * items.length)];

/** Known-good values the fuzzer mixes in, so that some requests get past validation into the resolvers. */
export interface FuzzWorld {
  codes: string[];
  recordIds: string[];
  orgCodes: string[];
}

const NASTY_STRINGS = [
  '', ' ', "' OR '1'='1", '"; DROP TABLE records; --', '%', '_', '\\', '${jndi:ldap://x}', '<script>alert(1)</script>',
  '科技', '欧阳小明', '𠮷野家', '\u202eevil', 'a'.repeat(5000), '\u0000', '\ud800', '..%2f..%2fetc%2fpasswd',
  'eyJhbGciOiJub25lIn0.e30.', 'WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCIxIl0', '91110000600037341L', '11010519491231002X',
];
const NASTY_NUMBERS = [0, -1, 1, 20, 100, 101, 2 ** 31, -(2 ** 31), 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER];

function scalarValue(rand: Random, name: string, world: FuzzWorld): unknown {
  const r = rand();
  switch (name) {
    case 'Int': return r < 0.7 ? pick(rand, [1, 5, 20, 100]) : pick(rand, NASTY_NUMBERS);
    case 'Float': return pick(rand, NASTY_NUMBERS);
    case 'Boolean': return rand() < 0.5;
    case 'DateTime': return r < 0.6 ? pick(rand, ['2026-05-01T00:00:00Z', '2027-01-01T00:00:00+08:00', '2026-06-01T04:00:00.000Z']) : pick(rand, ['yesterday', '2026-02-30T00:00:00Z', '', '9999-99-99']);
    case 'Date': return r < 0.6 ? '2015-03-01' : pick(rand, ['2015-02-30', 'x', '']);
    case 'JSON': return r < 0.5 ? { note: pick(rand, NASTY_STRINGS) } : pick(rand, [null, [], 1, 'x', { a: { b: { c: [1, 2, { d: '\u0000' }] } } }]);
    case 'ID': return r < 0.6 && world.recordIds.length ? pick(rand, world.recordIds) : pick(rand, ['00000000-0000-4000-8000-000000000000', 'not-an-id', "1' OR 1=1", '']);
    default: // String
      if (r < 0.35 && world.codes.length) return pick(rand, world.codes);
      if (r < 0.45 && world.orgCodes.length) return pick(rand, world.orgCodes);
      return pick(rand, NASTY_STRINGS);
  }
}

/** A JSON value for an input type (used as a variable), or undefined to leave a nullable one out. */
export function inputValue(rand: Random, type: GraphQLInputType, world: FuzzWorld, depth = 0): unknown {
  if (isNonNullType(type)) return inputValue(rand, type.ofType, world, depth) ?? scalarValue(rand, 'String', world);
  if (rand() < 0.15) return null;
  if (isListType(type)) {
    const n = rand() < 0.8 ? Math.floor(rand() * 3) + 1 : pick(rand, [0, 60]);
    return Array.from({ length: n }, () => inputValue(rand, type.ofType, world, depth + 1));
  }
  if (isEnumType(type)) return rand() < 0.9 ? pick(rand, type.getValues()).name : 'NOT_A_VALUE';
  if (isInputObjectType(type)) {
    if (depth > 3) return null;
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) || rand() < 0.5) out[field.name] = inputValue(rand, field.type, world, depth + 1);
    }
    if (rand() < 0.05) out.notAField = 'x';
    return out;
  }
  if (isScalarType(type)) return scalarValue(rand, type.name, world);
  return null;
}

function selection(rand: Random, type: GraphQLObjectType, depth: number): string {
  const fields = Object.values(type.getFields());
  const chosen = fields.filter(() => rand() < 0.5);
  if (chosen.length === 0) chosen.push(fields[0]);
  const parts: string[] = [];
  for (const field of chosen) {
    const named = getNamedType(field.type);
    if (isObjectType(named)) {
      if (depth >= 3) continue;
      parts.push(`${field.name}${fieldArgs(rand, field)} { ${selection(rand, named, depth + 1)} }`);
    } else parts.push(field.name);
  }
  return parts.length ? parts.join(' ') : '__typename';
}

function fieldArgs(rand: Random, field: GraphQLField<unknown, unknown>): string {
  // nested connection arguments: small literal page sizes keep within the cost limit
  const first = field.args.find((a: GraphQLArgument) => a.name === 'first');
  return first && rand() < 0.5 ? `(first: ${pick(rand, [1, 2, 5])})` : '';
}

export interface FuzzRequest {
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** One random operation over a random root field: every argument passed as a variable of its declared type. */
export function fuzzRequest(rand: Random, schema: GraphQLSchema, world: FuzzWorld): FuzzRequest {
  const roots = [schema.getQueryType()!, schema.getMutationType()!];
  const root = rand() < 0.75 ? roots[0] : roots[1];
  const field = pick(rand, Object.values(root.getFields()));
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const args: string[] = [];
  for (const arg of field.args) {
    if (!isNonNullType(arg.type) && rand() < 0.4) continue;
    declarations.push(`$${arg.name}: ${String(arg.type)}`);
    args.push(`${arg.name}: $${arg.name}`);
    variables[arg.name] = inputValue(rand, arg.type, world);
  }
  const named = getNamedType(field.type);
  const body = isObjectType(named) ? ` { ${selection(rand, named, 1)} }` : '';
  const operation = root === roots[1] ? 'mutation' : 'query';
  const query = `${operation} Fuzz${declarations.length ? `(${declarations.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${body} }`;
  return { field: `${root.name}.${field.name}`, query, variables };
}
