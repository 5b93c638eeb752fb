import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { LimitsConfig } from '../config/config.js';
import type { RequestContext } from '../context/request-context.js';
import { AppError } from '../errors/app-errors.js';
import { formatError } from './format-error.js';
import { queryLimitsRule } from './limits.js';
import type { Logger } from '../logging.js';

/** Logs unexpected errors with the request id (never the token, never variables). */
function errorLoggingPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = error.originalError ?? error;
            if (original instanceof AppError || (error.extensions?.code && error.extensions.code !== 'INTERNAL_SERVER_ERROR' && !error.originalError)) continue;
            logger.error('unexpected error', { requestId: contextValue?.requestId, error: original });
          }
        },
      };
    },
  };
}

export function createApollo(schema: GraphQLSchema, options: { production: boolean; limits: LimitsConfig; logger: Logger }) {
  return new ApolloServer<RequestContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // bearer tokens only, no cookies: a browser cannot forge an authenticated cross-site request
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    hideSchemaDetailsFromClientErrors: options.production,
    validationRules: [queryLimitsRule(options.limits)],
    plugins: [errorLoggingPlugin(options.logger)],
  });
}
