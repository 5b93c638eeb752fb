// CI: the production build starts with plain node (no TypeScript loader), becomes ready, serves the website, answers a query and stops
// cleanly on SIGTERM (issue 14 point 4). Exit code 0 when all of that holds; one line per failure otherwise.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
  cwd: root,
  env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0', PGLITE_DIR: 'memory://', SEED_DEMO: '0', JWT_SECRET: 'smoke-test-secret-0123456789abcdef' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
let err = '';
child.stdout.on('data', (chunk) => (out += chunk));
child.stderr.on('data', (chunk) => (err += chunk));
const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));

function fail(message) {
  process.stderr.write(`smoke-prod: ${message}\n${out}\n${err}\n`);
  child.kill('SIGKILL');
  process.exit(1);
}

const deadline = Date.now() + 60_000;
while (!/Ready in/.test(out)) {
  if (Date.now() > deadline) fail('dist/src/main.js did not become ready in 60 s');
  if (child.exitCode !== null) fail(`dist/src/main.js exited with ${child.exitCode}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const url = /listening on (http:\/\/\S+\/graphql)/.exec(out)?.[1];
if (!url) fail('no URL in the start-up output');
const ready = await fetch(url.replace(/graphql$/, 'readyz'));
if (ready.status !== 200) fail(`/readyz answered ${ready.status}`);
// WEB2: the website reads the public API by trusted documents, so its home page works in production too
const home = await fetch(url.replace(/graphql$/, ''));
const homeText = await home.text();
if (home.status !== 200 || !homeText.includes('<html lang="zh-CN">')) fail(`the website's home page answered ${home.status} ${homeText.slice(0, 200)}`);
const stylesheet = /href="(\/assets\/site\.css\?v=[0-9a-f]+)"/.exec(homeText)?.[1];
const css = stylesheet ? await fetch(new URL(stylesheet, url)) : null;
if (css?.status !== 200) fail(`the website's stylesheet answered ${css?.status}`);
// H1: in production the public may run only allow-listed documents
const publicAnswer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ catalog { code } }"}' });
const publicBody = await publicAnswer.json();
if (publicAnswer.status !== 403 || publicBody.errors?.[0]?.extensions?.reason !== 'PERSISTED_ONLY') fail(`a public ad-hoc document answered ${publicAnswer.status} ${JSON.stringify(publicBody).slice(0, 200)}`);
const token = jwt.sign({ sub: 'smoke', role: 'admin', org: 'PLATFORM' }, 'smoke-test-secret-0123456789abcdef', { algorithm: 'HS256', expiresIn: 60 });
const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ catalog { code } }"}' });
const body = await answer.json();
if (answer.status !== 200 || body.data?.catalog?.length !== 17) fail(`catalog answered ${answer.status} ${JSON.stringify(body).slice(0, 200)}`);
child.kill('SIGTERM');
const code = await exited;
if (code !== 0) fail(`SIGTERM: exit code ${code}`);
process.stdout.write('smoke-prod: dist/ started with node, was ready, answered, and stopped on SIGTERM with exit code 0\n');
