import type { GatewayChild } from './gateway-child.js';

/**
 * Helpers of the database-fault suites (test/integration/db-faults*.test.ts, issue 15): a client that keeps the
 * request id and the time each answer took, readiness probes, a load of concurrent requests that records every
 * exchange while the database under the gateway is cut, stopped or exhausted, and what judges those exchanges.
 */

export interface Answer {
  status: number;
  /** the `x-request-id` response header: the request id its access events carry */
  requestId: string | null;
  /** milliseconds from sending to the whole body received */
  ms: number;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export async function post(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, requestId: response.headers.get('x-request-id'), ms: performance.now() - started, body };
}

export const isAlive = (child: GatewayChild) => child.process.exitCode === null && child.process.signalCode === null;
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET /readyz of the gateway whose /graphql URL is given (O3). */
export async function readiness(graphqlUrl: string): Promise<{ status: number; ms: number; body: { status: string; checks: Record<string, boolean> } }> {
  const started = performance.now();
  const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/readyz'));
  return { status: response.status, body: (await response.json()) as never, ms: performance.now() - started };
}

/** Polls `probe` every `everyMs` until it returns true; the milliseconds it took, or null after `withinMs`. */
export async function waitUntil(probe: () => Promise<boolean>, withinMs: number, everyMs = 100): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await probe().catch(() => false)) return performance.now() - started;
    await pause(everyMs);
  }
  return null;
}

/** Texts of SQL, of the driver or of the server that a masked error must never carry. */
export const LEAK = /select |insert |update |access_events|terminat|ECONNREFUSED|connection|shut ?down|postgres|stack/i;

/**
 * Whether a database fault may be answered with this error at this HTTP status (docs/contract.md's error table, O5,
 * H2): INTERNAL_SERVER_ERROR masked (200 inside the executed operation, 500 before it), DEADLINE_EXCEEDED (503 at the
 * gateway's deadline, 200 when PostgreSQL's statement_timeout struck first), AUDIT_UNAVAILABLE (503).
 */
export function allowedError(status: number, error: NonNullable<Answer['body']['errors']>[number]): boolean {
  const code = error.extensions?.code;
  const deadline = code === 'INTERNAL_SERVER_ERROR' && error.extensions?.reason === 'DEADLINE_EXCEEDED';
  const masked = code === 'INTERNAL_SERVER_ERROR' && error.message === 'Internal server error.';
  if (status === 200) return masked || deadline; // raised inside the executed operation
  if (status === 500) return masked; // before execution (the token's organisation could not be read)
  if (status === 503) return code === 'AUDIT_UNAVAILABLE' || deadline;
  return false;
}

/** Subject codes and record ids an answer carries, by the GraphQL type of the object that carries them. */
export function shownIn(data: unknown, shown = { subjects: new Set<string>(), records: new Set<string>() }) {
  if (Array.isArray(data)) for (const item of data) shownIn(item, shown);
  else if (data && typeof data === 'object') {
    const object = data as Record<string, unknown>;
    if (object.__typename === 'Subject') shown.subjects.add(String(object.code));
    if (object.__typename === 'CreditRecord') shown.records.add(String(object.id));
    for (const value of Object.values(object)) shownIn(value, shown);
  }
  return shown;
}

/** One request of a load and what came back: an answer, or the reason none came (the process died, a reset). */
export interface Exchange {
  scenario: string;
  variables: Record<string, unknown>;
  answer: Answer | null;
  failure: string | null;
}

/** Sends one request of the load; resolves to its answer (null when none came), recorded either way. */
export type Send = (scenario: string, query: string, variables: Record<string, unknown>, token?: string) => Promise<Answer | null>;

export interface Load {
  /** exchanges so far */
  readonly exchanges: Exchange[];
  /** stops every worker after its current request; all exchanges of the load */
  stop(): Promise<Exchange[]>;
}

/**
 * Runs each worker in a loop (a worker is one step of a scenario: one lookup, or a filing and its withdrawal)
 * until stopped, `gapMs` apart, so that a database that refuses instantly does not turn the load into a flood.
 */
export function startLoad(url: string, workers: ((send: Send) => Promise<void>)[], gapMs = 20): Load {
  const exchanges: Exchange[] = [];
  let running = true;
  const send: Send = async (scenario, query, variables, token) => {
    try {
      const answer = await post(url, query, variables, token);
      exchanges.push({ scenario, variables, answer, failure: null });
      return answer;
    } catch (error) {
      exchanges.push({ scenario, variables, answer: null, failure: String((error as Error).cause ?? error) });
      return null;
    }
  };
  const loops = workers.map(async (worker) => {
    while (running) {
      await worker(send);
      await pause(gapMs);
    }
  });
  return {
    exchanges,
    async stop() {
      running = false;
      await Promise.all(loops);
      return exchanges;
    },
  };
}
