import { Extensions, type MiddlewareFn } from 'type-graphql';
import type { GraphQLObjectType } from 'graphql';
import type { Role } from '../../policies/purposes.js';
import type { RequestContext } from '../context/request-context.js';
import { ForbiddenError, UnauthenticatedError } from '../errors/app-errors.js';

/**
 * Who may call an operation (SPEC §10.3 comments). Every Query and Mutation field declares it; a field that
 * does not is refused (default deny) and test/unit/schema-access.test.ts fails.
 */
export const ALL_ROLES: readonly Role[] = ['public', 'department', 'agency', 'subject', 'auditor', 'admin'];

export function Allow(...roles: Role[]): MethodDecorator & PropertyDecorator {
  return Extensions({ allow: roles });
}

export function allowedRolesOf(type: GraphQLObjectType, fieldName: string): readonly Role[] | null {
  const allow = type.getFields()[fieldName]?.extensions?.allow;
  return Array.isArray(allow) ? (allow as Role[]) : null;
}

/** The one global middleware that enforces `@Allow` on root fields. */
export const enforceAccess: MiddlewareFn<RequestContext> = async ({ context, info }, next) => {
  const root = info.parentType.name;
  if (root === 'Query' || root === 'Mutation' || root === 'Subscription') {
    const allowed = allowedRolesOf(info.parentType, info.fieldName);
    if (!allowed || !allowed.includes(context.viewer.role)) {
      if (context.viewer.role === 'public') throw new UnauthenticatedError('This operation needs a token.');
      throw new ForbiddenError();
    }
  }
  return next();
};
