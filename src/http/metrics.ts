import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Replica } from '../db/replica.js';

/** What the metrics read when scraped: the database pool and the access-log writer (SPEC O2). */
export interface MetricSources {
  /** pg's pool counts; null with the embedded database (no pool) */
  pool(): { total: number; idle: number; waiting: number } | null;
  /** access events waiting for the next group-commit append */
  accessLogQueue(): number;
  /** the read replica (DATABASE_REPLICA_URL); absent or null: none, and no replica metrics */
  replica?: () => Replica | null;
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
  readonly compiled = new Counter({
    name: 'gateway_compiled_requests_total', help: 'requests answered by compiled execution of a known read (the rest: Apollo)',
    registers: [this.registry],
  });
  readonly foldedEvents = new Counter({
    name: 'gateway_access_log_folded_events_total',
    help: 'reads that stored their access event in their own statement (issue 18): matched (the response placed exactly what the event says), unmatched (it did not: the event stays in the chain, logged as an error), failed (the statement failed; Apollo answered the request)',
    labelNames: ['outcome'] as const, registers: [this.registry],
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
    const replica = sources.replica?.() ?? null;
    if (replica) replicaMetrics(registry, replica);
    collectDefaultMetrics({ register: registry });
  }

  /** Prometheus text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * §11 read replica: how far behind it is, whether it serves (and whether it is another cluster's standby), where the
 * public's requests were read, their statements sent to the primary because the replica fell behind meanwhile, and
 * the statements it failed that ran again on the primary. Read from the replica's own state and counts at each scrape;
 * with several processes the primary's aggregate takes the largest lag and the smallest "serving" of the workers.
 */
function replicaMetrics(registry: Registry, replica: Replica): void {
  new Gauge({
    name: 'gateway_replica_lag_seconds', help: 'how far the read replica is behind the primary (now − the primary time of the newest WAL position it replayed); +Inf while unknown or unreachable',
    registers: [registry], aggregator: 'max',
    collect() {
      const { lagMs } = replica.state();
      this.set(lagMs === null ? Infinity : lagMs / 1000);
    },
  });
  new Gauge({
    name: 'gateway_replica_max_lag_seconds', help: 'REPLICA_MAX_LAG_MS: the replica serves only while its lag is at most this',
    registers: [registry], aggregator: 'max',
    collect() {
      this.set(replica.state().maxLagMs / 1000);
    },
  });
  new Gauge({
    name: 'gateway_replica_serving', help: '1 while public reads go to the read replica (reachable, a standby, caught up), else 0',
    registers: [registry], aggregator: 'min',
    collect() {
      this.set(replica.state().condition === 'caught_up' ? 1 : 0);
    },
  });
  new Counter({
    name: 'gateway_replica_routed_total', help: 'public requests by the database they read: replica, or primary because the replica was lagging or unavailable',
    labelNames: ['target', 'reason'] as const, registers: [registry],
    collect() {
      this.reset();
      this.inc({ target: 'replica', reason: 'caught_up' }, replica.counts.replica);
      this.inc({ target: 'primary', reason: 'lagging' }, replica.counts.primaryLagging);
      this.inc({ target: 'primary', reason: 'unavailable' }, replica.counts.primaryUnavailable);
    },
  });
  new Gauge({
    name: 'gateway_replica_foreign', help: '1 while the read replica\'s system identifier is not the primary\'s (a standby of another cluster, never read), else 0',
    registers: [registry], aggregator: 'max',
    collect() {
      this.set(replica.state().foreign ? 1 : 0);
    },
  });
  new Counter({
    name: 'gateway_replica_redirected_to_primary_total', help: 'statements of requests routed to the read replica that ran on the primary because the replica was no longer caught up when they were sent',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(replica.counts.redirectedToPrimary);
    },
  });
  new Counter({
    name: 'gateway_replica_retried_on_primary_total', help: 'statements the replica failed (recovery conflict, its statement budget, a full replica pool, a lost connection) that ran again on the primary',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(replica.counts.retriedOnPrimary);
    },
  });
}
