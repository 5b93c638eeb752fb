import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Logger } from '../logging.js';
import type {
  ApiFailure, ApiResult, HomeNoticesData, ListPageData, SearchSubjectsData, SiteApi, SiteOperation, SubjectPageData, SubjectRecordsData,
} from './api.js';
import { hideIdentityNumbers } from './format.js';
import { groupBySlug, listBySlug } from './groups.js';
import { BAD_PAGE, ErrorPage, NOT_FOUND, RATE_LIMITED, SUBJECT_NOT_FOUND, UNAVAILABLE, type ErrorView } from './pages/error.js';
import { HomePage } from './pages/home.js';
import { ListPage } from './pages/list.js';
import { SearchPromptPage, SearchRefusedPage, SearchResultsPage, type SearchView } from './pages/search.js';
import { SubjectGroupPage, SubjectPage } from './pages/subject.js';

/**
 * The public credit website (信用网站, SPEC §14), server-rendered: `/`, `/search`, `/subjects/:code`, `/lists/:slug`
 * and its stylesheet at `/assets/site.css`; anything else is a 404 page. Each page is at most one call of the public
 * API (./api.ts) — whose answer it renders and nothing else — so what a page shows is exactly what the gateway
 * disclosed to the public and logged (WEB2, L1). No JavaScript, no other host (WEB3).
 */
export interface Site {
  handle(req: IncomingMessage, res: ServerResponse, url: URL, visitorAddress: string): Promise<void>;
}

export interface SiteOptions {
  api: SiteApi;
  logger: Logger;
  /** O4: true once shutdown began (responses then close their connections) */
  draining?: () => boolean;
}

/**
 * Default page sizes: 20 a list page (and a group of a subject's records); 5 a section — of a subject page (six
 * sections of full records stay under 60 KB even with long texts) and of the home page's latest decisions.
 */
export const PAGE_SIZE = 20;
export const SECTION_SIZE = 5;
export const MIN_QUERY_LENGTH = 2;
export const MAX_QUERY_LENGTH = 100;

const here = path.dirname(fileURLToPath(import.meta.url));

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // every view goes through the API and its access log (L1): nothing may be served from a cache
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // an address may hold what a visitor typed (an identity number): it is not sent on, not even to this host
  'referrer-policy': 'no-referrer',
};

interface Page {
  status: number;
  body: VNode;
  requestId: string | null;
  headers?: Record<string, string>;
}

