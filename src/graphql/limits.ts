import {
  GraphQLError, Kind, type ASTVisitor, type FieldNode, type FragmentDefinitionNode, type GraphQLFormattedError, type ParseOptions,
  type SelectionSetNode, type ValidationContext, type ValidationRule,
} from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { DEFAULT_MAX_DIRECTIVES, DEFAULT_MAX_TOKENS, type LimitsConfig } from '../config/config.js';

/**
 * Hardening (SPEC §11): limits on what one document may ask for, all checked before any resolver runs, each
 * refusal QUERY_TOO_COMPLEX (400). 0 turns a limit off. The defaults admit every §10.3 operation at first: 100
 * with depth 8 and 15 aliases (645 tokens, the largest such document in the tests).
 *
 * Who checks what, and why (measured on graphql 16.15, Apollo Server 5.5, GraphQL Armor's plugins 2.4–2.6):
 * - Tokens (MAX_QUERY_TOKENS): graphql-js's own parser options (`maxLexicalTokens`, and `maxComments`, which the
 *   token count skips), given to Apollo as `parseOptions`: one parse that stops at the limit, before any AST is
 *   built. Not Armor's max-tokens: on Apollo 5 it parses every document a second time and refuses by throwing in
 *   `parsingDidStart`, which Apollo answers with HTTP 500 and without calling `willSendResponse` (the request
 *   line and access-log plugins never see it).
 * - Depth and aliases (MAX_QUERY_DEPTH, MAX_QUERY_ALIASES): Armor's max-depth (`flattenFragments`, so a fragment
 *   adds no level, as in the query written out) and max-aliases (every alias counts, `__typename`'s too). Both
 *   measure each fragment once: 300 fragments each spreading the next twice take under 6 ms.
 * - Directives and cost (MAX_QUERY_DIRECTIVES, MAX_QUERY_COST): our own measurer below, because Armor gets them
 *   wrong. Its max-directives counts a fragment spread's own directives only the first time that fragment is
 *   spread (60 `...F @include(if: true)` count as 1). Its cost-limit counts a page size given by a variable
 *   (`first: $n`) as 1, so one query costs 64 with variables and 549,388 with `first: 100`, and it prices the
 *   same query higher through fragments than written out (6,478,449 against 1,284,662 for the §11 floor).
 *   No maxCost both admits the floor and refuses its variable-paged twin.
 *
 * Each limit reports at most one error per operation: the first exceeded, in the order depth, aliases, directives,
 * cost. Introspection (an IDE loading the schema, 13–15 levels deep under `__schema`) is not measured for depth
 * or cost; graphql-js's MaxIntrospectionDepthRule bounds it, and in production the public may not introspect.
 */
function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
}

/** The parser's limits, for Apollo's `parseOptions`. */
export function documentParseOptions(limits: LimitsConfig): ParseOptions {
  const maxTokens = limits.maxTokens ?? DEFAULT_MAX_TOKENS;
  return maxTokens ? { maxLexicalTokens: maxTokens, maxComments: maxTokens } : {};
}

/** graphql-js's words (its typo included) when a document passes `maxLexicalTokens` or `maxComments`. */
const PARSER_LIMIT = /^Syntax Error: Document contains more tha[nt] (\d+) (tokens|comments)\. Parsing aborted\.$/;

/**
 * A document the parser refused at the token limit, answered like the other limits: QUERY_TOO_COMPLEX, and the
 * parse error's HTTP 400. Null for every other error. Apollo codes all parse errors GRAPHQL_PARSE_FAILED; only the
 * message tells graphql-js's limit apart (test/unit/limits-documents.test.ts holds it to the installed graphql).
 */
export function tokenLimitRefusal(formatted: GraphQLFormattedError): GraphQLFormattedError | null {
  if (formatted.extensions?.code !== 'GRAPHQL_PARSE_FAILED') return null;
  const match = PARSER_LIMIT.exec(formatted.message);
  if (!match) return null;
  return { message: `The document holds more than ${match[1]} ${match[2]}, the limit.`, extensions: { code: 'QUERY_TOO_COMPLEX' } };
}

type Limit = 'directives' | 'cost';

/**
 * What a selection set asks for, counted as if it were selected once: `directives` (a fragment spread n times
 * counts its directives n times) and `cost` (one per field, times the page size of each list above it). Both are
 * linear in how often the set is selected. `exceeded` names a limit that every query containing this set exceeds
 * (its numbers are then lower bounds).
 */
