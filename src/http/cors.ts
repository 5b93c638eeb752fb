import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

/**
 * SPEC O6: browsers on the origins in CORS_ORIGINS may call /graphql. Exact origins only (always passed to `cors`
 * as a list, so a disallowed origin gets no Access-Control-Allow-Origin); GET and POST with content-type and
 * authorization; no credentials — tokens travel in the Authorization header, never in cookies. With no origins
 * configured nothing is added at all (and an OPTIONS stays a 405).
 */
const PREFLIGHT_CACHE_SECONDS = 600;

const middlewares = new WeakMap<readonly string[], ReturnType<typeof cors>>();

function middlewareFor(origins: readonly string[]): ReturnType<typeof cors> {
  let middleware = middlewares.get(origins);
  if (!middleware) {
    middleware = cors({
      origin: [...origins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'authorization'],
      // a browser client may read these: the id to quote in a support request, and when to retry after a 429
      exposedHeaders: ['x-request-id', 'retry-after'],
      credentials: false,
      maxAge: PREFLIGHT_CACHE_SECONDS,
      optionsSuccessStatus: 204,
    });
    middlewares.set(origins, middleware);
  }
  return middleware;
}

/**
 * Adds the CORS headers to the response for an allowed origin. Returns true when the request has been answered
 * here: a preflight (OPTIONS) is ended by `cors` itself with 204 and never reaches GraphQL.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): Promise<boolean> {
  if (origins.length === 0) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    res.once('finish', () => resolve(true));
    middlewareFor(origins)(req, res, (error?: unknown) => (error ? reject(error) : resolve(false)));
    if (res.writableEnded) resolve(true);
  });
}
