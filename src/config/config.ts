import type { CompiledExecutionMode } from '../graphql/compiled.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workingCalendar } from '../../policies/working-days.js';
import type { LogLevel } from '../logging.js';

/** Environment → typed configuration (SPEC §10.1). The only place that reads process.env. */
export interface Config {
  port: number;
  production: boolean;
  databaseUrl: string | undefined;
  pgliteDir: string;
  seedDemo: boolean;
  jwt: JwtConfig;
  limits: LimitsConfig;
  subjectRights: SubjectRightsConfig;
  /** §10.3: the secret cursors are sealed with (CURSOR_SECRET); null = derived from JWT_SECRET */
  cursorSecret: string | null;
  /** O6: serve the GraphQL IDE to browsers on GET /graphql (GRAPHQL_IDE=1|0; default on outside production) */
  graphqlIde: boolean;
  /** O6: origins allowed to call /graphql from a browser (CORS_ORIGINS, comma-separated exact origins; default none) */
  corsOrigins: string[];
  /** the bind address (HOST, default 127.0.0.1; 0.0.0.0 behind a load balancer) */
  host: string;
  /** O1: LOG_LEVEL (debug, info, warn, error, silent; default info) */
  logLevel: LogLevel;
  /** O4: how long SIGTERM waits for requests in flight (SHUTDOWN_GRACE_MS, default 10000) */
  shutdownGraceMs: number;
  /** O2: a separate listener for GET /metrics (METRICS_PORT; 0 = none) */
  metricsPort: number;
  /** O2: or /metrics on the main port behind `Authorization: Bearer <METRICS_TOKEN>` */
  metricsToken: string | null;
  /** PostgreSQL connections per process (DATABASE_POOL_SIZE, default 10) */
  poolSize: number;
  /** H2: every request's deadline, also PostgreSQL's statement_timeout (REQUEST_TIMEOUT_MS, default 10000; 0 = none) */
  requestTimeoutMs: number;
  /** H2: larger request bodies get HTTP 413 (MAX_BODY_BYTES, default 1 MiB) */
  maxBodyBytes: number;
  /** H1: whom the allow-list of documents binds (TRUSTED_DOCUMENTS=public|all|off; default public in production) */
  trustedDocuments: 'public' | 'all' | 'off';
  /** H1: the allow-list, Apollo's persisted-query manifest (TRUSTED_DOCUMENTS_FILE, default schema/trusted-documents.json) */
  trustedDocumentsFile: string;
  /** behind a load balancer: the public's rate limit keys on the last X-Forwarded-For address (TRUST_PROXY=1) */
  trustProxy: boolean;
  /** apply migrations at start (MIGRATE_ON_START, default 1); 0 when a restricted role serves and the owner migrates */
  migrateOnStart: boolean;
  /** L6: signed checkpoints (CHECKPOINT_SIGNING_KEY, CHECKPOINT_VERIFY_KEYS, CHECKPOINT_DIR, CHECKPOINT_INTERVAL) */
  checkpoints: CheckpointConfig;
  /**
   * how long an idle keep-alive connection stays open (KEEP_ALIVE_TIMEOUT_MS, default 65000): longer than a load
   * balancer's idle timeout (60 s is common), so the balancer, not the gateway, closes idle connections and never
   * sends a request on one the gateway is closing (Node's default 5 s made the soak's driver see ECONNRESET)
   */
  keepAliveTimeoutMs: number;
  /** X4: this platform's Ed25519 private key (PEM text or file) that signs exchange files (EXCHANGE_SIGNING_KEY) */
  exchangeSigningKey: string | null;
  /** WEB1: serve the public credit website at / beside /graphql (SITE=1|0, default 1) */
  site: boolean;
  /** WEB2: the API the website reads (SITE_API_URL); null = this gateway's own /graphql over loopback */
  siteApiUrl: string | null;
  /** §11 scale-out: processes serving the port (GATEWAY_PROCESSES: a number, or auto = one per CPU; default 1) */
  processes: number;
  /** §11 read replica: a streaming standby for the public's reads (DATABASE_REPLICA_URL, REPLICA_MAX_LAG_MS); null = none */
  replica: ReplicaConfig | null;
  /**
   * issue 18: which read documents run compiled (src/graphql/compiled.ts; COMPILED_EXECUTION): `trusted` (default)
   * the manifest's, `repeated` also any document at its second request, `off` none (Apollo's interpreter, as before)
   */
  compiledExecution: CompiledExecutionMode;
  /**
   * issue 18: V8's allocation-site pretenuring in each gateway process (V8_PRETENURING, src/v8-heap.ts): `off` (default)
   * keeps every object young until it has outlived two scavenges; `on` is V8's default
   */
  v8Pretenuring: 'on' | 'off';
  /**
   * issue 18: how many reads may store their own access event at once, folded into the read statement while the
   * access-log writer is idle (ACCESS_LOG_FOLDS, default 2; 0 = none: every event is group-committed)
   */
  accessLogFolds: number;
}

