import { getArgumentValues, getNamedType, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Whether the current field's selection asks for any of `names` directly (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>): boolean =>
    !!set && set.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return names.includes(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet, seen);
      const fragment = info.fragments[selection.name.value];
      if (!fragment || seen.has(fragment.name.value)) return false;
      return visit(fragment.selectionSet, new Set([...seen, fragment.name.value]));
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet, new Set()));
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
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment && !seen.has(fragment.name.value)) visit(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, new Set());
  if (found.length === 0) return null;
  try {
    const args = found.map((node) => getArgumentValues(definition, node, info.variableValues));
    const first = JSON.stringify(args[0]);
    return args.every((a) => JSON.stringify(a) === first) ? args[0] : null;
  } catch {
    return null; // invalid arguments: the child field reports them itself
  }
}
