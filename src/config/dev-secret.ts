import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * SPEC O7: without JWT_SECRET or JWT_PUBLIC_KEY (development only — production refuses to start), the gateway
 * signs with a generated secret that is kept in the data directory, so the printed tokens and `npm run token`
 * keep working across restarts. An in-memory database keeps nothing, so its secret lives for one run.
 */
export const DEV_SECRET_FILE_NAME = 'dev-jwt-secret';

/** Where the development secret is kept: beside the embedded database, or ./.data with PostgreSQL; null in memory. */
export function devSecretFile(config: Pick<Config, 'databaseUrl' | 'pgliteDir'>): string | null {
  if (!config.databaseUrl && config.pgliteDir.startsWith('memory://')) return null;
  return path.resolve(config.databaseUrl ? './.data' : config.pgliteDir, DEV_SECRET_FILE_NAME);
}

/** The kept secret, or null when none has been made yet. */
export async function readDevSecret(file: string): Promise<string | null> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text.length >= 32 ? text : null;
  } catch {
    return null;
  }
}

/** The kept secret, made (readable by its owner only) on first use. */
export async function loadOrCreateDevSecret(file: string): Promise<string> {
  const existing = await readDevSecret(file);
  if (existing) return existing;
  const secret = randomBytes(32).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * L6 in development: without CHECKPOINT_SIGNING_KEY the gateway signs checkpoints with a key it makes and keeps
 * in the data directory (beside the JWT secret), and writes them to <data directory>/checkpoints. Production
 * never makes a key: there, checkpoints are on only when the operator configures them. Null: off (production
 * without settings, or an in-memory database, which keeps nothing).
 */
export const DEV_CHECKPOINT_KEY_FILE_NAME = 'checkpoint-signing-key.pem';

export async function developmentCheckpointFiles(config: Pick<Config, 'databaseUrl' | 'pgliteDir'>): Promise<{ privatePem: string; dir: string } | null> {
  const secretFile = devSecretFile(config);
  if (!secretFile) return null;
  const keyFile = path.join(path.dirname(secretFile), DEV_CHECKPOINT_KEY_FILE_NAME);
  let privatePem: string;
  try {
    privatePem = await readFile(keyFile, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ed25519');
    privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await mkdir(path.dirname(keyFile), { recursive: true });
    await writeFile(keyFile, privatePem, { mode: 0o600 });
  }
  return { privatePem, dir: path.join(path.dirname(secretFile), 'checkpoints') };
}

/**
 * X4 in development: without EXCHANGE_SIGNING_KEY, exchange files are signed with a key made once and kept in the
 * data directory (beside the JWT secret). Production never makes one. Null: an in-memory database keeps nothing.
 */
export const DEV_EXCHANGE_KEY_FILE_NAME = 'exchange-signing-key.pem';

export async function developmentExchangeKey(config: Pick<Config, 'databaseUrl' | 'pgliteDir'>): Promise<string | null> {
  const secretFile = devSecretFile(config);
  if (!secretFile) return null;
  const keyFile = path.join(path.dirname(secretFile), DEV_EXCHANGE_KEY_FILE_NAME);
  try {
    return await readFile(keyFile, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await mkdir(path.dirname(keyFile), { recursive: true });
    await writeFile(keyFile, pem, { mode: 0o600 });
    return pem;
  }
}