/** ACCESS_LOG_FOLDS' default, which the access-log writer also takes as its MAX_FOLDS_IN_FLIGHT (why 2: the writer's comment there) */
export const DEFAULT_ACCESS_LOG_FOLDS = 2;

/** ACCESS_LOG_FOLDS (issue 18): a non-negative integer, default DEFAULT_ACCESS_LOG_FOLDS; the benchmark's gateway reads it the same way */
export function accessLogFoldsFrom(env: NodeJS.ProcessEnv): number {
  return intFrom(env, 'ACCESS_LOG_FOLDS', DEFAULT_ACCESS_LOG_FOLDS);
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const raw = (env.LOG_LEVEL ?? '').trim() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${raw}"`);
  return raw as LogLevel;
}

function flagFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallback;
  if (raw !== '1' && raw !== '0') throw new ConfigError(`${name} must be 1 or 0, not "${raw}"`);
  return raw === '1';
}

/** COMPILED_EXECUTION (issue 18): trusted (default), repeated or off */
function compiledExecutionFrom(env: NodeJS.ProcessEnv): CompiledExecutionMode {
  const raw = (env.COMPILED_EXECUTION ?? '').trim() || 'trusted';
  if (raw !== 'trusted' && raw !== 'repeated' && raw !== 'off') throw new ConfigError(`COMPILED_EXECUTION must be trusted, repeated or off, not "${raw}"`);
  return raw;
}

/** V8_PRETENURING (issue 18): off (default) or on; the benchmark's gateway and bench:young-gen read it the same way */
export function pretenuringFrom(env: NodeJS.ProcessEnv): 'on' | 'off' {
  const raw = (env.V8_PRETENURING ?? '').trim() || 'off';
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(`V8_PRETENURING must be on or off, not "${raw}"`);
  return raw;
}

/** RATE_LIMIT_STORE; by default memory for one process, postgres for several (§11: the limits hold for the whole) */
function rateLimitStoreFrom(env: NodeJS.ProcessEnv, processes = 1): 'memory' | 'postgres' {
  const raw = (env.RATE_LIMIT_STORE ?? '').trim() || (processes > 1 ? 'postgres' : 'memory');
  if (raw !== 'memory' && raw !== 'postgres') throw new ConfigError(`RATE_LIMIT_STORE must be memory or postgres, not "${raw}"`);
  return raw;
}

function trustedDocumentsFrom(env: NodeJS.ProcessEnv, production: boolean): 'public' | 'all' | 'off' {
  const raw = (env.TRUSTED_DOCUMENTS ?? '').trim() || (production ? 'public' : 'off');
  if (raw !== 'public' && raw !== 'all' && raw !== 'off') throw new ConfigError(`TRUSTED_DOCUMENTS must be public, all or off, not "${raw}"`);
  return raw;
}

