import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { LimitsConfig } from '../config/config.js';
import type { RequestContext } from '../context/request-context.js';
import { unwrapResolverError } from '@apollo/server/errors';
import { UnauthenticatedError } from '../errors/app-errors.js';
import { createFormatError, formatError } from './format-error.js';
import { accessLogPlugin } from './access-log.plugin.js';
import { enforceOperationAccess, operationRootFields } from './access.js';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { documentParseOptions, queryLimitsRule, tokenLimitRefusal } from './limits.js';
import type { Logger } from '../logging.js';

/**
 * SPEC O1: what the request line says of an operation (its name, the root fields it selects, the codes of the
 * errors it answers), and unexpected faults — exactly the errors formatError masks as INTERNAL_SERVER_ERROR — logged
 * at `error` with the request id. Client mistakes (parse, validation, bad input, refusals) are not logged here:
 * the request line carries their codes, without stacks.
 */
function tracePlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      if (request.operationName) contextValue.trace.operationName = request.operationName.slice(0, 100);
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return;
          contextValue.trace.rootFields = operationRootFields(document, operation);
          contextValue.trace.operationName ??= operation.name?.value.slice(0, 100) ?? null;
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (formatError(error.toJSON(), error).extensions?.code !== 'INTERNAL_SERVER_ERROR') continue;
            logger.error('unexpected error', { requestId: contextValue.requestId, error: unwrapResolverError(error) });
          }
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors ?? [] : [];
          contextValue.trace.errorCodes = errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN'));
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
  const formatForClients = createFormatError(options.production);
  return new ApolloServer<RequestContext>({
    schema,
    // §11: a document over the token limit is refused by the parser; it answers QUERY_TOO_COMPLEX like the other limits
    formatError: (formatted, error) => tokenLimitRefusal(formatted) ?? formatForClients(formatted, error),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // bearer tokens only, no cookies: a browser cannot forge an authenticated cross-site request
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    // H1: documents are allow-listed by the gateway (src/http/trusted-documents.ts); a client may never register one
    persistedQueries: false,
    // O4: the process's own SIGTERM handler drains HTTP, flushes the access log and closes the pool in that order;
    // Apollo's would stop the server concurrently and re-raise the signal
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: options.production,
    // §11 limits (src/graphql/limits.ts): tokens while parsing; depth, aliases, directives and cost in validation
    parseOptions: documentParseOptions(options.limits),
    validationRules: [queryLimitsRule(options.limits)],
    plugins: [
      // no HTTP caching of credit data; also spares a per-field cache-hint pass
      ApolloServerPluginCacheControlDisabled(),
      // O6: the IDE is our own offline Altair (src/http/ide.ts), never Apollo's Sandbox from a CDN
      ApolloServerPluginLandingPageDisabled(),
      tracePlugin(options.logger), operationAccessPlugin(options.production),
      // last: its willSendResponse may still replace the answer with AUDIT_UNAVAILABLE (L2)
      accessLogPlugin(options.logger),
    ],
  });
}
