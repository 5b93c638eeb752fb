import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getDistDirectory, isSandboxFrame, renderAltair, type RenderOptions } from 'altair-static';

/**
 * SPEC O6: a browser opening /graphql gets Altair, served with every asset from this process (nothing from a
 * CDN, so it works on a network without internet). The page lives at /graphql; its assets under IDE_BASE.
 */
export const IDE_BASE = '/graphql/ide/';

const DIST = path.resolve(getDistDirectory());
const NONCE_PLACEHOLDER = 'cqg-csp-nonce';

/**
 * Altair options. Everything that would call another host is off: no account / cloud sync
 * (api.altairgraphql.dev, disableAccount), no plugins (fetched from cdn.jsdelivr.net; persistedSettings win over
 * whatever a user saved), no update alerts or banners. Pre/post-request scripts run in Altair's sandbox frame,
 * which it loads from IDE_BASE/iframe-sandbox/ when that is served (it is) instead of sandbox.altairgraphql.dev.
 * The CSP sent with the page (`connect-src 'self'` …) makes the browser refuse any other host all the same.
 */
const ALTAIR_OPTIONS: RenderOptions = {
  baseURL: IDE_BASE,
  endpointURL: '/graphql',
  initialName: 'Credit gateway',
  initialQuery: '# Paste a token in the Auth tab (Bearer token), then Send Request. Without one you ask as the public.\n{\n  me {\n    role\n  }\n}\n',
  // Bearer preset in Altair's Auth pane: an empty token sends no Authorization header at all (a bare
  // "Bearer " header, as initialHeaders would send, is a malformed header and answers 401 — SPEC §10.2)
  initialAuthorization: { type: 'bearer', data: { token: '' } },
  disableAccount: true,
  instanceStorageNamespace: 'credit_gateway_',
  initialSettings: { 'schema.reloadOnStart': true },
  persistedSettings: {
    'plugin.list': [],
    'alert.disableUpdateNotification': true,
    'banners.disable': true,
    disablePushNotification: true,
  },
  cspNonce: NONCE_PLACEHOLDER,
};

function pageSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // the editor and some widgets add <style> elements without Altair's nonce; styles cannot reach another host
    // here (img-src and font-src are 'self'), so inline styles are allowed while scripts need the nonce
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "script-src-attr 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

const SANDBOX_FRAME_POLICY = [
  "default-src 'self'",
  // evaluating the user's scripts is what the frame is for
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

let pageTemplate: string | undefined;

function sendPage(res: ServerResponse, method: string): void {
  pageTemplate ??= renderAltair(ALTAIR_OPTIONS);
  const nonce = randomBytes(16).toString('base64');
  const html = pageTemplate.replaceAll(NONCE_PLACEHOLDER, nonce);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
    'cache-control': 'no-store',
    'content-security-policy': pageSecurityPolicy(nonce),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    vary: 'Accept',
  });
  res.end(method === 'HEAD' ? undefined : html);
}

/** The q-value an Accept header gives a media type: that of the most specific matching range (RFC 9110 §12.5.1). */
function quality(accept: string, type: string): number {
  const major = type.split('/')[0];
  let best = { rank: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.toLowerCase().split(';').map((p) => p.trim());
    const rank = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (rank <= best.rank) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    best = { rank, q: Number.isFinite(value) ? value : 0 };
  }
  return best.q;
}

/** A browser navigating: it names text/html and prefers it to JSON (curl and fetch send a bare *\/*). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = quality(accept, 'text/html');
  return html > 0 && html > Math.max(quality(accept, 'application/json'), quality(accept, 'application/graphql-response+json'));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** Chunks whose names carry a content hash (chunk-2OVBIND4.js, iframe-sandbox/assets/index-DHqKSLXH.js). */
const HASHED = /(?:^|\/)(?:chunk|worker|index)-[A-Za-z0-9_]{8}\.(?:js|css)$/;

/** The file under the Altair build a request path names, or null: no `..`, `.`, empty, NUL or backslash segment. */
export function resolveAsset(pathname: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(IDE_BASE.length));
  } catch {
    return null;
  }
  if (/[\0\\]/.test(relative)) return null;
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  const file = path.resolve(DIST, ...segments);
  return file.startsWith(DIST + path.sep) ? file : null;
}

async function sendAsset(req: IncomingMessage, res: ServerResponse, file: string): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return false;
  const relative = path.relative(DIST, file).split(path.sep).join('/');
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': HASHED.test(relative) ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
  };
  // The frame that runs pre/post-request scripts. Altair's SANDBOX_FRAME_CSP (`sandbox allow-scripts`) would give
  // it an opaque origin, and Altair 8 then drops its answers (it checks the sender's origin against ours): the
  // scripts would hang. It keeps our origin and gets a policy of its own that reaches no other host.
  if (isSandboxFrame(relative)) headers['content-security-policy'] = SANDBOX_FRAME_POLICY;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, 'content-length': String(info.size) });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  // a browser that goes away mid-file is not a server fault: the response is simply dropped
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
  return true;
}

/**
 * Serves the IDE when it is on: the page for a browser's GET /graphql without a query, and its assets under
 * IDE_BASE. False when the request is not the IDE's (it then goes on to GraphQL, or to a 404), so with the IDE
 * off a browser's GET without a query gets Apollo's usual 400.
 */
export async function serveIde(req: IncomingMessage, res: ServerResponse, url: URL, enabled: boolean): Promise<boolean> {
  if (!enabled || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  if (url.pathname === '/graphql') {
    const operation = url.searchParams.has('query') || url.searchParams.has('extensions');
    if (operation || !prefersHtml(req.headers.accept)) return false;
    sendPage(res, req.method);
    return true;
  }
  if (!url.pathname.startsWith(IDE_BASE)) return false;
  const file = resolveAsset(url.pathname);
  if (!file) return false;
  // Altair's own index.html has no start-up script and a base of "/": answer the rendered page instead
  if (file === path.join(DIST, 'index.html')) {
    sendPage(res, req.method);
    return true;
  }
  return sendAsset(req, res, file);
}
