import { BREAK, getOperationAST, Kind, parse, specifiedRules, validate, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { LimitsConfig } from '../config/config.js';
import type { RequestContext } from '../context/request-context.js';
import { LruMap } from '../lru.js';
import { operationRootFields, rootFieldsAllow } from './access.js';
import { REQUEST_MEMBERS } from '../http/request-text.js';
import { documentParseOptions, queryLimitsRule } from './limits.js';

/**
 * Compiled execution of known query documents (issue 18, point 4). Profiling S1/S2 showed the gateway's Node CPU
 * per request at 2.5 × the raw baseline's, spent in graphql-js's interpreter and Apollo's request pipeline rather
 * than in our resolvers. A known document is parsed, validated and compiled to JavaScript once with graphql-jit;
 * its requests run the compiled function over the same schema, resolvers and request context — so visibility,
 * projection and the disclosures they register are decided exactly where they always are (`policies/`, through
 * the resolvers). Known means (COMPILED_EXECUTION):
 * - `trusted` (the default): the documents of the trusted-document manifest (TRUSTED_DOCUMENTS_FILE: the website's,
 *   and whatever a deployment lists for its departments' applications), compiled at start;
 * - `repeated`: those, and any document at its second request (bounded: MAX_COMPILED_DOCUMENTS).
 *
 * Only the plain success of a read takes this path. Everything else goes through Apollo, so every refusal,
 * error format and status code stays Apollo's:
 * - the operation is a query whose root fields are all in COMPILED_ROOT_FIELDS (reads whose only write is the
 *   access events of what the answer discloses, stored after execution, as for Apollo — or, for a document of one
 *   `subject` field on the primary, by its read statement itself: `soleSubject`, src/modules/subjects/subjects.service.ts);
 * - the caller's role may select every one of them (@Allow, as `enforceOperationAccess` decides);
 * - the request asks for JSON (no `accept`, or `application/json`, or any type) with no extensions left;
 * - the execution returns no error at all. An answer with an error is dropped — nothing of it was sent, and its
 *   disclosures were registered on a context that is thrown away — and the request is run again by Apollo on a
 *   fresh context, which answers it as it always has (and logs what that answer discloses, less an event a folded
 *   read of the dropped run already stored, when the answer places exactly that: `adoptStored`).
 *
 * graphql-jit 0.8.9 has faults that make a compiled answer differ from Apollo's, found in this issue and kept away
 * by refusing such documents before compiling them (`jitRefusal`; Apollo answers them, as before):
 * - it writes literal arguments into the code it generates and turns the text `"__MAGIC_DATE__<uuid>…"` back into
 *   `new Date(…)`, so a string literal holding that public marker became code (`subject(code: "__MAGIC_DATE__…1) &&
 *   (…")` ran what followed): no string value may hold `__MAGIC_`;
 * - it keys each field's resolve info by its response path joined with `_`, so `a { r_x: … }` and `x_a { r: … }`
 *   share one and a resolver reads another field's selection (a records page logged as counted only): no alias may
 *   hold `_` (field names hold none; a schema test says so) or look like its own `idx<n>` names;
 * - it ANDs `@skip`/`@include` of a fragment spread twice, dropping fields Apollo answers: neither directive is
 *   compiled;
 * - `__schema` and `__type` stay Apollo's, whose production guard reads the whole document.
 */
export type CompiledExecutionMode = 'trusted' | 'repeated' | 'off';

/** graphql-jit's markers for values it writes into generated code (NaN, ±Infinity, Date), all of them `__MAGIC_…` */
const JIT_MARKER = '__MAGIC_';

/** Why graphql-jit may not compile this document (the faults above), or null. */
export function jitRefusal(document: DocumentNode): string | null {
  let reason: string | null = null;
  const refuse = (why: string) => {
    reason = why;
    return BREAK;
  };
  visit(document, {
    StringValue(node) {
      return node.value.includes(JIT_MARKER) ? refuse('a string value holds graphql-jit\'s code marker') : undefined;
    },
    Field(node) {
      if (node.alias && (node.alias.value.includes('_') || /^idx\d+$/.test(node.alias.value))) return refuse('an alias graphql-jit may confuse with another field');
      if (node.name.value === '__schema' || node.name.value === '__type') return refuse('introspection');
      return undefined;
    },
    Directive(node) {
      return node.name.value === 'skip' || node.name.value === 'include' ? refuse('@skip or @include') : undefined;
    },
  });
  return reason;
}

/** Read-only root fields: no write besides the access events of the answer (after execution, or folded: `soleSubject`). */
export const COMPILED_ROOT_FIELDS: ReadonlySet<string> = new Set(['subject', 'searchSubjects', 'publicNotices']);

/** Distinct documents kept compiled, least recently used forgotten first. */
export const MAX_COMPILED_DOCUMENTS = 500;

interface Plan {
  compiled: CompiledQuery;
  operationName: string | null;
  rootFields: string[];
  /**
   * The operation is one `subject` field (whatever its alias) and nothing else at its root, no fragment: the only plan whose
   * read may store its own access event (issue 18). A fold is committed before the answer is settled, so no other
   * root field may be able to fail after it, withhold the answer (L2) or read the same subject's page.
   */
  soleSubject: boolean;
  /** the document holds this operation alone, so a request may also name none */
  sole: boolean;
}

/** What a request brings: its parsed JSON body (after the trusted-document step) and its `accept` header. */
export interface CompiledRequest {
  body: unknown;
  accept: string | undefined;
  /**
   * Reads may store their access events in their own statement (src/context/disclosures.ts `foldable`): true only
   * when the request reads the primary (never a standby, RR1); without an access log nothing folds (claimFold)
   */
  foldable?: boolean;
}

/** A complete answer (status 200, JSON), or null: Apollo answers this request. */
export type CompiledAnswer = { body: string } | null;

export interface CompiledExecution {
  /** Runs the request compiled when it qualifies; disclosures register on `context` as they would under Apollo. */
  execute(context: RequestContext, request: CompiledRequest): Promise<CompiledAnswer>;
  /** Compiles a trusted document, kept for the life of the process (the manifest's, at start). */
  prepare(query: string, operationName: string | null): void;
  /** documents kept now (compiled, or known to be Apollo's) */
  readonly size: number;
}

interface Body {
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body's fields when they have the plain shape (anything else is Apollo's to report). */
function plainBody(body: unknown): Body | null {
  if (!isRecord(body) || typeof body.query !== 'string') return null;
  const { query, operationName = null, variables = null, extensions = null } = body;
  if (operationName !== null && typeof operationName !== 'string') return null;
  if (variables !== null && !isRecord(variables)) return null;
  if (extensions !== null && !(isRecord(extensions) && Object.keys(extensions).length === 0)) return null;
  for (const key of Object.keys(body)) if (!REQUEST_MEMBERS.includes(key)) return null;
  return { query, operationName, variables: variables ?? {} };
}

/** Apollo answers `application/json; charset=utf-8` for these; any other `accept` is left to its negotiation. */
function acceptsPlainJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '') return true;
  const value = accept.trim().toLowerCase();
  return value === 'application/json' || value === '*/*' || value === 'application/json, */*';
}

