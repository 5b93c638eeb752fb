import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

/** COPY … FROM STDIN in text format: row encoding and a buffered writer that respects back-pressure. */
const SPECIAL = /[\\\t\n\r]/;

export function copyValue(value: string | null): string {
  if (value === null) return '\\N';
  if (!SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** One row in COPY text format, newline included. */
export function copyRow(values: readonly (string | null)[]): string {
  let line = copyValue(values[0] ?? null);
  for (let i = 1; i < values.length; i++) line += '\t' + copyValue(values[i] ?? null);
  return line + '\n';
}

/** A text[] literal of values that need no quoting (uuids, codes). */
export const textArrayLiteral = (values: readonly string[]): string => `{${values.join(',')}}`;

const BUFFER_BYTES = 1 << 20;
const FLUSH_AT = BUFFER_BYTES - (64 << 10);

/**
 * Rows are encoded into a byte buffer as they come (a row built from template pieces is a rope; encoding it at once
 * lets it die young, where keeping thousands of ropes for a later join cost more in GC than generating them).
 */
export class CopyWriter {
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private offset = 0;
  rows = 0;

  private constructor(private readonly stream: CopyStreamQuery) {}

  static open(client: pg.Client, statement: string): CopyWriter {
    return new CopyWriter(client.query(copyFrom(statement)));
  }

  /** Queues a row; returns true when the buffer should be flushed (await flush()). */
  push(row: string): boolean {
    if (this.buffer.length - this.offset < row.length * 3) {
      const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + row.length * 3));
      this.buffer.copy(larger, 0, 0, this.offset);
      this.buffer = larger;
    }
    this.offset += this.buffer.write(row, this.offset, 'utf8');
    this.rows++;
    return this.offset >= FLUSH_AT;
  }

  /** Queues a row already encoded (bytes start…end of `source`). */
  pushBytes(source: Buffer, start: number, end: number): boolean {
    const length = end - start;
    if (this.buffer.length - this.offset < length) {
      const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + length));
      this.buffer.copy(larger, 0, 0, this.offset);
      this.buffer = larger;
    }
    this.offset += source.copy(this.buffer, this.offset, start, end);
    this.rows++;
    return this.offset >= FLUSH_AT;
  }

  async flush(): Promise<void> {
    if (this.offset === 0) return;
    const data = this.buffer.subarray(0, this.offset);
    this.buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.offset = 0;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }

  /** Abandons the COPY (the backend rolls it back). */
  destroy(error: Error): void {
    this.stream.destroy(error);
  }
}

/**
 * A window of encoded rows written out in a shuffled order (deterministic, from `shuffle`): the rows live in one
 * byte buffer, not as thousands of strings, so holding them costs the garbage collector nothing.
 */
export class ShuffledRows {
  private bytes = Buffer.allocUnsafe(32 << 20);
  private starts = new Int32Array(1 << 16);
  private offset = 0;
  count = 0;

  constructor(private readonly shuffle: () => number) {}

  push(row: string): void {
    if (this.bytes.length - this.offset < row.length * 3) {
      const larger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.offset + row.length * 3));
      this.bytes.copy(larger, 0, 0, this.offset);
      this.bytes = larger;
    }
    if (this.count + 1 >= this.starts.length) {
      const larger = new Int32Array(this.starts.length * 2);
      larger.set(this.starts);
      this.starts = larger;
    }
    this.starts[this.count++] = this.offset;
    this.offset += this.bytes.write(row, this.offset, 'utf8');
  }

  /** Writes every queued row to `writer` in a random order and empties the window. */
  async writeTo(writer: CopyWriter): Promise<void> {
    const n = this.count;
    this.starts[n] = this.offset;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.shuffle() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      if (writer.pushBytes(this.bytes, this.starts[i]!, this.starts[i + 1]!)) await writer.flush();
    }
    this.count = 0;
    this.offset = 0;
  }
}
