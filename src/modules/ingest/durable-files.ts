import { appendFile, open, writeFile } from 'node:fs/promises';

/**
 * Files the importers and the exchange commands must not lose on a crash: written, then fsynced (a directory too,
 * so that a rename in it survives a power loss).
 */
export async function syncFile(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function appendDurably(target: string, data: string): Promise<void> {
  if (!data) return;
  await appendFile(target, data);
  await syncFile(target);
}

export async function writeDurably(target: string, text: string): Promise<void> {
  await writeFile(target, text);
  await syncFile(target);
}
