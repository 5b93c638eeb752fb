import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/config.js';
import { openDatabase } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { findOrganizations } from '../organizations/organizations.repository.js';
import { describeError } from '../../logging.js';
import { importFile, rejectsPath, type ImportProgress } from './importer.js';

/**
 * `npm run import -- --org CODE --file PATH [--batch 5000]`: bulk-file NDJSON records (and subjects) for one
 * department, against DATABASE_URL or the embedded database at PGLITE_DIR, exactly as the server would.
 */
const { values } = parseArgs({
  options: { org: { type: 'string' }, file: { type: 'string' }, batch: { type: 'string' }, actor: { type: 'string' } },
});
if (!values.org || !values.file) {
  process.stderr.write('usage: npm run import -- --org CODE --file PATH [--batch 5000]\n');
  process.exit(2);
}

function bar(progress: ImportProgress): string {
  const share = progress.bytesTotal ? progress.bytesDone / progress.bytesTotal : 1;
  const width = 30;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%  line ${progress.lines}`
    + `  ${Math.round(progress.rowsPerSecond)} rows/s  imported ${progress.imported} rejected ${progress.rejected} skipped ${progress.skipped}`;
}

const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
try {
  await migrateDatabase(database);
  const [organization] = await findOrganizations(database.db, [values.org]);
  if (!organization || organization.kind !== 'DEPARTMENT' || organization.status !== 'ACTIVE') {
    process.stderr.write(`import refused: ${values.org} is not an active department\n`);
    process.exit(2);
  }
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const result = await importFile({
    db: database.db,
    filer: { orgCode: organization.code, role: 'department', actor: values.actor ?? `import:${process.env.USER ?? 'cli'}` },
    file: values.file,
    batchSize: values.batch ? Number(values.batch) : undefined,
    onProgress: (progress) => {
      const now = Date.now();
      if (tty) process.stderr.write(`\r${bar(progress)}`);
      else if (now - lastPrint > 2000) {
        process.stderr.write(`${bar(progress)}\n`);
        lastPrint = now;
      }
    },
  });
  if (tty) process.stderr.write('\n');
  if (result.resumedFromLine > 1) process.stderr.write(`(resumed at line ${result.resumedFromLine})\n`);
  if (result.rejected) process.stderr.write(`refused lines: ${rejectsPath(values.file)}\n`);
  process.stdout.write(`imported ${result.imported}, rejected ${result.rejected}, skipped ${result.skipped}\n`);
} catch (error) {
  process.stderr.write(`import failed: ${JSON.stringify(describeError(error as Error))}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
