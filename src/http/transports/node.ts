// The default transport: Node's own `net` (and `tls`), on every Node version and architecture. HTTP/1.0
// and HTTP/1.1 on one port; keep-alive and pipelining for everything but streams; a strict head parser
// with limits, so every request gets its status; streams written as one writev per part with one
// frame in flight, ending with the connection (no fake Content-Length, no chunked framing).
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { log } from '../../log';
import type { Chunks } from '../../stream/part';
import { ADVANCE_PREAMBLE, STREAM_PREAMBLE } from '../../stream/multipart';
import { bodyBytes, headOf, releaser, statusLine, type Answer } from '../answer';
import { BadRequest, bodyLength, checkPartialHead, headEnd, parseHead, wantsKeepAlive, type Request } from '../request';
import type { Transport, TransportContext } from './transport';
import { HeldSink, piecesFrom } from './held-sink';

/** A request head must be complete this long after its first byte (slowloris). */
const HEAD_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this long. */
const KEEPALIVE_IDLE_MS = 15_000;
/** After an error answer, the client gets this long to read it before the socket is destroyed. */
const LINGER_MS = 2_000;

/** Bytes of a stream viewer's part on a Node socket. On plain TCP the part goes straight to the
 * kernel (one sendmsg through the addon) and only what it didn't take is copied and queued in Node:
 * a queue outside the kernel must never point into a capture slot, which goes back to the driver once
 * the frame is let go. TLS sockets encrypt into their own buffers, so they are written as they are. */
class SocketSink extends HeldSink {
  private readonly pieces: Buffer[] = [];
  private readonly fd: number;
  /** JPEG bytes copied for what the kernel didn't take (slow viewers only). */
  onCopied: (bytes: number) => void = () => {};
  private readonly afterWrite = (err?: Error | null) => {
    if (!err) this.flushed();
  };

  constructor(
    private readonly socket: net.Socket,
    private readonly send_: (fd: number, chunks: Buffer[], skip: number) => number,
  ) {
    super();
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    this.fd = socket instanceof tls.TLSSocket || typeof fd !== 'number' ? -1 : fd;
  }

  protected send(chunks: Chunks, offset: number): number {
    const rest = chunks.length - offset;
    if (this.fd >= 0) {
      let sent: number;
      try {
        sent = this.send_(this.fd, chunks.list, offset);
      } catch {
        // The peer is gone (EPIPE, ECONNRESET): Node sees it too and closes the socket.
        this.socket.destroy();
        return 0;
      }
      if (sent === rest) return 0;
      const pieces = piecesFrom(chunks, offset + sent, this.pieces);
      if (!chunks.pooled) return this.queue(pieces);
      const copy = Buffer.concat(pieces);
      this.onCopied(copy.length);
      this.socket.write(copy, this.afterWrite);
      return copy.length;
    }
    return this.queue(piecesFrom(chunks, offset, this.pieces));
  }

  /** Hands pieces to Node as they are (one writev); one callback, on the last, when all went out. */
  private queue(pieces: Buffer[]): number {
    this.socket.cork();
    for (let i = 0; i < pieces.length; i++) this.socket.write(pieces[i], i === pieces.length - 1 ? this.afterWrite : undefined);
    this.socket.uncork();
    return this.socket.writableLength;
  }

  protected shut(): void {
    this.socket.destroy();
  }

  /** The plain socket, when nothing of ours is queued on it: the capture thread may write to it. */
  directFd(): number {
    return this.fd >= 0 && this.open && !this.holding && !this.socket.destroyed && this.socket.writableLength === 0 ? this.fd : -1;
  }
}

export class NodeTransport implements Transport {
  readonly name = 'node';
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<net.Socket>();

  constructor(private readonly ctx: TransportContext) {}

