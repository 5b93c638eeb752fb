import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { buildGatewaySchema } from './schema.js';

/** `npm run schema:emit`: writes the SDL the code defines to schema/schema.graphql (committed; a test checks drift). */
export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema/schema.graphql');

export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(await buildGatewaySchema())}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await writeFile(SCHEMA_FILE, await printGatewaySchema());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
