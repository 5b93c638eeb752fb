import { GraphQLError, Kind, type ASTVisitor, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import type { LimitsConfig } from '../config/config.js';

/**
 * Hardening (SPEC §11): depth, alias and cost limits as validation rules, so an over-limit query is refused
 * before any resolver runs. 0 turns a limit off. Defaults admit every §10.3 operation at first: 100 with
 * depth 8 and 15 aliases.
 *
 * Each fragment is measured once per document (memoised), so a document whose fragments spread each other
 * twice — 2^n expansions in a few hundred bytes — costs time linear in its size; and measuring stops as soon
 * as one limit is certainly exceeded.
 */
function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
}

type Limit = 'depth' | 'aliases' | 'cost';

/**
 * What a selection set asks for, counted as if it were selected once: `depth` in fields below it, `aliases`
 * (a fragment spread n times counts its aliases n times), `cost` (one per field, times the page size of each
 * list above it). Cost is linear in how often the set is selected, so a set selected m times costs m × cost.
 * `exceeded` names a limit that every query containing this set exceeds (its numbers are then lower bounds).
 */
interface Measure {
  depth: number;
  aliases: number;
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

class QueryMeasurer {
  private readonly measured = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly limits: LimitsConfig, private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

  /** The limit `m` exceeds, if any, when its selection set sits `level` fields below the measured root. */
  private exceeded(m: Measure, level: number): Limit | null {
    if (m.exceeded) return m.exceeded;
    if (this.limits.maxDepth && level + m.depth > this.limits.maxDepth) return 'depth';
    if (this.limits.maxAliases && m.aliases > this.limits.maxAliases) return 'aliases';
    if (this.limits.maxCost && m.cost > this.limits.maxCost) return 'cost';
    return null;
  }

  /** Measures `selectionSet`, `level` fields below the root being measured (an operation or a fragment). */
  measure(selectionSet: SelectionSetNode, level: number): Measure {
    const total: Measure = { depth: 0, aliases: 0, cost: 0, exceeded: null };
    for (const selection of selectionSet.selections) {
      let depth: number;
      let aliases = 0;
      let cost: number;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases = 1;
        const name = selection.name.value;
        // introspection (an IDE loading the schema: 13–15 levels deep) is bounded by graphql-js's own
        // introspection-depth rule, which Apollo runs; in production the public may not introspect at all
        if (name === '__schema' || name === '__type' || !selection.selectionSet) {
          depth = 1;
          cost = 1;
        } else {
          const child = this.measure(selection.selectionSet, level + 1);
          if (child.exceeded) return child;
          depth = child.depth + 1;
          aliases += child.aliases;
          cost = 1 + pageSizeOf(selection) * child.cost;
        }
      } else {
        const child = selection.kind === Kind.INLINE_FRAGMENT ? this.measure(selection.selectionSet, level) : this.measureFragment(selection.name.value);
        depth = child.depth;
        aliases = child.aliases;
        cost = child.cost;
        if (child.exceeded) return child;
      }
      total.depth = Math.max(total.depth, depth);
      total.aliases += aliases;
      total.cost += cost;
      total.exceeded = this.exceeded(total, level);
      if (total.exceeded) return total;
    }
    return total;
  }

  /**
   * A fragment measured once, as its own root (level 0): whatever it exceeds there, every query spreading it
   * exceeds too (depth only grows with the level it is spread at, cost with the pages above it). Unknown and
   * cyclic spreads count nothing here; graphql-js's own rules refuse them.
   */
  private measureFragment(name: string): Measure {
    const known = this.measured.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.inProgress.has(name)) return { depth: 0, aliases: 0, cost: 0, exceeded: null };
    this.inProgress.add(name);
    const m = this.measure(fragment.selectionSet, 0);
    this.inProgress.delete(name);
    this.measured.set(name, m);
    return m;
  }
}

export function queryLimitsRule(limits: LimitsConfig): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const measurer = new QueryMeasurer(limits, fragments);
    return {
      OperationDefinition(node) {
        const m = measurer.measure(node.selectionSet, 0);
        if (m.exceeded === 'depth') {
          context.reportError(tooComplex(`The query is nested more than ${limits.maxDepth} levels deep, the limit.`));
        } else if (m.exceeded === 'aliases') {
          context.reportError(tooComplex(`The query uses more than ${limits.maxAliases} aliases, the limit.`));
        } else if (m.exceeded === 'cost') {
          context.reportError(tooComplex(`The query's estimated cost exceeds ${limits.maxCost}, the limit.`));
        }
      },
    };
  };
}