export interface CompiledExecutionOptions {
  /** which documents are compiled besides the trusted ones given to `prepare` (default `trusted`: none) */
  mode?: Exclude<CompiledExecutionMode, 'off'>;
  /**
   * With `repeated`, the request for a document that compiles it: 2 (the default) leaves a document's first request
   * to Apollo; 1 compiles at first sight (the test suites, so that every read they send is answered compiled)
   */
  compileAtSighting?: 1 | 2;
}

export function createCompiledExecution(schema: GraphQLSchema, limits: LimitsConfig, options: CompiledExecutionOptions = {}): CompiledExecution {
  const repeated = options.mode === 'repeated';
  const compileAtFirstSight = options.compileAtSighting === 1;
  const rules = [...specifiedRules, queryLimitsRule(limits)];
  const parseOptions = documentParseOptions(limits);
  const queryType = schema.getQueryType()!;
  /** key → plan, or null: this document is Apollo's (invalid, a mutation, a root field outside the set …) */
  const trustedPlans = new Map<string, Plan | null>();
  const plans = new LruMap<string, Plan | null>(MAX_COMPILED_DOCUMENTS);
  /**
   * Documents seen once: the second request for the same document compiles it. A client sending a new document with
   * every request never makes this process compile (each costs a parse and a validation, as under Apollo alone).
   */
  const seenOnce = new LruMap<string, true>(MAX_COMPILED_DOCUMENTS);

  /** graphql-jit's function for the operation; null when it cannot compile it (Apollo then answers, as before) */
  function compile(document: DocumentNode, operationName: string | null): CompiledQuery | null {
    try {
      const compiled = compileQuery<Record<string, unknown>, Record<string, unknown>>(schema, document, operationName ?? undefined);
      return isCompiledQuery(compiled) ? compiled : null;
    } catch {
      return null;
    }
  }

  function planOf(query: string, operationName: string | null): Plan | null {
    let document: DocumentNode;
    try {
      document = parse(query, parseOptions);
    } catch {
      return null;
    }
    if (jitRefusal(document)) return null;
    if (validate(schema, document, rules).length > 0) return null;
    const operation = getOperationAST(document, operationName);
    if (!operation || operation.operation !== 'query') return null;
    const rootFields = operationRootFields(document, operation);
    if (rootFields.length === 0 || !rootFields.every((name) => COMPILED_ROOT_FIELDS.has(name))) return null;
    const compiled = compile(document, operationName);
    if (!compiled) return null;
    const [only, ...others] = operation.selectionSet.selections;
    const soleSubject = others.length === 0 && only?.kind === Kind.FIELD && only.name.value === 'subject';
    return { compiled, operationName: operation.name?.value ?? null, rootFields, soleSubject, sole: getOperationAST(document, null) !== null };
  }

  // an operation name of "" is not the absence of one (Apollo answers "Unknown operation named \"\""); NUL never
  // reaches here (src/http/request-text.ts refuses it)
  const keyOf = (query: string, operationName: string | null) => (operationName === null ? `-${query}` : `+${operationName}\u0000${query}`);

  function lookup(query: string, operationName: string | null): Plan | null {
    const key = keyOf(query, operationName);
    const trusted = trustedPlans.get(key);
    if (trusted !== undefined) return trusted;
    if (!repeated) return null;
    const known = plans.get(key);
    if (known !== undefined) return known;
    if (!compileAtFirstSight && !seenOnce.get(key)) {
      seenOnce.set(key, true);
      return null;
    }
    const plan = planOf(query, operationName);
    plans.set(key, plan);
    return plan;
  }

  return {
    async execute(context, request) {
      if (!acceptsPlainJson(request.accept)) return null;
      const body = plainBody(request.body);
      if (!body) return null;
      const plan = lookup(body.query, body.operationName);
      if (!plan || !rootFieldsAllow(queryType, plan.rootFields, context.viewer.role)) return null;
      context.trace.operationName = body.operationName?.slice(0, 100) ?? plan.operationName?.slice(0, 100) ?? null;
      context.trace.rootFields = plan.rootFields;
      context.disclosures.foldable = request.foldable === true && plan.soleSubject;
      let result: Awaited<ReturnType<CompiledQuery['query']>>;
      try {
        result = await plan.compiled.query(undefined, context, body.variables);
      } catch {
        return null; // Apollo runs it again, and reports what went wrong its way
      }
      if (result.errors?.length || result.data == null) return null;
      // Apollo's own serialisation of a single result (runHttpQuery's prettyJSONStringify): errors, data, extensions
      return { body: `${JSON.stringify({ data: result.data })}\n` };
    },
    prepare(query, operationName) {
      const plan = planOf(query, operationName);
      trustedPlans.set(keyOf(query, operationName), plan);
      // a document of one operation is also sent without its name: the same operation, the same plan
      if (plan?.sole) trustedPlans.set(keyOf(query, null), plan);
    },
    get size() {
      return trustedPlans.size + plans.size;
    },
  };
}
