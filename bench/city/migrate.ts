/**
 * Brings an existing benchmark database up to the current migrations: `npx tsx bench/city/migrate.ts <db name>`
 * (run.ts does the same before every run; this is for doing it ahead, e.g. a new index on 10M records).
 */
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { databaseUrl } from '../support.js';

const name = process.argv[2] ?? 'cqg_bench_city';
const started = Date.now();
const database = await openDatabase({ url: databaseUrl(name) });
await migrateDatabase(database);
await database.close();
console.log(`${name}: migrations current in ${((Date.now() - started) / 1000).toFixed(1)} s`);
