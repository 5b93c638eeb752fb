import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import type { LimitsConfig } from '../config/config.js';

/**
 * Hardening (SPEC §11): depth, alias and cost limits as validation rules, so an over-limit query is refused
 * before any resolver runs. 0 turns a limit off. Defaults admit every §10.3 operation at first: 100 with
 * depth 8 and 15 aliases.
 */
function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

function measure(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visited: Set<string>,
  multiplier: number,
): Measure {
  let depth = 0;
  let aliases = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) aliases += 1;
      // introspection (an IDE loading the schema: 13–15 levels deep) is bounded by graphql-js's own
      // introspection-depth rule, which Apollo runs; in production the public may not introspect at all
      if (selection.name.value === '__schema' || selection.name.value === '__type') {
        cost += multiplier;
        depth = Math.max(depth, 1);
        continue;
      }
      const firstArg = selection.arguments?.find((a) => a.name.value === 'first');
      const pageSize = firstArg && firstArg.value.kind === Kind.INT ? Number(firstArg.value.value) : firstArg ? 100 : 1;
      const isList = Boolean(firstArg) || /^(records|edges|qualifications|catalog|professionalGroups|organizations|history)$/.test(selection.name.value);
      const childMultiplier = multiplier * (isList ? Math.max(pageSize, 1) : 1);
      cost += multiplier;
      if (selection.selectionSet) {
        const child = measure(selection.selectionSet, fragments, visited, childMultiplier);
        depth = Math.max(depth, child.depth + 1);
        aliases += child.aliases;
        cost += child.cost;
      } else {
        depth = Math.max(depth, 1);
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const child = measure(selection.selectionSet, fragments, visited, multiplier);
      depth = Math.max(depth, child.depth);
      aliases += child.aliases;
      cost += child.cost;
    } else {
      const fragment = fragments[selection.name.value];
      if (!fragment || visited.has(fragment.name.value)) continue;
      const child = measure(fragment.selectionSet, fragments, new Set([...visited, fragment.name.value]), multiplier);
      depth = Math.max(depth, child.depth);
      aliases += child.aliases;
      cost += child.cost;
    }
  }
  return { depth, aliases, cost };
}

export function queryLimitsRule(limits: LimitsConfig): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    return {
      OperationDefinition(node) {
        const m = measure(node.selectionSet, fragments, new Set(), 1);
        if (limits.maxDepth && m.depth > limits.maxDepth) {
          context.reportError(tooComplex(`The query is ${m.depth} levels deep; at most ${limits.maxDepth} are allowed.`));
        } else if (limits.maxAliases && m.aliases > limits.maxAliases) {
          context.reportError(tooComplex(`The query uses ${m.aliases} aliases; at most ${limits.maxAliases} are allowed.`));
        } else if (limits.maxCost && m.cost > limits.maxCost) {
          context.reportError(tooComplex(`The query's estimated cost ${m.cost} exceeds ${limits.maxCost}.`));
        }
      },
    };
  };
}