function metricsTokenFrom(env: NodeJS.ProcessEnv): string | null {
  const token = env.METRICS_TOKEN?.trim() || null;
  if (token !== null && token.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  return token;
}

/** L6: where the signing key and the checkpoints live; both null = off (development makes them in the data directory). */
export interface CheckpointConfig {
  /** PEM Ed25519 private key (CHECKPOINT_SIGNING_KEY: the PEM text, or the path of a PEM file) */
  signingKey: string | null;
  /** rotated-out public keys older checkpoints still verify with (CHECKPOINT_VERIFY_KEYS: PEM blocks, or a file of them) */
  verifyKeys: string;
  /** a directory, or '-' for stdout (CHECKPOINT_DIR) */
  dir: string | null;
  /** how often a checkpoint is signed (CHECKPOINT_INTERVAL: seconds, or 30s / 5m / 1h; default 5m; 0 = on demand only) */
  intervalMs: number;
}

/** A PEM setting: the PEM text itself (\n escapes allowed), or the path of a file that holds it. */
function pemFrom(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  if (raw.includes('-----BEGIN')) return raw.replace(/\\n/g, '\n');
  try {
    return readFileSync(raw, 'utf8');
  } catch {
    throw new ConfigError(`${name} is neither PEM text nor a readable file ("${raw}")`);
  }
}

function durationMsFrom(env: NodeJS.ProcessEnv, name: string, fallbackMs: number): number {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallbackMs;
  const match = /^(\d+)(s|m|h)?$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be a number of seconds or like 30s, 5m, 1h, not "${raw}"`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

function checkpointsFrom(env: NodeJS.ProcessEnv): CheckpointConfig {
  const signingKey = pemFrom(env, 'CHECKPOINT_SIGNING_KEY');
  const dir = env.CHECKPOINT_DIR?.trim() || null;
  if (signingKey && !dir) throw new ConfigError('CHECKPOINT_SIGNING_KEY needs CHECKPOINT_DIR (a directory, or - for stdout)');
  if (dir && !signingKey && env.NODE_ENV === 'production') throw new ConfigError('CHECKPOINT_DIR needs CHECKPOINT_SIGNING_KEY (an Ed25519 private key, PEM)');
  return { signingKey, verifyKeys: pemFrom(env, 'CHECKPOINT_VERIFY_KEYS') ?? '', dir, intervalMs: durationMsFrom(env, 'CHECKPOINT_INTERVAL', 300_000) };
}

/** SPEC §8: the objection deadline and the working-day calendar it is counted on (Asia/Shanghai dates). */
export interface SubjectRightsConfig {
  /** R2: working days a source department has to resolve an objection (OBJECTION_WORKING_DAYS, default 5) */
  objectionWorkingDays: number;
  /** public holidays, 'YYYY-MM-DD' (HOLIDAYS, comma-separated) */
  holidays: string[];
  /** make-up working days (调休) on a weekend, 'YYYY-MM-DD' (EXTRA_WORKDAYS, comma-separated) */
  extraWorkdays: string[];
}

export const DEFAULT_SUBJECT_RIGHTS: SubjectRightsConfig = { objectionWorkingDays: 5, holidays: [], extraWorkdays: [] };

export interface JwtConfig {
  /** HS256 key (UTF-8 bytes of JWT_SECRET) */
  secret: string | null;
  /** RS256/ES256 public key (PEM) */
  publicKey: string | null;
  issuer: string | null;
  audience: string | null;
  /** true when the secret was generated at start (development only): demo tokens are printed */
  generated: boolean;
}

export interface LimitsConfig {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** MAX_QUERY_TOKENS: lexical tokens a document may hold, and comments apart, checked while parsing; absent = the default, 0 = off */
  maxTokens?: number;
  /** MAX_QUERY_DIRECTIVES: directives an operation may use (a fragment's count as often as it is spread); absent = the default, 0 = off */
  maxDirectives?: number;
  /** requests per second per viewer; 0 = off */
  ratePerSecond: number;
  /** RATE_LIMIT_STORE: memory (per process; the default for one) or postgres (shared by every process; the default for several) */
  store?: 'memory' | 'postgres';
  rateBurst: number;
}

/** SPEC §11: the document limits' defaults, also for a LimitsConfig built by hand without them (tests, benchmarks) */
export const DEFAULT_MAX_TOKENS = 5_000;
export const DEFAULT_MAX_DIRECTIVES = 50;

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return value;
}

function datesFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((d) => d.trim()).filter(Boolean);
}

function subjectRightsFrom(env: NodeJS.ProcessEnv): SubjectRightsConfig {
  const objectionWorkingDays = intFrom(env, 'OBJECTION_WORKING_DAYS', DEFAULT_SUBJECT_RIGHTS.objectionWorkingDays);
  // the overdue bound searches back at most a year (policies/working-days.ts): refuse at start, not per request
  if (objectionWorkingDays < 1 || objectionWorkingDays > 60) throw new ConfigError('OBJECTION_WORKING_DAYS must be between 1 and 60');
  const holidays = datesFrom(env, 'HOLIDAYS');
  const extraWorkdays = datesFrom(env, 'EXTRA_WORKDAYS');
  try {
    workingCalendar(holidays, extraWorkdays);
  } catch (error) {
    throw new ConfigError(`HOLIDAYS / EXTRA_WORKDAYS: ${(error as Error).message}`);
  }
  return { objectionWorkingDays, holidays, extraWorkdays };
}

function graphqlIdeFrom(env: NodeJS.ProcessEnv, production: boolean): boolean {
  const raw = env.GRAPHQL_IDE;
  if (raw === undefined || raw === '') return !production;
  if (raw === '1' || raw === '0') return raw === '1';
  throw new ConfigError(`GRAPHQL_IDE must be 1 or 0, not "${raw}"`);
}

/**
 * CORS_ORIGINS: exact origins (scheme://host[:port]) as a browser sends them in `Origin`. Anything the browser
 * would never send — a path or trailing slash, upper case, a default port, `*` — is refused at start rather than
 * silently never matching.
 */
function corsOriginsFrom(env: NodeJS.ProcessEnv): string[] {
  const origins = (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new ConfigError(`CORS_ORIGINS: "${origin}" is not an http(s) origin such as https://portal.example.gov.cn`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS: "${origin}" is not an exact origin (scheme://host[:port], no path); did you mean "${parsed.origin}"?`);
    }
  }
  return [...new Set(origins)];
}

