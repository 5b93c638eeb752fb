import { GraphQLError } from 'graphql';

/**
 * Typed errors with the literal codes of SPEC §10.4. Services throw these; src/graphql/format-error.ts passes
 * them through unchanged and masks everything else.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'QUERY_TOO_COMPLEX' | 'RATE_LIMITED'
  | 'AUDIT_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

export abstract class AppError extends GraphQLError {
  abstract readonly code: ErrorCode;
  constructor(message: string, extensions: Record<string, unknown> = {}, httpStatus?: number) {
    super(message, { extensions: { ...extensions, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
  }
  override toJSON() {
    const json = super.toJSON();
    return { ...json, extensions: { ...json.extensions, code: this.code } };
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'A valid token is required.') {
    super(message, { code: 'UNAUTHENTICATED' }, 401);
  }
}

/**
 * FORBIDDEN. Raised before execution (an operation refused for the caller's role) it answers HTTP 403; raised
 * inside an executed operation (another department's case) the response is 200 with the error in `errors` (O5).
 */
export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN' as const;
  constructor(message = 'This operation is not allowed for your role.', beforeExecution = false) {
    super(message, { code: 'FORBIDDEN' }, beforeExecution ? 403 : undefined);
  }
}

export class BadUserInputError extends AppError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly reason: string, message: string) {
    super(message, { code: 'BAD_USER_INPUT', reason });
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  constructor(message = 'Not found.') {
    super(message, { code: 'NOT_FOUND' });
  }
}

export class QueryTooComplexError extends AppError {
  readonly code = 'QUERY_TOO_COMPLEX' as const;
  constructor(message: string) {
    super(message, { code: 'QUERY_TOO_COMPLEX' }, 400);
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(retryAfterSeconds: number) {
    super('Too many requests; slow down.', { code: 'RATE_LIMITED', retryAfterSeconds }, 429);
  }
}

export class AuditUnavailableError extends AppError {
  readonly code = 'AUDIT_UNAVAILABLE' as const;
  constructor() {
    super('The access log could not be written; no data was disclosed.', { code: 'AUDIT_UNAVAILABLE' }, 503);
  }
}
