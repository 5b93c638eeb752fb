import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../errors/app-errors.js';

/** Codes produced by graphql-js / Apollo itself for a bad request; their messages describe the request only. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'QUERY_TOO_COMPLEX',
]);

/**
 * The one place errors are mapped for clients (STYLE 5): typed AppErrors and request errors pass through
 * without internals; everything else becomes INTERNAL_SERVER_ERROR with no message, SQL or stack (the
 * original is logged server-side with the request id by the logging plugin).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) {
    const { http: _http, ...extensions } = (original.extensions ?? {}) as Record<string, unknown>;
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { ...extensions, code: original.code } };
  }
  // Apollo re-codes every validation error as GRAPHQL_VALIDATION_FAILED; keep the more precise code of a
  // limit rule (QUERY_TOO_COMPLEX) or of a scalar refusing a literal (BAD_USER_INPUT with its reason)
  const cause = (error as { originalError?: unknown } | null)?.originalError;
  const causeExtensions = cause instanceof GraphQLError ? cause.extensions : undefined;
  if (formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' && causeExtensions
    && (causeExtensions.code === 'QUERY_TOO_COMPLEX' || causeExtensions.code === 'BAD_USER_INPUT')) {
    const { http: _http, ...extensions } = causeExtensions as Record<string, unknown>;
    return { message: formatted.message, locations: formatted.locations, extensions };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
