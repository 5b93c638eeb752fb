import { loadConfig } from '../config/config.js';
import { openDatabase } from './client.js';
import { migrateDatabase } from './migrate.js';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database at PGLITE_DIR. */
const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
await migrateDatabase(database);
await database.close();
process.stdout.write(`migrations applied (${database.driver})\n`);
