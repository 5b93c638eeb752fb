// `npm run docs:trusted`: writes schema/trusted-documents.json (H1, Apollo's persisted-query manifest) from the public
// website's operations in src/web/operations/*.graphql. test/unit/trusted-documents-manifest.test.ts fails when the
// committed file drifts from them. An operator who allows more documents keeps a copy of their own (TRUSTED_DOCUMENTS_FILE)
// that still holds these.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildTrustedManifest, manifestText, SHIPPED_MANIFEST } from '../src/web/manifest.js';

const manifest = buildTrustedManifest();
writeFileSync(SHIPPED_MANIFEST, manifestText(manifest));
process.stdout.write(`wrote ${path.relative(process.cwd(), SHIPPED_MANIFEST)}: ${manifest.operations.map((o) => o.name).join(', ')}\n`);
