import { getArgumentValues, getNamedType, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The fields the current field's selection asks for directly, through fragments and inline fragments (fields' own
 * selections are not entered). A fragment gives the same fields wherever it is spread, so each is visited once per
 * walk; a per-path set would revisit a fragment spread twice by each of a chain of fragments 2^n times (issue 15: a
 * small document blocking the event loop). selectsField, selectsOnly and childFieldArguments read these;
 * selectsPath, which does enter fields, keeps its answer per fragment and depth instead.
 */
function directFields(info: GraphQLResolveInfo): FieldNode[] {
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        found.push(selection);
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
  return found;
}

/** Whether the current field's selection asks for any of `names` directly (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  return directFields(info).some((field) => names.includes(field.name.value));
}

/** Whether the current field's selection asks for no field outside `allowed` directly (through fragments too). */
export function selectsOnly(info: GraphQLResolveInfo, allowed: ReadonlySet<string>): boolean {
  return directFields(info).every((field) => allowed.has(field.name.value));
}

/**
 * Whether the current field's selection holds the path `names` (a field of each name, one inside the other, through
 * fragments too): `selectsPath(info, ['records', 'edges', 'node'])` — the response places the records of the page.
 * Each fragment is walked at most once per depth (its answer is kept), so no chain of spreads makes this walk grow
 * beyond the document's size times the path's length (issue 15).
 */
export function selectsPath(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const known = new Map<string, boolean>();
  const visit = (set: SelectionSetNode | undefined, depth: number): boolean =>
    !!set && set.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== names[depth]) return false;
        return depth === names.length - 1 || visit(selection.selectionSet, depth + 1);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet, depth);
      const fragment = info.fragments[selection.name.value];
      if (!fragment) return false;
      const key = `${depth} ${fragment.name.value}`;
      const answer = known.get(key);
      if (answer !== undefined) return answer;
      known.set(key, false); // a cycle (refused by validation anyway) finds nothing
      const found = visit(fragment.selectionSet, depth);
      known.set(key, found);
      return found;
    });
  return names.length > 0 && info.fieldNodes.some((node) => visit(node.selectionSet, 0));
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
  const found = directFields(info).filter((field) => field.name.value === name);
  if (found.length === 0) return null;
  try {
    const args = found.map((node) => getArgumentValues(definition, node, info.variableValues));
    const first = JSON.stringify(args[0]);
    return args.every((a) => JSON.stringify(a) === first) ? args[0] : null;
  } catch {
    return null; // invalid arguments: the child field reports them itself
  }
}
