import { createGateway, type Gateway } from '../../src/server.js';
import type { CheckpointSettings } from '../../src/modules/access-log/checkpoints.js';
import { createLogger, type Logger } from '../../src/logging.js';
import type { LimitsConfig, SubjectRightsConfig } from '../../src/config/config.js';
import type { TestDatabase } from './db.js';
import { TEST_SECRET } from './tokens.js';
import { SHIPPED_MANIFEST } from '../../src/web/manifest.js';

/** A real gateway on a loopback port, with a movable clock, and a small GraphQL-over-HTTP client. */
export interface TestGateway {
  url: string;
  clock: { now: Date };
  gateway: Gateway;
  request(query: string, options?: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> }): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any>; path?: unknown[] }[] };
}

export const TEST_LIMITS: LimitsConfig = { maxDepth: 10, maxAliases: 30, maxCost: 1_000_000, ratePerSecond: 0, rateBurst: 100 };

export async function startTestGateway(
  database: TestDatabase,
  options: {
    now?: Date;
    limits?: Partial<LimitsConfig>;
    production?: boolean;
    subjectRights?: SubjectRightsConfig;
    /** O6: serve the IDE (unset: on outside production, as the gateway decides) */
    graphqlIde?: boolean;
    /** O6: CORS_ORIGINS */
    corsOrigins?: string[];
    /** O1: where the gateway logs (default: quiet) */
    logger?: Logger;
    /** O2: METRICS_TOKEN / METRICS_PORT */
    metricsToken?: string;
    metricsPort?: number;
    /** H2: REQUEST_TIMEOUT_MS / MAX_BODY_BYTES */
    requestTimeoutMs?: number;
    maxBodyBytes?: number;
    /** H1: TRUSTED_DOCUMENTS / TRUSTED_DOCUMENTS_FILE */
    trustedDocuments?: 'public' | 'all' | 'off';
    trustedDocumentsFile?: string;
    /** TRUST_PROXY */
    trustProxy?: boolean;
    /** WEB2: SITE_API_URL (the website reads another gateway) */
    siteApiUrl?: string;
    /** KEEP_ALIVE_TIMEOUT_MS (default: the gateway's) */
    keepAliveTimeoutMs?: number;
    /** L6: signed checkpoints (default off) */
    checkpoints?: CheckpointSettings;
    /** WEB1: serve the public credit website beside /graphql (SITE; default off here, on in `npm start`) */
    site?: boolean;
    /**
     * issue 18: COMPILED_EXECUTION. Default `first-sight` (`repeated`, compiling at a document's first request), so
     * that every e2e suite runs its subject, search and notice reads compiled; `second-sight` is `repeated` as the
     * product runs it, `trusted` the product's default (the manifest's documents only), `off` Apollo only
     */
    compiledExecution?: 'first-sight' | 'second-sight' | 'trusted' | 'off';
    /** V8_PRETENURING (src/v8-heap.ts); unset, createGateway's default (off) */
    v8Pretenuring?: 'on' | 'off';
    /** ACCESS_LOG_FOLDS (issue 18); unset, the writer's default (MAX_FOLDS_IN_FLIGHT) */
    accessLogFolds?: number;
  } = {},
): Promise<TestGateway> {
  const clock = { now: options.now ?? new Date('2026-06-01T04:00:00Z') };
  const gateway = await createGateway({
    database,
    config: {
      jwt: { secret: TEST_SECRET, publicKey: null, issuer: null, audience: null, generated: false },
      limits: { ...TEST_LIMITS, ...options.limits },
      production: options.production ?? false,
      subjectRights: options.subjectRights,
      graphqlIde: options.graphqlIde,
      corsOrigins: options.corsOrigins,
      metricsToken: options.metricsToken ?? null,
      metricsPort: options.metricsPort ?? 0,
      requestTimeoutMs: options.requestTimeoutMs ?? 0,
      maxBodyBytes: options.maxBodyBytes,
      trustedDocuments: options.trustedDocuments,
      // the website sends its documents by hash: with it on, the shipped allow-list is loaded as `npm start` does
      trustedDocumentsFile: options.trustedDocumentsFile ?? (options.site ? SHIPPED_MANIFEST : undefined),
      trustProxy: options.trustProxy,
      siteApiUrl: options.siteApiUrl ?? null,
      site: options.site ?? false,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      v8Pretenuring: options.v8Pretenuring,
      accessLogFolds: options.accessLogFolds,
      compiledExecution: ({ 'first-sight': 'repeated', 'second-sight': 'repeated', trusted: 'trusted', off: 'off' } as const)[options.compiledExecution ?? 'first-sight'],
    },
    logger: options.logger ?? createLogger(process.stderr, true),
    clock: () => clock.now,
    checkpoints: options.checkpoints ?? null,
    compileAtSighting: (options.compiledExecution ?? 'first-sight') === 'first-sight' ? 1 : 2,
  });
  const url = await gateway.listen(0);
  return {
    url,
    clock,
    gateway,
    async request(query, { token, variables, headers } = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
    },
    close: () => gateway.close(),
  };
}
