import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../errors/app-errors.js';

/** Codes produced by graphql-js / Apollo itself for a bad request; their messages describe the request only. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'QUERY_TOO_COMPLEX',
]);

/** graphql-js stops coercing variables after 50 errors (its `maxCoercionErrors`) and adds this one, with no code. */
const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

/** graphql-js's suggestions: `Did you mean "x"?`, `… "a", "b", or "c"?`, `… the enum value "X"?` (names hold no `?`). */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * SPEC §11: no schema details for the public in production. Apollo's hideSchemaDetailsFromClientErrors strips
 * suggestions from validation errors only; variable coercion (a mistyped enum value or input field in a variable)
 * carries them too, so every message loses them here.
 */
function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.message.replace(SUGGESTION, '');
  return message === formatted.message ? formatted : { ...formatted, message };
}

/**
 * The one place errors are mapped for clients (STYLE 5): typed AppErrors and request errors pass through
 * without internals; everything else becomes INTERNAL_SERVER_ERROR with no message, SQL or stack (the
 * original is logged server-side with the request id by the logging plugin). In production, messages carry no
 * "Did you mean …?" suggestions.
 */
export function createFormatError(production: boolean): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return production ? (formatted, error) => withoutSuggestions(mapError(formatted, error)) : mapError;
}

/** The mapping outside production; which errors are masked is the same in both modes (the trace plugin asks it). */
export const formatError = createFormatError(false);

/** H2: PostgreSQL cancelled a statement at the request's deadline (statement_timeout, SQLSTATE 57014). */
function passedDeadline(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    if ((current as { code?: unknown }).code === '57014') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function mapError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
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
  if (original instanceof GraphQLError && original.message === TOO_MANY_VARIABLE_ERRORS && !original.path) {
    return {
      message: 'Too many invalid values in the variables: the first 50 are reported; nothing was run. Correct them and send the request again.',
      extensions: { code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ERRORS' },
    };
  }
  if (passedDeadline(original)) {
    return { message: 'The request did not finish within its deadline; nothing more was done.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
