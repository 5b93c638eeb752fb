import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print } from 'graphql';
import { sha256Hex } from '../http/trusted-documents.js';

/**
 * SPEC H1 / WEB2: the public website's operations, one named query per file in src/web/operations/, become the
 * trusted documents the gateway lets the public run (`schema/trusted-documents.json`, Apollo's persisted-query
 * manifest). The body of each is the document as graphql-js prints it (comments and layout dropped), and its id the
 * SHA-256 of that text — exactly what src/http/trusted-documents.ts checks and hashes. `npm run docs:trusted`
 * writes the file; test/unit/trusted-documents-manifest.test.ts fails when it drifts from the .graphql files.
 */
export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query';
  body: string;
}

export interface TrustedManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const OPERATIONS_DIR = path.join(here, 'operations');
/** The shipped allow-list (dist/schema/ in the build, beside dist/src/: scripts/build.mjs copies it). */
export const SHIPPED_MANIFEST = path.resolve(here, '../../schema/trusted-documents.json');

/** One .graphql file → its manifest entry; exactly one named query, named as the file, plus its fragments. */
export function operationOf(fileName: string, text: string): ManifestOperation {
  const document = parse(text, { noLocation: true });
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const others = document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION);
  const expected = path.basename(fileName, '.graphql');
  if (operations.length !== 1 || others.length > 0) throw new Error(`${fileName}: one operation per file (and its fragments)`);
  const [operation] = operations;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') throw new Error(`${fileName}: the website only reads (a query)`);
  if (operation.name?.value !== expected) throw new Error(`${fileName}: the operation must be named ${expected}, as its file`);
  const body = print(document);
  return { id: sha256Hex(body), name: expected, type: 'query', body };
}

/** The manifest the .graphql files of `dir` make, operations in name order. */
export function buildTrustedManifest(dir = OPERATIONS_DIR): TrustedManifest {
  const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: files.map((file) => operationOf(file, readFileSync(path.join(dir, file), 'utf8'))),
  };
}

/** The manifest as written to disk: two-space JSON with a final newline. */
export function manifestText(manifest: TrustedManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The website's operations by name → id, from the shipped manifest (read once at start). */
export function readSiteDocumentIds(file = SHIPPED_MANIFEST): Map<string, string> {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { operations?: { id?: unknown; name?: unknown }[] };
  const ids = new Map<string, string>();
  for (const operation of manifest.operations ?? []) {
    if (typeof operation.name === 'string' && typeof operation.id === 'string') ids.set(operation.name, operation.id);
  }
  return ids;
}
