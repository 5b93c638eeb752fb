import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * SPEC H1, trusted documents: in production the public (no token) may run only operations on an allow-list of
 * persisted documents, sent by SHA-256 hash (`extensions.persistedQuery.sha256Hash`, as Apollo clients send it);
 * any other public document is refused (FORBIDDEN, reason PERSISTED_ONLY) before it is parsed. The allow-list is
 * a file in Apollo's persisted-query manifest format (`schema/trusted-documents.json`: the public website's own
 * operations, and any an operator adds). `TRUSTED_DOCUMENTS=public|all|off` says whom it binds.
 *
 * Apollo's own automatic persisted queries are off (src/graphql/apollo.ts): a client can never add a document to
 * the list by sending it.
 */
export type TrustedDocumentsMode = 'public' | 'all' | 'off';

export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  /** sha256 (hex, lower case) → document text */
  byHash: ReadonlyMap<string, string>;
  /** each document with the operation name the manifest gives it (null: none); compiled at start (issue 18) */
  named: readonly { name: string | null; body: string }[];
}

interface Manifest {
  format?: unknown;
  version?: unknown;
  operations?: { id?: unknown; name?: unknown; type?: unknown; body?: unknown }[];
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Reads a manifest; every id must be the SHA-256 of its body (a mismatch is an error at start, not a hole). */
export function loadTrustedDocuments(mode: TrustedDocumentsMode, file: string | null): TrustedDocuments {
  const byHash = new Map<string, string>();
  const named: { name: string | null; body: string }[] = [];
  if (file) {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch (error) {
      // without the file nothing is allow-listed: acceptable only when the list binds nobody
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && mode === 'off') return { mode, byHash, named };
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`trusted documents: ${file} does not exist (TRUSTED_DOCUMENTS_FILE), and TRUSTED_DOCUMENTS=${mode} needs it`);
      throw new Error(`trusted documents: ${file} is not valid JSON`);
    }
    if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
      throw new Error(`trusted documents: ${file} is not an apollo-persisted-query-manifest, version 1`);
    }
    for (const [i, operation] of manifest.operations.entries()) {
      if (typeof operation.body !== 'string' || typeof operation.id !== 'string' || operation.id !== sha256Hex(operation.body)) {
        throw new Error(`trusted documents: operation ${i} of ${file}: its id is not the SHA-256 of its body`);
      }
      byHash.set(operation.id, operation.body);
      named.push({ name: typeof operation.name === 'string' ? operation.name : null, body: operation.body });
    }
  }
  return { mode, byHash, named };
}

export type TrustedDecision =
  | { ok: true; body: unknown; search: string }
  | { ok: false; status: number; reason: 'PERSISTED_ONLY' | 'PERSISTED_QUERY_MISMATCH'; message: string };

function persistedHashOf(extensions: unknown): string | null {
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash.toLowerCase() : null;
}

function withoutPersistedQuery(extensions: unknown): Record<string, unknown> | undefined {
  if (!extensions || typeof extensions !== 'object') return undefined;
  const { persistedQuery: _dropped, ...rest } = extensions as Record<string, unknown>;
  return Object.keys(rest).length ? rest : undefined;
}

/**
 * Resolves a request against the allow-list, before anything parses its document. A known hash brings its
 * document (for every caller); a caller bound by the list (`bound`) must send one — anything else is refused.
 * Returns the body (POST) and the query string (GET) to hand to Apollo, without the persisted-query extension.
 */
export function applyTrustedDocuments(
  trusted: TrustedDocuments, bound: boolean, method: string, body: unknown, search: URLSearchParams,
): TrustedDecision {
  const post = method === 'POST';
  const fields = post ? ((body ?? {}) as Record<string, unknown>) : Object.fromEntries(search.entries());
  let extensions: unknown = fields.extensions;
  if (!post && typeof extensions === 'string') {
    try {
      extensions = JSON.parse(extensions);
    } catch {
      extensions = undefined; // Apollo reports the malformed parameter
    }
  }
  const hash = persistedHashOf(extensions);
  const known = hash ? trusted.byHash.get(hash) : undefined;
  const sentQuery = typeof fields.query === 'string' ? fields.query : undefined;
  if (bound && !known) {
    return {
      ok: false, status: 403, reason: 'PERSISTED_ONLY',
      message: 'Without a token only the allow-listed documents may run: send the SHA-256 of a trusted document in extensions.persistedQuery.sha256Hash.',
    };
  }
  if (!known) return { ok: true, body, search: search.toString() };
  if (sentQuery !== undefined && sha256Hex(sentQuery) !== hash) {
    return { ok: false, status: 400, reason: 'PERSISTED_QUERY_MISMATCH', message: 'The query sent is not the document its persistedQuery hash names.' };
  }
  const rest = withoutPersistedQuery(extensions);
  if (post) {
    const { extensions: _sent, ...others } = fields;
    // set on the copy the rest pattern made, not `{ ...others, query, … }`: a spread followed by more properties gives
    // each body a hidden class of its own on Node 20 (policies/fields.ts), and the website sends one per request
    others.query = known;
    if (rest) others.extensions = rest;
    return { ok: true, body: others, search: search.toString() };
  }
  const params = new URLSearchParams(search);
  params.set('query', known);
  if (rest) params.set('extensions', JSON.stringify(rest));
  else params.delete('extensions');
  return { ok: true, body, search: params.toString() };
}
