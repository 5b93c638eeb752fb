import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts the SQL statements its clients send: simple Query ('Q') and
 * Execute ('E') frontend messages (the extended protocol sends Parse/Bind/Describe/Execute/Sync per
 * statement — one Execute). Probe phase only (servers started against `url`, N requests, statements()/N),
 * never during load runs: it adds a hop to every round trip.
 *
 * Frontend stream of one connection: untyped startup packets first (Int32 length incl. itself, Int32 code:
 * SSLRequest / GSSENCRequest — answered with one byte, then another startup packet follows — or the
 * StartupMessage / CancelRequest), then typed messages (Byte1 type, Int32 length incl. itself, body). A
 * message may span TCP chunks and a chunk may hold several messages: only headers are buffered, bodies are
 * skipped by count. Bytes are forwarded untouched. An encrypted session (the server accepting SSLRequest)
 * cannot be parsed; local bench servers run without TLS.
 */
export interface CountingProxy {
  /** the target URL with host:port replaced by the proxy's */
  url: string;
  /** statements sent through the proxy since it started (or since reset) */
  statements(): number;
  reset(): void;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Frontend message parser for one connection; `onMessage` gets each typed message's type byte. */
export class FrontendParser {
  private startup = true;
  private header = Buffer.alloc(0);
  private skip = 0;

  constructor(private readonly onMessage: (type: string) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      const headerSize = this.startup ? 8 : 5;
      const need = headerSize - this.header.length;
      const take = Math.min(need, chunk.length - offset);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (this.header.length < headerSize) return;
      if (this.startup) {
        const length = this.header.readInt32BE(0);
        const code = this.header.readInt32BE(4);
        // SSLRequest / GSSENCRequest: another startup packet follows; anything else ends the startup phase
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
        this.skip = length - 8;
      } else {
        this.onMessage(String.fromCharCode(this.header[0]));
        this.skip = this.header.readInt32BE(1) - 4;
      }
      this.header = Buffer.alloc(0);
    }
  }
}

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname || '127.0.0.1';
  const targetPort = Number(target.port || 5432);
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const parser = new FrontendParser((type) => {
      if (type === 'Q' || type === 'E') count += 1;
    });
    client.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    statements: () => count,
    reset: () => void (count = 0),
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
