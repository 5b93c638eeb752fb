import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoTokens } from '../../src/auth/demo-tokens.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { seedDemo, type DemoCast } from '../../src/db/seed/demo.js';
import { createLogger } from '../../src/logging.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { CheckpointKeys, checkpointSettings } from '../../src/modules/access-log/checkpoints.js';

/** The JWT secret of the README run: fixed, so a failure can be replayed with the same tokens. */
export const README_JWT_SECRET = 'readme-demo-secret-0123456789abcdef';

/**
 * What `npm start` gives a newcomer, started in-process: a new in-memory PGlite, the migrations, the demo data
 * set seeded at `now` (npm start: the current instant), the gateway configured as npm start configures it
 * (loadConfig defaults: rate limits, query limits, working-day calendar) on a loopback port, and a directory holding
 * the `.demo-tokens.env` npm start writes, for the README's `source .demo-tokens.env`.
 */
export interface DemoGateway {
  url: string;
  /** the directory the README's commands run in (it holds `.demo-tokens.env`) */
  workDir: string;
  /** the subject codes npm start prints for this demo */
  cast: DemoCast;
  /** what the README's shell needs in its environment besides PATH and HOME (the clock shift, if any) */
  shellEnv: Record<string, string>;
  close(): Promise<void>;
}

/** jsonwebtoken stamps `iat`/`exp` from Date.now(): the tokens npm start would have printed at `at`. */
function demoTokensAt(at: Date): ReturnType<typeof demoTokens> {
  const realNow = Date.now;
  Date.now = () => at.getTime();
  try {
    return demoTokens(README_JWT_SECRET);
  } finally {
    Date.now = realNow;
  }
}

/**
 * Node started by the README's commands (`node -p 'new Date(Date.now() + …)'`) sees the demo's clock: `Date.now()` and
 * `new Date()` shifted by the same offset as the gateway's. Only when the demo runs at an instant other than the present.
 */
const CLOCK_SHIFT_PRELOAD = `const offset = Number(process.env.README_CLOCK_OFFSET_MS);
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) { if (args.length === 0) super(RealDate.now() + offset); else super(...args); }
  static now() { return RealDate.now() + offset; }
};
`;

/**
 * `now` (default: the present, as npm start) is the instant the demo is seeded at and its clock starts from; the
 * clock then runs in real time. A `now` other than the present replays the README on another day.
 */
export async function startDemoGateway(options: { now?: Date } = {}): Promise<DemoGateway> {
  const now = options.now ?? new Date(); // src/main.ts: seedDemo(db, { now: new Date() })
  const offsetMs = options.now ? options.now.getTime() - Date.now() : 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const config = loadConfig({ JWT_SECRET: README_JWT_SECRET, PGLITE_DIR: 'memory://' });
  const database: Database = await openDatabase({ pgliteDir: 'memory://' });
  let gateway: Gateway | undefined;
  let workDir: string | undefined;
  try {
    await migrateDatabase(database);
    const seeded = await seedDemo(database.db, { now });
    if (!seeded) throw new Error('the demo data set was not loaded into the fresh database');
    workDir = await mkdtemp(path.join(tmpdir(), 'readme-demo-'));
    // as npm start in development (src/main.ts): a generated key, checkpoints in the data directory
    const checkpoints = checkpointSettings(CheckpointKeys.generate().privatePem, '', path.join(workDir, 'checkpoints'), config.checkpoints.intervalMs);
    gateway = await createGateway({ database, config, logger: createLogger(process.stderr, true), clock, checkpoints });
    const url = await gateway.listen(0, '127.0.0.1');
    // the same file src/main.ts writes: one `export NAME=value` line per token, then GATEWAY
    const variables: Record<string, string> = Object.fromEntries(demoTokensAt(clock()).map((t) => [t.variable, t.token]));
    variables.GATEWAY = url;
    await writeFile(path.join(workDir, '.demo-tokens.env'), `${Object.entries(variables).map(([k, v]) => `export ${k}=${v}`).join('\n')}\n`);
    const shellEnv: Record<string, string> = {};
    if (offsetMs !== 0) {
      await writeFile(path.join(workDir, 'clock-shift.cjs'), CLOCK_SHIFT_PRELOAD);
      shellEnv.NODE_OPTIONS = `--require ${path.join(workDir, 'clock-shift.cjs')}`;
      shellEnv.README_CLOCK_OFFSET_MS = String(offsetMs);
    }
    const dir = workDir;
    const running = gateway;
    return {
      url,
      workDir: dir,
      cast: seeded.tokensFor,
      shellEnv,
      async close() {
        await running.close();
        await database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await gateway?.close();
    await database.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}
