import { appendFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../../config/config.js';
import { devSecretFile, developmentExchangeKey, readDevSecret } from '../../config/dev-secret.js';
import { openDatabase } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { BadUserInputError } from '../../errors/app-errors.js';
import { describeError } from '../../logging.js';
import { configureCursorSecret } from '../pagination.js';
import { cursorPath, exportChanges, ExportRefused, signaturePath } from './export.js';
import { exchangeRejectsPath, importExchangeFile, ImportRefused } from './file-import.js';
import { pullFromPeer, PullFailed } from './pull.js';
import { exchangePrivateKey, publicKeyPem, SigningKeyError } from './signature.js';

/**
 * SPEC X4 and the live path of X3, against DATABASE_URL or the embedded database at PGLITE_DIR:
 *   npm run exchange:export -- --peer CODE [--after CURSOR] --out FILE
 *   npm run exchange:import -- --peer CODE --file FILE
 *   npm run exchange:pull   -- --peer CODE --url URL --token TOKEN [--state FILE]
 *   npm run exchange:key    (prints this platform's public key, to register with the peer)
 * Every refusal is one line on stderr and exit code 2; a failure, exit code 1.
 */
const USAGE = `usage:
  npm run exchange:export -- --peer CODE [--after CURSOR] --out FILE
  npm run exchange:import -- --peer CODE --file FILE [--batch 1000]
  npm run exchange:pull   -- --peer CODE --url URL --token TOKEN [--state FILE] [--first 100]
  npm run exchange:key`;

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    peer: { type: 'string' }, after: { type: 'string' }, out: { type: 'string' }, file: { type: 'string' },
    url: { type: 'string' }, token: { type: 'string' }, state: { type: 'string' }, first: { type: 'string' },
    batch: { type: 'string' }, actor: { type: 'string' },
  },
});

function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The secret cursors are sealed with: the server's (CURSOR_SECRET, else JWT_SECRET, else the development secret). */
async function cursorSecretOf(config: Config): Promise<string> {
  if (config.cursorSecret) return config.cursorSecret;
  if (!config.jwt.generated && config.jwt.secret) return config.jwt.secret;
  const file = devSecretFile(config);
  const secret = config.jwt.generated && file ? await readDevSecret(file) : null;
  if (!secret) refuse('exchange: cursors need the gateway\'s secret: set CURSOR_SECRET (or JWT_SECRET) as the gateway has it');
  return secret;
}

async function signingKeyOf(config: Config) {
  const pem = config.exchangeSigningKey ?? (config.production ? null : await developmentExchangeKey(config));
  if (!pem) refuse('exchange: EXCHANGE_SIGNING_KEY (an Ed25519 private key, PEM text or file) is not set');
  return exchangePrivateKey(pem);
}

const actor = values.actor ?? `exchange:${process.env.USER ?? 'cli'}`;
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  refuse(`exchange: ${error instanceof ConfigError ? error.message : String(error)}`);
}

if (command === 'key') {
  try {
    process.stdout.write(publicKeyPem(await signingKeyOf(config)));
  } catch (error) {
    refuse(`exchange: ${(error as Error).message}`);
  }
  process.exit(0);
}
if (!['export', 'import', 'pull'].includes(command ?? '')) refuse(USAGE);
if (!values.peer) refuse(USAGE);
const peer = values.peer.trim().toUpperCase();

const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
try {
  await migrateDatabase(database);
  if (command === 'export') {
    if (!values.out) refuse(USAGE);
    const signingKey = await signingKeyOf(config);
    configureCursorSecret(await cursorSecretOf(config));
    const result = await exportChanges({
      db: database.db, peer, after: values.after ?? null, out: values.out, signingKey, actor,
      onProgress: (changes) => process.stderr.isTTY && process.stderr.write(`\r${changes} changes`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(`exported ${result.changes} changes to ${result.file} (${signaturePath(result.file)}, next --after in ${cursorPath(result.file)})\n`);
  } else if (command === 'import') {
    if (!values.file) refuse(USAGE);
    const result = await importExchangeFile({
      db: database.db, peer, file: values.file, actor, batchSize: values.batch ? Number(values.batch) : undefined,
      onProgress: (p) => process.stderr.isTTY && process.stderr.write(`\r${(100 * p.bytesDone / Math.max(p.bytesTotal, 1)).toFixed(1)}%  line ${p.lines}  applied ${p.applied} skipped ${p.skipped} rejected ${p.rejected}`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (result.resumedFromLine > 1) process.stderr.write(`(resumed at line ${result.resumedFromLine})\n`);
    if (result.rejected) process.stderr.write(`refused changes: ${exchangeRejectsPath(values.file)}\n`);
    process.stdout.write(`applied ${result.applied}, skipped ${result.skipped}, rejected ${result.rejected}\n`);
  } else {
    if (!values.url || !values.token) refuse(USAGE);
    const stateFile = values.state ?? `exchange-pull-${peer}.json`;
    const result = await pullFromPeer({
      db: database.db, peer, url: values.url, token: values.token, stateFile, actor,
      first: values.first ? Number(values.first) : undefined,
      onPage: async (page) => {
        if (page.rejected.length) await appendFile(`${stateFile}.rejects.ndjson`, page.rejected.map((r) => `${JSON.stringify(r)}\n`).join(''));
      },
    });
    process.stdout.write(`pulled ${result.changes} changes in ${result.pages} pages: applied ${result.applied}, skipped ${result.skipped}, rejected ${result.rejected}\n`);
  }
} catch (error) {
  if (error instanceof ExportRefused || error instanceof SigningKeyError || error instanceof PullFailed) refuse(`exchange ${command} refused: ${error.message}`);
  if (error instanceof ImportRefused) refuse(`exchange import refused (${error.reason}): ${error.message}`);
  if (error instanceof BadUserInputError) refuse(`exchange ${command} refused: ${error.message}`);
  // the failure's kind and codes only: a database error's text would carry the statement and its values (O1)
  process.stderr.write(`exchange ${command} failed: ${JSON.stringify(describeError(error as Error))}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
