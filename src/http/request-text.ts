import { parse, visit, type DocumentNode } from 'graphql';

/**
 * SPEC §10.4: characters no part of the gateway can store or hash are refused before anything runs, as a client
 * error. PostgreSQL rejects NUL (U+0000) in text and jsonb; an unpaired UTF-16 surrogate (which JSON's \ud800
 * escape can carry) has no UTF-8 form, so hashing, logging and the database would each mangle or refuse it.
 * Refusing the whole request up front means a batch is never half-written because its 900th row held one.
 */

/** NUL or a lone surrogate: with the `u` flag a surrogate class matches only surrogates that are not paired. */
const INVALID_CHARACTER = /[\u0000\uD800-\uDFFF]/u;

/** `\u0000`, `\u{0}`, `\u{000}` … in GraphQL text: a string literal escape that the parser turns into NUL. */
const NUL_ESCAPE = /\\u(?:0000|\{0+\})/i;

/** The members of a GraphQL-over-HTTP request (POST body or GET query string). */
export const REQUEST_MEMBERS: readonly string[] = ['query', 'operationName', 'variables', 'extensions'];

export interface InvalidTextError {
  message: string;
  extensions: { code: 'BAD_USER_INPUT'; reason: 'INVALID_CHARACTER' };
}

function refusal(where: string): InvalidTextError {
  return {
    message: `The request contains a NUL character (U+0000) or an unpaired UTF-16 surrogate in ${where}; such text cannot be stored. Remove it and send the request again.`,
    extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_CHARACTER' },
  };
}

interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
}

/** Where a value sits, for the message: `variables.records[0].title` (keys JSON-quoted where they are not names). */
function describe(at: Visit): string {
  const keys: (string | number)[] = [];
  for (let v: Visit | null = at; v && v.key !== null; v = v.parent) keys.push(v.key);
  let text = '';
  for (let i = keys.length - 1; i >= 0 && text.length <= 200; i--) {
    const key = keys[i]!;
    text += typeof key === 'number' ? `[${key}]` : /^[A-Za-z_]\w*$/.test(key) ? `${text ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
  }
  if (!text) return 'the request';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Where the first string (value or key) in `value` holding an invalid character sits, or null. Iterative, with
 * parent links instead of copied paths, so a deeply nested variable (JSON.parse builds any depth) costs neither
 * stack nor quadratic memory.
 */
export function findInvalidText(value: unknown): string | null {
  const stack: Visit[] = [{ value, key: null, parent: null }];
  while (stack.length) {
    const at = stack.pop()!;
    const current = at.value;
    if (typeof current === 'string') {
      if (INVALID_CHARACTER.test(current)) return describe(at);
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], key: i, parent: at });
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (INVALID_CHARACTER.test(key)) return `a key of ${describe(at)}`;
        stack.push({ value: child, key, parent: at });
      }
    }
  }
  return null;
}

/**
 * A string literal in the query text whose escapes decode to NUL (the text itself shows only `\u0000`). Parsed
 * only when the text has such an escape, so ordinary requests pay one regular-expression test; a document that
 * does not parse is left to Apollo, which answers GRAPHQL_PARSE_FAILED (and refuses escaped lone surrogates).
 */
function nulInStringLiteral(query: string): boolean {
  if (!NUL_ESCAPE.test(query)) return false;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  return found;
}

/** GET: the members as Apollo will read them (`variables` and `extensions` are JSON text in the query string). */
function membersOfSearch(search: URLSearchParams): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  for (const name of REQUEST_MEMBERS) {
    const raw = search.get(name);
    if (raw === null) continue;
    if (name === 'variables' || name === 'extensions') {
      try {
        members[name] = JSON.parse(raw);
      } catch {
        members[name] = raw; // malformed JSON: Apollo answers 400 for it; the raw text is still checked here
      }
    } else {
      members[name] = raw;
    }
  }
  return members;
}

/**
 * Checks a GraphQL request before Apollo sees it: the parsed POST body or the GET query string. Returns the
 * error to answer with (HTTP 400), or null when every string in it — query text and its string literals,
 * variables, operationName, extensions — can be stored.
 */
export function invalidRequestText(request: unknown): InvalidTextError | null {
  const body = request instanceof URLSearchParams ? membersOfSearch(request) : request;
  const where = findInvalidText(body);
  if (where) return refusal(where);
  const query = (body as { query?: unknown } | null)?.query;
  if (typeof query === 'string' && nulInStringLiteral(query)) return refusal('a string literal of the query');
  return null;
}
