// `npm run build`: compiles src/ and policies/ to plain JavaScript in dist/ (tsc, tsconfig.build.json) and copies
// what the compiled code reads at run time: the migrations (src/db/migrate.ts finds them two folders up from
// dist/src/db), the trusted documents (src/config/config.ts, two folders up from dist/src/config) and the website's
// stylesheet (src/web/site.css). `npm run start:prod` then runs dist/src/main.js with node — no TypeScript loader in production.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(path.join(root, 'migrations'), path.join(root, 'dist/migrations'), { recursive: true });
// H1: the allow-list the production default (TRUSTED_DOCUMENTS=public) reads, beside the compiled code
cpSync(path.join(root, 'schema/trusted-documents.json'), path.join(root, 'dist/schema/trusted-documents.json'));
// WEB3: the website's stylesheet, read by dist/src/web/site.js from beside itself
cpSync(path.join(root, 'src/web/site.css'), path.join(root, 'dist/src/web/site.css'));
process.stdout.write('built dist/ (run it with `npm run start:prod`)\n');
