import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics read when scraped: the database pool and the access-log writer (SPEC O2). */
export interface MetricSources {
  /** pg's pool counts; null with the embedded database (no pool) */
  pool(): { total: number; idle: number; waiting: number } | null;
  /** access events waiting for the next group-commit append */
  accessLogQueue(): number;
}

/**
 * The gateway's Prometheus metrics (SPEC O2, prom-client): requests by operation, role and status; latency
 * histograms; database pool use; access-log append latency and queue depth; refused and rate-limited requests;
 * the process's own default metrics. One registry per gateway (tests run several gateways in one process).
 * Operation labels are root field names from the schema (bounded), never client-chosen operation names.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gateway_requests_total', help: 'GraphQL requests by operation (root fields), role and HTTP status',
    labelNames: ['operation', 'role', 'status'] as const, registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'gateway_request_duration_seconds', help: 'GraphQL request latency by operation (root fields)',
    labelNames: ['operation'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'gateway_refused_requests_total', help: 'requests refused before execution, by error code (401, 403, 413, 400 …)',
    labelNames: ['code'] as const, registers: [this.registry],
  });
  readonly rateLimited = new Counter({ name: 'gateway_rate_limited_total', help: 'requests answered 429', registers: [this.registry] });
  readonly appendLatency = new Histogram({
    name: 'gateway_access_log_append_seconds', help: 'latency of one group-commit append of access events',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  readonly appendFailures = new Counter({ name: 'gateway_access_log_append_failures_total', help: 'failed appends (their requests got AUDIT_UNAVAILABLE)', registers: [this.registry] });

  constructor(sources: MetricSources) {
    const registry = this.registry;
    new Gauge({
      name: 'gateway_db_pool_connections', help: 'database pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'] as const, registers: [registry],
      collect() {
        const pool = sources.pool();
        if (!pool) return;
        this.set({ state: 'total' }, pool.total);
        this.set({ state: 'idle' }, pool.idle);
        this.set({ state: 'waiting' }, pool.waiting);
      },
    });
    new Gauge({
      name: 'gateway_access_log_queue_depth', help: 'access events waiting for the next append', registers: [registry],
      collect() {
        this.set(sources.accessLogQueue());
      },
    });
    collectDefaultMetrics({ register: registry });
  }

  /** Prometheus text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
