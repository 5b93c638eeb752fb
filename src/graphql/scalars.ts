import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { parseIsoInstant } from '../domain/instants.js';

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_SCALAR' } });
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) {
    throw badInput('DateTime must be an ISO 8601 string with a time zone, e.g. 2026-01-31T09:00:00+08:00.');
  }
  const date = parseIsoInstant(value); // 2026-02-30 or 24:00 would otherwise roll over
  if (!date) throw badInput('DateTime is not a real instant (no such day or time).');
  return date;
}

/** DateTime: ISO 8601 with an explicit offset in, UTC ISO 8601 out. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, ISO 8601 with a time zone offset (e.g. 2026-01-31T09:00:00+08:00).',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date.');
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string.');
    return parseDateTime(ast.value);
  },
});

function isRealCalendarDate(text: string): void {
  const match = ISO_DATE.exec(text);
  if (!match) throw badInput('Date must be YYYY-MM-DD.');
  const [, y, m, d] = match.map(Number);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw badInput('Date is not a real calendar date.');
  }
}

function parseDate(value: unknown): string {
  if (typeof value !== 'string') throw badInput('Date must be YYYY-MM-DD.');
  isRealCalendarDate(value);
  return value;
}

/** Date: a calendar date, YYYY-MM-DD. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    return parseDate(String(value));
  },
  parseValue: parseDate,
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) throw badInput('Date must be a string.');
    return parseDate(ast.value);
  },
});

/** How deep a JSON argument may nest (objects and arrays), and how large it may be as UTF-8 JSON text. */
export const JSON_MAX_DEPTH = 32;
export const JSON_MAX_BYTES = 65_536;

function invalidJson(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_JSON' } });
}

/**
 * Whether a tree nests deeper than JSON_MAX_DEPTH containers, walked without recursion (a variable may arrive
 * 5,000 levels deep; JSON.parse builds that, and JSON.stringify or a recursive walk would then overflow the stack).
 */
function nestsTooDeep<T>(root: T, childrenOf: (node: T) => readonly T[] | null): boolean {
  const stack: { node: T; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    const children = childrenOf(node);
    if (!children) continue;
    if (depth + 1 > JSON_MAX_DEPTH) return true;
    for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}

const jsonChildren = (value: unknown): readonly unknown[] | null =>
  Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : null;

const literalChildren = (ast: ValueNode): readonly ValueNode[] | null =>
  ast.kind === Kind.LIST ? ast.values : ast.kind === Kind.OBJECT ? ast.fields.map((field) => field.value) : null;

function checkJsonValue(value: unknown): unknown {
  if (nestsTooDeep(value, jsonChildren)) throw invalidJson(`JSON may nest at most ${JSON_MAX_DEPTH} levels of objects and arrays.`);
  if (Buffer.byteLength(JSON.stringify(value) ?? '') > JSON_MAX_BYTES) {
    throw invalidJson(`JSON may be at most ${JSON_MAX_BYTES.toLocaleString('en')} bytes as UTF-8 JSON text.`);
  }
  return value;
}

/**
 * JSON (RecordInput.details, a correction's details): any JSON value, at most JSON_MAX_DEPTH deep and
 * JSON_MAX_BYTES large, as a variable or a literal — BAD_USER_INPUT (INVALID_JSON) otherwise. A literal is
 * checked as written (variables inside it are checked as variables).
 */
export const JSONScalar = new GraphQLScalarType({
  ...GraphQLJSON.toConfig(),
  parseValue: checkJsonValue,
  parseLiteral(ast, variables) {
    if (nestsTooDeep(ast, literalChildren)) throw invalidJson(`JSON may nest at most ${JSON_MAX_DEPTH} levels of objects and arrays.`);
    const written = checkJsonValue(GraphQLJSON.parseLiteral(ast, undefined));
    return variables ? GraphQLJSON.parseLiteral(ast, variables) : written;
  },
});
