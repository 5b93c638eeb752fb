import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { LimitsConfig } from '../config/config.js';
import type { RequestContext } from '../context/request-context.js';
import { AppError, UnauthenticatedError } from '../errors/app-errors.js';
import { formatError } from './format-error.js';
import { accessLogPlugin } from './access-log.plugin.js';
import { enforceOperationAccess } from './access.js';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
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

/**
 * Whether a document asks for `__schema` or `__type` anywhere (fragments and inline fragments on Query reach the
 * root too). Apollo keeps parsed documents in its document store, so the answer is kept per document object.
 */
const introspection = new WeakMap<DocumentNode, boolean>();
function introspects(document: DocumentNode): boolean {
  let found = introspection.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Field(node) {
        if (node.name.value === '__schema' || node.name.value === '__type') found = true;
      },
    });
    introspection.set(document, found);
  }
  return found;
}

/**
 * Default deny (STYLE 2): every root field the operation selects must `@Allow` the caller's role. And SPEC §11:
 * in production the public may not introspect the schema (tokens still may, for tooling).
 */
function operationAccessPlugin(production: boolean): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, schema }) {
          if (operation) enforceOperationAccess(schema, document, operation, contextValue.viewer.role);
          if (!production || contextValue.viewer.role !== 'public') return;
          if (introspects(document)) throw new UnauthenticatedError('Introspection needs a token in production.');
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
    plugins: [
      // no HTTP caching of credit data; also spares a per-field cache-hint pass
      ApolloServerPluginCacheControlDisabled(),
      errorLoggingPlugin(options.logger), operationAccessPlugin(options.production), accessLogPlugin(options.logger),
    ],
  });
}
