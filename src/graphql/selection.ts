import { getArgumentValues, getNamedType, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Both walks below stay at one level (fields' own selections are not entered), so a fragment gives the same fields
 * wherever it is spread: each is visited once per walk. A per-path set would revisit a fragment spread twice by
 * each of a chain of fragments 2^n times (issue 15: a small document blocking the event loop).
 */

/** Whether the current field's selection asks for any of `names` directly (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set && set.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return names.includes(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet);
      const fragment = info.fragments[selection.name.value];
      if (!fragment || seen.has(fragment.name.value)) return false;
      seen.add(fragment.name.value);
      return visit(fragment.selectionSet);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}

/**
 * The arguments of `name` as the current field's selection asks for it (through fragments too), when every
 * occurrence asks with the same arguments; null when it is not selected or selected with different arguments.
 * Lets a resolver read ahead what a child field will need, in the same statement.
 */
export function childFieldArguments(info: GraphQLResolveInfo, name: string): Record<string, unknown> | null {
  const parent = getNamedType(info.returnType);
  if (!isObjectType(parent)) return null;
  const definition = parent.getFields()[name];
  if (!definition) return null;
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          visit(fragment.selectionSet);
        }
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  if (found.length === 0) return null;
  try {
    const args = found.map((node) => getArgumentValues(definition, node, info.variableValues));
    const first = JSON.stringify(args[0]);
    return args.every((a) => JSON.stringify(a) === first) ? args[0] : null;
  } catch {
    return null; // invalid arguments: the child field reports them itself
  }
}