interface Measure {
  directives: number;
  cost: number;
  exceeded: Limit | null;
}

/** How many times a field's selection set is selected per selection of the field itself. */
function pageSizeOf(field: FieldNode): number {
  const first = field.arguments?.find((a) => a.name.value === 'first');
  if (!first) return 1; // a single object, or a list without `first` (bounded by the data): counted once
  // a variable or an invalid literal counts as the largest page §10.3 admits
  const size = first.value.kind === Kind.INT ? Number(first.value.value) : 100;
  return Math.max(size, 1);
}

/**
 * Measures directives and cost. Each fragment is measured once per document (memoised), so a document whose
 * fragments spread each other twice — 2^n expansions in a few hundred bytes — costs time linear in its size; and
 * measuring stops as soon as one limit is certainly exceeded.
 */
class QueryMeasurer {
  private readonly measured = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly maxDirectives: number, private readonly maxCost: number, private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

  exceeded(m: Measure): Limit | null {
    if (m.exceeded) return m.exceeded;
    if (this.maxDirectives && m.directives > this.maxDirectives) return 'directives';
    if (this.maxCost && m.cost > this.maxCost) return 'cost';
    return null;
  }

  measure(selectionSet: SelectionSetNode): Measure {
    const total: Measure = { directives: 0, cost: 0, exceeded: null };
    for (const selection of selectionSet.selections) {
      let child: Measure;
      let cost: number;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__schema' || name === '__type' || !selection.selectionSet) {
          child = { directives: 0, cost: 0, exceeded: null };
          cost = 1;
        } else {
          child = this.measure(selection.selectionSet);
          cost = 1 + pageSizeOf(selection) * child.cost;
        }
      } else {
        child = selection.kind === Kind.INLINE_FRAGMENT ? this.measure(selection.selectionSet) : this.measureFragment(selection.name.value);
        cost = child.cost;
      }
      if (child.exceeded) return child;
      total.directives += child.directives + (selection.directives?.length ?? 0);
      total.cost += cost;
      total.exceeded = this.exceeded(total);
      if (total.exceeded) return total;
    }
    return total;
  }

  /**
   * A fragment measured once, as its own root: whatever it exceeds there, every query spreading it exceeds too.
   * Unknown and cyclic spreads count nothing here; graphql-js's own rules refuse them.
   */
  private measureFragment(name: string): Measure {
    const known = this.measured.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.inProgress.has(name)) return { directives: 0, cost: 0, exceeded: null };
    this.inProgress.add(name);
    const m = this.measure(fragment.selectionSet);
    this.inProgress.delete(name);
    if (!m.exceeded) {
      m.directives += fragment.directives?.length ?? 0;
      m.exceeded = this.exceeded(m);
    }
    this.measured.set(name, m);
    return m;
  }
}

export function queryLimitsRule(limits: LimitsConfig): ValidationRule {
  const maxDirectives = limits.maxDirectives ?? DEFAULT_MAX_DIRECTIVES;
  const messages: Record<Limit, string> = {
    directives: `The query uses more than ${maxDirectives} directives, the limit.`,
    cost: `The query's estimated cost exceeds ${limits.maxCost}, the limit.`,
  };
  return (context: ValidationContext): ASTVisitor => {
    // Armor's rules report through `refusals` (one operation at a time) instead of throwing, their default
    const refusals: string[] = [];
    const refuseWith = (message: string) => ({ propagateOnRejection: false, onReject: [() => { refusals.push(message); }] });
    const depth = limits.maxDepth
      ? maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...refuseWith(`The query is nested more than ${limits.maxDepth} levels deep, the limit.`) })(context)
      : null;
    const aliases = limits.maxAliases
      ? maxAliasesRule({ n: limits.maxAliases, allowList: [], ...refuseWith(`The query uses more than ${limits.maxAliases} aliases, the limit.`) })(context)
      : null;
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const measurer = new QueryMeasurer(maxDirectives, limits.maxCost, fragments);
    return {
      OperationDefinition(node) {
        refusals.length = 0;
        depth?.onOperationDefinitionEnter(node);
        if (!refusals.length) aliases?.onOperationDefinitionEnter(node);
        if (!refusals.length) {
          const m = measurer.measure(node.selectionSet);
          if (!m.exceeded) m.directives += node.directives?.length ?? 0;
          const exceeded = measurer.exceeded(m);
          if (exceeded) refusals.push(messages[exceeded]);
        }
        if (refusals.length) context.reportError(tooComplex(refusals[0]!));
      },
    };
  };
}