export function createSite(options: SiteOptions): Site {
  const { api, logger } = options;
  const css = readFileSync(path.join(here, 'site.css'));
  const cssVersion = createHash('sha256').update(css).digest('hex').slice(0, 16);
  const stylesheet = `/assets/site.css?v=${cssVersion}`;

  const errorPage = (view: Omit<ErrorView, 'requestId'>, requestId: string | null, headers?: Record<string, string>): Page => ({
    status: view.status, body: <ErrorPage view={{ ...view, requestId }} stylesheet={stylesheet} />, requestId, headers,
  });

  /** What a refused or failed API call becomes; `notFound` is the page for a code the API refuses (I3: INVALID_CODE). */
  function failurePage(failure: ApiFailure, requestId: string | null, page: string, notFound = NOT_FOUND): Page {
    if (failure.kind === 'rate-limited') return errorPage(RATE_LIMITED, requestId, { 'retry-after': String(failure.retryAfterSeconds) });
    if (failure.kind === 'bad-input') {
      if (failure.reason === 'INVALID_CURSOR') return errorPage(BAD_PAGE, requestId);
      if (['INVALID_CODE', 'KIND_MISMATCH', 'INVALID_CHARACTER'].includes(failure.reason)) return errorPage(notFound, requestId);
      logger.warn('page: the API refused an argument', { requestId, page, reason: failure.reason });
      return errorPage(BAD_PAGE, requestId);
    }
    logger.error('page: the API did not answer', { requestId, page, detail: failure.detail });
    return errorPage(UNAVAILABLE, requestId);
  }

  const call = <T,>(operation: SiteOperation, variables: Record<string, unknown>, visitor: string): Promise<ApiResult<T>> =>
    api.run<T>(operation, variables, visitor);

  async function home(visitor: string): Promise<Page> {
    const result = await call<HomeNoticesData>('HomeNotices', { first: SECTION_SIZE }, visitor);
    if (!result.ok) return failurePage(result.failure, result.requestId, 'home');
    return { status: 200, body: <HomePage data={result.data} stylesheet={stylesheet} />, requestId: result.requestId };
  }

  async function search(params: URLSearchParams, visitor: string): Promise<Page> {
    const query = (params.get('q') ?? '').trim();
    if (query === '') return { status: 200, body: <SearchPromptPage stylesheet={stylesheet} />, requestId: null };
    const masked = hideIdentityNumbers(query);
    const after = params.get('after') || null;
    const view: SearchView = { shown: masked.text, hidden: masked.hidden, query, paged: after !== null };
    const refused = (message: string): Page => ({ status: 400, body: <SearchRefusedPage view={view} message={message} stylesheet={stylesheet} />, requestId: null });
    const length = [...query].length;
    // P4: at least 2 characters — answered here with HTTP 400, without asking the API (which would refuse it too)
    if (length < MIN_QUERY_LENGTH) return refused(`查询内容过短：请至少输入 ${MIN_QUERY_LENGTH} 个字。`);
    if (length > MAX_QUERY_LENGTH) return refused(`查询内容过长：请不超过 ${MAX_QUERY_LENGTH} 个字。`);
    // §10.4: NUL and other control characters would be refused by the API (INVALID_CHARACTER): said here in words
    if (/[\u0000-\u001f\u007f]/.test(query)) {
      return { status: 400, body: <SearchRefusedPage view={{ ...view, hidden: true }} message="查询内容含有无法识别的字符，请重新输入。" stylesheet={stylesheet} />, requestId: null };
    }
    const result = await call<SearchSubjectsData>('SearchSubjects', { query, first: PAGE_SIZE, after }, visitor);
    if (!result.ok) {
      if (result.failure.kind === 'bad-input' && result.failure.reason === 'QUERY_TOO_SHORT') {
        return { ...refused(`查询内容过短：请至少输入 ${MIN_QUERY_LENGTH} 个字。`), requestId: result.requestId };
      }
      return failurePage(result.failure, result.requestId, 'search');
    }
    return { status: 200, body: <SearchResultsPage view={view} data={result.data} stylesheet={stylesheet} />, requestId: result.requestId };
  }

  async function subject(rawCode: string, params: URLSearchParams, visitor: string): Promise<Page> {
    let code: string;
    try {
      code = decodeURIComponent(rawCode).trim();
    } catch {
      return errorPage(SUBJECT_NOT_FOUND, null);
    }
    if (code === '' || code.length > 64) return errorPage(SUBJECT_NOT_FOUND, null);
    const groupSlug = params.get('group');
    if (groupSlug === null) {
      const result = await call<SubjectPageData>('SubjectPage', { code, first: SECTION_SIZE }, visitor);
      if (!result.ok) return failurePage(result.failure, result.requestId, 'subject', SUBJECT_NOT_FOUND);
      // P0, P3: a code the public cannot see answers null — the same page as a code nobody has
      if (!result.data.subject) return errorPage(SUBJECT_NOT_FOUND, result.requestId);
      return { status: 200, body: <SubjectPage subject={result.data.subject} stylesheet={stylesheet} />, requestId: result.requestId };
    }
    const group = groupBySlug(groupSlug);
    if (!group) return errorPage(NOT_FOUND, null);
    const after = params.get('after') || null;
    const result = await call<SubjectRecordsData>('SubjectRecords', { code, types: group.types, first: PAGE_SIZE, after }, visitor);
    if (!result.ok) return failurePage(result.failure, result.requestId, 'subject-group', SUBJECT_NOT_FOUND);
    if (!result.data.subject) return errorPage(SUBJECT_NOT_FOUND, result.requestId);
    return {
      status: 200,
      body: <SubjectGroupPage subject={result.data.subject} group={group} paged={after !== null} stylesheet={stylesheet} />,
      requestId: result.requestId,
    };
  }

  async function list(slug: string, params: URLSearchParams, visitor: string): Promise<Page> {
    const definition = listBySlug(slug);
    if (!definition) return errorPage(NOT_FOUND, null);
    const after = params.get('after') || null;
    const result = await call<ListPageData>('ListPage', { types: definition.types, first: PAGE_SIZE, after }, visitor);
    if (!result.ok) return failurePage(result.failure, result.requestId, 'list');
    return { status: 200, body: <ListPage list={definition} data={result.data} paged={after !== null} stylesheet={stylesheet} />, requestId: result.requestId };
  }

  /** The page for a path (and the name it is logged under: never the path, which may hold an identity number). */
  function route(url: URL, visitor: string): { name: string; page: () => Promise<Page> } {
    const { pathname, searchParams } = url;
    if (pathname === '/') return { name: 'home', page: () => home(visitor) };
    if (pathname === '/search') return { name: 'search', page: () => search(searchParams, visitor) };
    const subjectMatch = /^\/subjects\/([^/]+)$/.exec(pathname);
    if (subjectMatch) return { name: 'subject', page: () => subject(subjectMatch[1], searchParams, visitor) };
    const listMatch = /^\/lists\/([^/]+)$/.exec(pathname);
    if (listMatch) return { name: 'list', page: () => list(listMatch[1], searchParams, visitor) };
    return { name: 'not-found', page: async () => errorPage(NOT_FOUND, null) };
  }

  function serveStylesheet(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const current = url.searchParams.get('v') === cssVersion;
    res.writeHead(200, {
      'content-type': 'text/css; charset=utf-8',
      // the URL names the content: a new stylesheet has a new URL, so the old one may be kept for a year
      'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag: `"${cssVersion}"`,
      'x-content-type-options': 'nosniff',
      'content-length': String(css.length),
    });
    res.end(req.method === 'HEAD' ? undefined : css);
  }

  function send(req: IncomingMessage, res: ServerResponse, page: Page, body: Buffer, requestId: string): void {
    res.writeHead(page.status, {
      ...HTML_HEADERS,
      ...page.headers,
      'x-request-id': requestId,
      'content-length': String(body.length),
      ...(options.draining?.() ? { connection: 'close' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return {
    async handle(req, res, url, visitorAddress) {
      const started = performance.now();
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('405 请使用 GET 访问本网站。\n');
        return;
      }
      if (url.pathname === '/assets/site.css') return serveStylesheet(req, res, url);
      const { name, page: render } = route(url, visitorAddress);
      let page: Page | null = null;
      let body: Buffer;
      try {
        page = await render();
        body = Buffer.from(`<!doctype html>${renderToString(page.body)}`, 'utf8');
      } catch (error) {
        logger.error('page failed', { requestId: page?.requestId ?? undefined, page: name, error });
        page = errorPage(UNAVAILABLE, page?.requestId ?? null);
        body = Buffer.from(`<!doctype html>${renderToString(page.body)}`, 'utf8');
      }
      // the API request's id names the page in both logs (and its access events); a page without one gets its own
      const requestId = page.requestId ?? randomUUID();
      send(req, res, page, body, requestId);
      // O1: one line per page, like the API's: never the path or the query (they may hold a code or an identity number)
      logger.info('page', { requestId, page: name, status: page.status, durationMs: Math.round((performance.now() - started) * 10) / 10 });
    },
  };
}
