import { readSiteDocumentIds } from './manifest.js';

/**
 * WEB2: the website reads only through the public GraphQL API, as trusted documents sent by hash (H1): a POST of
 * `{operationName, variables, extensions: {persistedQuery: {version: 1, sha256Hash}}}` with no query text and no
 * token, so the gateway applies to it exactly the rules it applies to any member of the public — disclosure, limits,
 * rate limits (keyed on the visitor's address, sent as X-Forwarded-For) and the access log.
 */
export const SITE_OPERATIONS = ['HomeNotices', 'ListPage', 'SearchSubjects', 'SubjectPage', 'SubjectRecords'] as const;
export type SiteOperation = (typeof SITE_OPERATIONS)[number];

export interface SiteApiOptions {
  /** the API's /graphql URL; a function, because the in-process site learns its gateway's port only at listen */
  url: () => string | null;
  /**
   * The in-process site's key (a random value of the process, never configured): the gateway keys the public rate
   * limit on this request's X-Forwarded-For only when it carries the key and comes over loopback. Null for an API
   * elsewhere (SITE_API_URL), which trusts X-Forwarded-For under TRUST_PROXY=1.
   */
  siteKey: string | null;
  /** how long one API call may take before the page answers 503 */
  timeoutMs: number;
  /** operation name → SHA-256 (default: the shipped schema/trusted-documents.json) */
  documentIds?: ReadonlyMap<string, string>;
}

export type ApiFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  /** the API refused an argument (BAD_USER_INPUT): the reason, e.g. INVALID_CODE, INVALID_CURSOR, QUERY_TOO_SHORT */
  | { kind: 'bad-input'; reason: string }
  /** anything else: unreachable, refused, an internal error — for the log only, never for the page */
  | { kind: 'unavailable'; detail: string };

export type ApiResult<T> =
  | { ok: true; data: T; requestId: string | null }
  | { ok: false; failure: ApiFailure; requestId: string | null };

interface GraphQLBody {
  data?: unknown;
  errors?: { extensions?: { code?: unknown; reason?: unknown; retryAfterSeconds?: unknown } }[];
}

export interface SiteApi {
  /** the SHA-256 ids of the website's documents (the gateway checks its allow-list holds them) */
  readonly documentIds: readonly string[];
  run<T>(operation: SiteOperation, variables: Record<string, unknown>, visitorAddress: string): Promise<ApiResult<T>>;
}

export function createSiteApi(options: SiteApiOptions): SiteApi {
  const ids = options.documentIds ?? readSiteDocumentIds();
  const missing = SITE_OPERATIONS.filter((name) => !ids.has(name));
  if (missing.length) throw new Error(`the website's trusted documents are missing from the manifest: ${missing.join(', ')} (npm run docs:trusted)`);

  return {
    documentIds: SITE_OPERATIONS.map((name) => ids.get(name)!),
    async run<T>(operation: SiteOperation, variables: Record<string, unknown>, visitorAddress: string): Promise<ApiResult<T>> {
      const url = options.url();
      if (!url) return { ok: false, failure: { kind: 'unavailable', detail: 'the API URL is not known yet' }, requestId: null };
      let response: Response;
      let body: GraphQLBody;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'x-forwarded-for': visitorAddress,
            ...(options.siteKey ? { 'x-site-key': options.siteKey } : {}),
          },
          body: JSON.stringify({
            operationName: operation,
            variables,
            extensions: { persistedQuery: { version: 1, sha256Hash: ids.get(operation) } },
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
          redirect: 'error',
        });
        body = (await response.json()) as GraphQLBody;
      } catch (error) {
        return { ok: false, failure: { kind: 'unavailable', detail: `API call failed: ${(error as Error).name}` }, requestId: null };
      }
      const requestId = response.headers.get('x-request-id');
      const first = body.errors?.[0]?.extensions;
      if (response.status === 429 || first?.code === 'RATE_LIMITED') {
        const retry = Number(response.headers.get('retry-after') ?? first?.retryAfterSeconds ?? 1);
        return { ok: false, failure: { kind: 'rate-limited', retryAfterSeconds: Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : 1 }, requestId };
      }
      if (first) {
        if (first.code === 'BAD_USER_INPUT' && typeof first.reason === 'string') return { ok: false, failure: { kind: 'bad-input', reason: first.reason }, requestId };
        const reason = typeof first.reason === 'string' ? ` / ${first.reason}` : '';
        return { ok: false, failure: { kind: 'unavailable', detail: `API answered ${response.status} ${String(first.code)}${reason}` }, requestId };
      }
      if (response.status !== 200 || body.data == null) {
        return { ok: false, failure: { kind: 'unavailable', detail: `API answered ${response.status} without data` }, requestId };
      }
      return { ok: true, data: body.data as T, requestId };
    },
  };
}

// The shapes of the operations' answers (src/web/operations/*.graphql).

export interface RecordNode {
  id: string;
  type: string;
  title: string;
  summary?: string | null;
  decisionNumber: string | null;
  decidedAt: string;
  validFrom?: string | null;
  validUntil?: string | null;
  publicUntil: string | null;
  severity: string | null;
  amount: number | null;
  legalBasis?: string | null;
  disputed: boolean;
  source: { name: string };
}

export interface SubjectSummary {
  code: string;
  kind: string;
  name: string;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

export interface NoticeConnection {
  pageInfo: PageInfo;
  edges: { node: { subject: SubjectSummary; record: RecordNode } }[];
}

export interface RecordConnection {
  totalCount: number;
  pageInfo: PageInfo;
  edges: { node: RecordNode }[];
}

export interface HomeNoticesData {
  licences: NoticeConnection;
  penalties: NoticeConnection;
}

export interface ListPageData {
  publicNotices: NoticeConnection;
}

export interface SearchSubjectsData {
  searchSubjects: {
    pageInfo: PageInfo;
    edges: { node: SubjectSummary & { status: string; registeredAt: string | null; legalRepresentative: string | null; address: string | null } }[];
  };
}

export interface SubjectDetails extends SubjectSummary {
  status: string;
  registeredAt?: string | null;
  address?: string | null;
  legalRepresentative?: string | null;
}

export type SubjectPageData = {
  subject: (SubjectDetails & Record<'licences' | 'penalties' | 'lists' | 'honours' | 'commitments' | 'others', RecordConnection>) | null;
};

export interface SubjectRecordsData {
  subject: (SubjectDetails & { records: RecordConnection }) | null;
}