/** SITE_API_URL: an http(s) URL of a gateway's /graphql; unset = null. */
function siteApiUrlFrom(env: NodeJS.ProcessEnv): string | null {
  const raw = env.SITE_API_URL?.trim();
  if (!raw) return null;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`SITE_API_URL: "${raw}" is not an http(s) URL such as https://credit-api.example.gov.cn/graphql`);
  }
  return parsed.toString();
}

// ---- §11 scale-out: several gateway processes of one start (src/cluster.ts) ---------------------------------------

/** GATEWAY_PROCESSES: 1 (the default: this process serves), a number of worker processes, or auto (one per CPU). */
function processesFrom(env: NodeJS.ProcessEnv): number {
  const raw = (env.GATEWAY_PROCESSES ?? '').trim();
  if (raw === '') return 1;
  if (raw === 'auto') return availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 256) throw new ConfigError(`GATEWAY_PROCESSES must be a number from 1 to 256, or auto, not "${raw}"`);
  return Number(raw);
}

/**
 * What several processes need, refused at start rather than found out in production: one database all of them can
 * open (PGlite is embedded in one process), and rate limits that hold for the whole — per-process buckets would
 * admit each viewer N times its limit.
 */
function checkScaleOut(env: NodeJS.ProcessEnv, config: Pick<Config, 'processes' | 'databaseUrl' | 'limits'>): void {
  if (config.processes <= 1) return;
  const raw = (env.GATEWAY_PROCESSES ?? '').trim();
  const setting = raw === 'auto' ? `GATEWAY_PROCESSES=auto (${config.processes} CPUs)` : `GATEWAY_PROCESSES=${raw}`;
  if (!config.databaseUrl) {
    throw new ConfigError(`${setting} needs PostgreSQL (DATABASE_URL): the embedded PGlite database can be opened by one process only`);
  }
  if (config.limits.store === 'memory' && config.limits.ratePerSecond > 0) {
    throw new ConfigError(`${setting} with RATE_LIMIT_STORE=memory would admit each viewer ${config.processes} times its rate limit: use RATE_LIMIT_STORE=postgres (the default with several processes)`);
  }
}

// ---- §11 read replica (src/db/replica.ts, README "Read replica") --------------------------------------------------

export interface ReplicaConfig {
  /** DATABASE_REPLICA_URL: a PostgreSQL streaming standby of DATABASE_URL */
  url: string;
  /** REPLICA_MAX_LAG_MS (default 1000): the replica serves only while at most this far behind the primary */
  maxLagMs: number;
}

export const DEFAULT_REPLICA_MAX_LAG_MS = 1_000;

/** DATABASE_REPLICA_URL and REPLICA_MAX_LAG_MS; a replica needs PostgreSQL as the primary. */
function replicaFrom(env: NodeJS.ProcessEnv, databaseUrl: string | undefined): ReplicaConfig | null {
  const raw = env.DATABASE_REPLICA_URL?.trim();
  const maxLagMs = intFrom(env, 'REPLICA_MAX_LAG_MS', DEFAULT_REPLICA_MAX_LAG_MS);
  if (!raw) return null;
  if (!databaseUrl) {
    throw new ConfigError('DATABASE_REPLICA_URL needs DATABASE_URL: a read replica is a standby of a PostgreSQL primary, and the embedded PGlite database has none');
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) {
    throw new ConfigError('DATABASE_REPLICA_URL must be a postgres:// URL such as postgres://gateway@replica:5432/credit');
  }
  if (maxLagMs < 10) throw new ConfigError('REPLICA_MAX_LAG_MS must be at least 10 (milliseconds)');
  return { url: raw, maxLagMs };
}

/** `npm run site`: the website alone, in a process of its own, reading the API at SITE_API_URL (WEB2). */
export interface SiteProcessConfig {
  port: number;
  host: string;
  apiUrl: string;
  trustProxy: boolean;
  logLevel: LogLevel;
  requestTimeoutMs: number;
  shutdownGraceMs: number;
}