  async listen(host: string, port: number): Promise<number> {
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const where = host.includes(':') ? `[${host}]` : host;
        reject(new Error(`cannot listen on ${where}:${port} (${e.code === 'EADDRINUSE' ? 'address in use' : e.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : e.code ?? e.message})`));
      });
      server.listen({ host, port, exclusive: true, ipv6Only: host.includes(':') }, resolve);
    });
    this.servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  async listenUnix(path: string): Promise<void> {
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on unix socket ${path} (${e.code ?? e.message}: folder missing, no permission, or in use)`)));
      server.listen({ path, exclusive: true }, resolve);
    });
    this.servers.push(server);
  }

  close(): void {
    for (const s of this.servers) s.close();
    this.servers.length = 0;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
  }

  private createServer(): net.Server {
    const onSocket = (socket: net.Socket) => this.accept(socket);
    let server: net.Server;
    if (this.ctx.tls) {
      const t = this.ctx.tls;
      server = tls.createServer({ cert: fs.readFileSync(t.cert), key: fs.readFileSync(t.key), passphrase: t.passphrase ?? undefined }, onSocket);
      // The raw TCP socket, before TLS: where the socket options go.
      server.on('connection', (raw: net.Socket) => this.tune(raw));
      server.on('tlsClientError', () => {});
    } else {
      server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        this.tune(socket);
        onSocket(socket);
      });
    }
    server.maxConnections = this.ctx.maxConnections;
    return server;
  }

  /** TCP_NOTSENT_LOWAT and SO_SNDBUF for this connection (bounded lag for slow viewers). */
  private tune(socket: net.Socket): void {
    if (socket.remoteAddress === undefined) return; // a unix socket: no TCP options
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) this.ctx.tuneSocket(fd);
    socket.setNoDelay(true);
  }

  private accept(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.connections.delete(socket));
    new Connection(socket, this.ctx, this.name);
  }
}

/** One client connection: reads request heads (and small bodies), answers them in order. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  /** An answer is being prepared or written; later (pipelined) requests wait in `buf`. */
  private busy = false;
  /** A stream or an error answer owns the connection: whatever the client sends is ignored. */
  private done = false;
  private headTimer: NodeJS.Timeout | null = null;
  /** The client half-closed its side. */
  private ended = false;
  private streaming = false;
  private readonly remote: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly ctx: TransportContext,
    private readonly transport: string,
  ) {
    const addr = socket.remoteAddress;
    this.remote = addr === undefined ? 'unix' : addr.startsWith('::ffff:') ? addr.slice(7) : addr;
    socket.on('data', (d: Buffer) => this.onData(d));
    // The client finished sending: answer what it asked, then close. A stream viewer that hangs up
    // is gone at once (its FIN is all that tells a reader apart from a slow one).
    socket.on('end', () => {
      this.ended = true;
      if (this.streaming) socket.destroy();
      else if (!this.busy && !this.done) socket.end();
    });
    socket.on('close', () => this.clearHeadTimer());
    socket.setTimeout(KEEPALIVE_IDLE_MS, () => {
      if (!this.busy && !this.done) socket.destroy();
    });
  }

  private onData(d: Buffer): void {
    if (this.done) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.busy) this.next();
  }

  /** Serves the next complete request in the buffer, if any. */
  private next(): void {
    if (this.done || this.socket.destroyed) return;
    if (this.buf.length === 0) return;
    let req: Request;
    let end: number;
    let length: number;
    try {
      end = headEnd(this.buf);
      if (end < 0) {
        checkPartialHead(this.buf);
        this.armHeadTimer();
        return;
      }
      req = parseHead(this.buf.subarray(0, end), this.remote);
      length = bodyLength(req);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      this.fail(e.status, e.message);
      return;
    }
    if (this.buf.length < end + length) {
      this.armHeadTimer();
      return;
    }
    this.clearHeadTimer();
    const body = this.buf.subarray(end, end + length);
    this.buf = this.buf.subarray(end + length);
    this.busy = true;
    void this.ctx.answer(req, body).then((answer) => this.write(req, answer));
  }

  private write(req: Request, answer: Answer): void {
    const target = `${req.path}${req.query ? `?${req.query}` : ''}`;
    const status = 'stream' in answer || 'frame' in answer ? 200 : answer.status;
    this.ctx.access(`${this.remote} "${req.method} ${target} HTTP/${req.version}" ${status}`);
    if (this.socket.destroyed) {
      if ('frame' in answer) answer.frame.unref();
      return;
    }
    const head = req.method === 'HEAD';
    if ('stream' in answer) {
      this.stream(req, answer, head);
      return;
    }
    const keepAlive = wantsKeepAlive(req) && status < 500;
    const { headers } = headOf(answer);
    const bytes = bodyBytes(answer);
    headers.push(['Content-Length', String(bytes.length)], ['Connection', keepAlive ? 'keep-alive' : 'close']);
    const text = headText(req.version, status, headers);
    const release = releaser(answer);
    this.socket.cork();
    this.socket.write(text, 'latin1');
    if (!head && bytes.length > 0) this.socket.write(bytes, release);
    else release();
    this.socket.uncork();
    if ('frame' in answer) this.socket.once('close', release);
    if (!keepAlive) {
      this.done = true;
      this.socket.end();
      return;
    }
    this.busy = false;
    // Pipelined requests already in the buffer are answered in order.
    if (this.buf.length) setImmediate(() => this.next());
    else if (this.ended) this.socket.end();
  }

  private stream(req: Request, answer: Extract<Answer, { stream: unknown }>, head: boolean): void {
    this.done = true;
    this.buf = Buffer.alloc(0);
    const { headers } = headOf(answer);
    headers.push(['Connection', 'close']);
    const text = headText(req.version, 200, headers);
    if (head) {
      this.socket.end(text, 'latin1');
      return;
    }
    const { camera, options } = answer.stream;
    if (this.ended) {
      this.socket.destroy();
      return;
    }
    this.streaming = true;
    this.socket.setTimeout(0);
    this.socket.write(text + (options.advanceHeaders ? ADVANCE_PREAMBLE : STREAM_PREAMBLE), 'latin1');
    const sink = new SocketSink(this.socket, this.ctx.sendChunks);
    const handle = this.ctx.openStream(camera, sink, this.remote, this.transport, options);
    sink.onFlushed = () => handle.resume();
    sink.onCopied = (n) => handle.copied(n);
    log.debug(`stream client ${handle.client.info.id} from ${this.remote}`);
    this.socket.on('close', () => {
      sink.close();
      handle.close();
      log.debug(`stream client ${handle.client.info.id} gone`);
    });
  }

  /** Answers a request that can't be served and closes the connection. */
  private fail(status: number, message: string): void {
    this.done = true;
    this.clearHeadTimer();
    this.ctx.access(`${this.remote} (bad request: ${message}) ${status}`);
    const body = `${message}\n`;
    const text = headText('1.1', status, [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Connection', 'close'],
    ]);
    this.socket.end(text + body, 'latin1');
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private armHeadTimer(): void {
    if (this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      if (!this.busy && !this.done) this.fail(408, 'request head not complete in time');
    }, HEAD_TIMEOUT_MS);
  }

  private clearHeadTimer(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
  }
}

function headText(version: string, status: number, headers: [string, string][]): string {
  let text = `HTTP/${version} ${statusLine(status)}\r\n`;
  for (const [k, v] of headers) text += `${k}: ${v}\r\n`;
  return `${text}\r\n`;
}
