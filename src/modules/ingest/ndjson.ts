import { open } from 'node:fs/promises';

/** One line of an NDJSON file with its 1-based number and the byte offset just after it. */
export interface Line {
  number: number;
  text: string;
  /** byte offset of the next line: where a resumed import starts */
  end: number;
}

/**
 * Streams lines from `start` (a byte offset) with bounded memory, counting bytes exactly so that an import can
 * checkpoint "everything before this offset is done".
 */
export async function* readLines(path: string, start: number, firstLineNumber: number, chunkSize = 1 << 20): AsyncGenerator<Line> {
  const handle = await open(path, 'r');
  try {
    let position = start;
    let number = firstLineNumber;
    let carry = Buffer.alloc(0);
    const buffer = Buffer.alloc(chunkSize);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, position);
      if (bytesRead === 0) break;
      let data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
      const dataStart = position - carry.length;
      position += bytesRead;
      let lineStart = 0;
      let newline = data.indexOf(10, lineStart);
      while (newline !== -1) {
        const text = data.subarray(lineStart, newline).toString('utf8').replace(/\r$/, '');
        yield { number, text, end: dataStart + newline + 1 };
        number += 1;
        lineStart = newline + 1;
        newline = data.indexOf(10, lineStart);
      }
      carry = Buffer.from(data.subarray(lineStart));
      data = Buffer.alloc(0);
    }
    if (carry.length) yield { number, text: carry.toString('utf8').replace(/\r$/, ''), end: position };
  } finally {
    await handle.close();
  }
}

/** The lines of `lines` in batches of `size` (the last one shorter), for importers that commit per batch. */
export async function* batchesOf(lines: AsyncIterable<Line>, size: number): AsyncGenerator<Line[]> {
  let batch: Line[] = [];
  for await (const line of lines) {
    batch.push(line);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