export function loadSiteProcessConfig(env: NodeJS.ProcessEnv = process.env): SiteProcessConfig {
  return {
    port: intFrom(env, 'PORT', 4000),
    host: env.HOST?.trim() || '127.0.0.1',
    apiUrl: siteApiUrlFrom(env) ?? 'http://127.0.0.1:4000/graphql',
    trustProxy: flagFrom(env, 'TRUST_PROXY', false),
    logLevel: logLevelFrom(env),
    requestTimeoutMs: intFrom(env, 'REQUEST_TIMEOUT_MS', 10_000),
    shutdownGraceMs: intFrom(env, 'SHUTDOWN_GRACE_MS', 10_000),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const databaseUrl = env.DATABASE_URL || undefined;
  const secret = env.JWT_SECRET || null;
  const publicKey = env.JWT_PUBLIC_KEY ? env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') : null;
  if (secret && publicKey) throw new ConfigError('Set JWT_SECRET or JWT_PUBLIC_KEY, not both');
  if (!secret && !publicKey && production) {
    throw new ConfigError('NODE_ENV=production requires JWT_SECRET or JWT_PUBLIC_KEY');
  }
  const generated = !secret && !publicKey;
  const processes = processesFrom(env);
  const config: Config = {
    port: intFrom(env, 'PORT', 4000),
    production,
    databaseUrl,
    pgliteDir: env.PGLITE_DIR || './.data',
    seedDemo: env.SEED_DEMO !== undefined && env.SEED_DEMO !== '' ? env.SEED_DEMO === '1' : !databaseUrl,
    jwt: {
      secret: generated ? randomBytes(32).toString('base64url') : secret,
      publicKey,
      issuer: env.JWT_ISSUER || null,
      audience: env.JWT_AUDIENCE || null,
      generated,
    },
    limits: {
      maxDepth: intFrom(env, 'MAX_QUERY_DEPTH', 10),
      maxAliases: intFrom(env, 'MAX_QUERY_ALIASES', 30),
      maxCost: intFrom(env, 'MAX_QUERY_COST', 1_000_000),
      maxTokens: intFrom(env, 'MAX_QUERY_TOKENS', DEFAULT_MAX_TOKENS),
      maxDirectives: intFrom(env, 'MAX_QUERY_DIRECTIVES', DEFAULT_MAX_DIRECTIVES),
      ratePerSecond: intFrom(env, 'RATE_LIMIT_PER_SECOND', 20),
      rateBurst: intFrom(env, 'RATE_LIMIT_BURST', 100),
      store: rateLimitStoreFrom(env, processes),
    },
    subjectRights: subjectRightsFrom(env),
    cursorSecret: env.CURSOR_SECRET || null,
    graphqlIde: graphqlIdeFrom(env, production),
    corsOrigins: corsOriginsFrom(env),
    host: env.HOST?.trim() || '127.0.0.1',
    logLevel: logLevelFrom(env),
    shutdownGraceMs: intFrom(env, 'SHUTDOWN_GRACE_MS', 10_000),
    metricsPort: intFrom(env, 'METRICS_PORT', 0),
    metricsToken: metricsTokenFrom(env),
    poolSize: Math.max(1, intFrom(env, 'DATABASE_POOL_SIZE', 10)),
    requestTimeoutMs: intFrom(env, 'REQUEST_TIMEOUT_MS', 10_000),
    maxBodyBytes: Math.max(1024, intFrom(env, 'MAX_BODY_BYTES', 1_048_576)),
    trustedDocuments: trustedDocumentsFrom(env, production),
    trustProxy: flagFrom(env, 'TRUST_PROXY', false),
    migrateOnStart: flagFrom(env, 'MIGRATE_ON_START', true),
    checkpoints: checkpointsFrom(env),
    keepAliveTimeoutMs: Math.max(1000, intFrom(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000)),
    site: flagFrom(env, 'SITE', true),
    compiledExecution: compiledExecutionFrom(env),
    v8Pretenuring: pretenuringFrom(env),
    accessLogFolds: accessLogFoldsFrom(env),
    exchangeSigningKey: pemFrom(env, 'EXCHANGE_SIGNING_KEY'),
    siteApiUrl: siteApiUrlFrom(env),
    trustedDocumentsFile: env.TRUSTED_DOCUMENTS_FILE?.trim() || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema/trusted-documents.json'),
    processes,
    replica: replicaFrom(env, databaseUrl),
  };
  checkScaleOut(env, config);
  return config;
}
