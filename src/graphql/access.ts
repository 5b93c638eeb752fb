import { Extensions } from 'type-graphql';
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Role } from '../../policies/purposes.js';
import { ForbiddenError, UnauthenticatedError } from '../errors/app-errors.js';

/**
 * Who may call an operation (SPEC §10.3 comments). Every Query and Mutation field declares it; a field that
 * does not is refused (default deny) and test/unit/schema-access.test.ts fails.
 */
export const ALL_ROLES: readonly Role[] = ['public', 'department', 'agency', 'subject', 'auditor', 'admin', 'exchange'];

export function Allow(...roles: Role[]): MethodDecorator & PropertyDecorator {
  return Extensions({ allow: roles });
}

export function allowedRolesOf(type: GraphQLObjectType, fieldName: string): readonly Role[] | null {
  const allow = type.getFields()[fieldName]?.extensions?.allow;
  return Array.isArray(allow) ? (allow as Role[]) : null;
}

/** The root fields an operation selects (through fragments and inline fragments on the root type). */
export function rootFieldNames(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(selection.selectionSet, fragments, seen);
    const fragment = fragments[selection.name.value];
    if (!fragment || seen.has(fragment.name.value)) return [];
    seen.add(fragment.name.value);
    return rootFieldNames(fragment.selectionSet, fragments, seen);
  });
}

/**
 * Enforces `@Allow` once per operation, before execution, on every root field it selects — not as a
 * per-field middleware, which would wrap every field of every record in the response.
 */
export function operationRootFields(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return [...new Set(rootFieldNames(operation.selectionSet, fragments))];
}

/** Whether `@Allow` of every one of these root fields admits `role` (introspection fields: see the production guard). */
export function rootFieldsAllow(root: GraphQLObjectType, names: readonly string[], role: Role): boolean {
  return names.every((name) => name.startsWith('__') || (allowedRolesOf(root, name)?.includes(role) ?? false));
}

export function enforceOperationAccess(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, role: Role): void {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root || rootFieldsAllow(root, operationRootFields(document, operation), role)) return;
  if (role === 'public') throw new UnauthenticatedError('This operation needs a token.');
  throw new ForbiddenError(undefined, true);
}
