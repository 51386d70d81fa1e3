// The HTTP/1.0 listener: a small Node `net` server for the clients uWebSockets.js can't serve.
//
// Why a second port: the uWS build mjpgd uses never answers a request whose line doesn't end in
// " HTTP/1.1" (nor one without Host): it waits for more bytes until its idle timeout. Its JS API can't
// hand a socket over, or adopt one accepted elsewhere, so serving both versions on one port would mean a
// Node front that peeks at every request and pipes every HTTP/1.1 connection through to uWS: one more
// socket hop and copy for every viewer, twice the socket buffers (so more lag on slow links), and the
// engine could no longer see what each viewer actually took. Instead uWS keeps the main port (every
// HTTP/1.1 client, i.e. nearly all, talks to it directly) and this listener serves the rest on
// --http10-port. Responses here carry no Content-Length on streams and end with the connection, which
// is what HTTP/1.0 clients (relays, recorders, NVRs, `curl -0`) read.
import net from 'node:net';
import { log } from '../log';
import type { ClientSink } from '../stream/client';
import type { Chunks } from '../stream/frame';
import { ADVANCE_HEADER, formatTimestamp, STREAM_CONTENT_TYPE } from '../stream/multipart';
import { AUTH_CHALLENGE } from './auth';
import type { RequestCore } from './core';
import { streamOptions, type ParsedRequest } from './routes';

const MAX_HEAD = 8192;
const HEAD_TIMEOUT_MS = 10_000;
const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';

/** A stream viewer on a Node socket. Node takes every write whole and queues what the kernel didn't
 * take; the sink reports only what the kernel took, keeps "owed" the rest Node holds (it references
 * the frame's memory, no copy), and tells the engine to resume once Node has flushed it. */
class SocketSink implements ClientSink {
  private owed = 0;
  private open = true;
  onFlushed: () => void = () => {};

  constructor(private readonly socket: net.Socket) {}

  write(chunks: Chunks, offset: number): number {
    const rest = chunks.length - offset;
    if (!this.open) return rest;
    if (this.owed > 0) {
      // The engine re-offers the rest of the part after a flush: Node already sent it.
      this.owed = 0;
      return rest;
    }
    // One callback for the part, on its last piece: when Node has handed it all to the kernel.
    const pieces: Buffer[] = [];
    let skip = offset;
    for (const chunk of chunks.list) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      pieces.push(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
    this.socket.cork();
    pieces.forEach((p, i) => this.socket.write(p, i === pieces.length - 1 ? this.afterWrite : undefined));
    this.socket.uncork();
    const queued = (this.socket as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize;
    const held = Math.min(rest, typeof queued === 'number' ? queued : this.socket.writableLength);
    this.owed = held;
    return rest - held;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.socket.destroy();
  }

  private readonly afterWrite = (err?: Error | null): void => {
    if (err || !this.open || this.owed === 0) return;
    this.onFlushed();
  };
}

export class Http10Listener {
  private readonly server: net.Server;
  port = 0;

  constructor(
    private readonly core: RequestCore,
    maxConnections: number,
    private readonly access: (line: string) => void = () => {},
  ) {
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    this.server.maxConnections = maxConnections;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(`cannot listen on ${host}:${port} for HTTP/1.0 (${e.code ?? e.message})`)),
      );
      this.server.listen({ host, port, exclusive: true }, () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  close(): void {
    this.server.close();
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HEAD_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      head = head.length ? Buffer.concat([head, d]) : d;
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) {
        if (head.length > MAX_HEAD) {
          clearTimeout(timer);
          socket.off('data', onData);
          this.reply(socket, 'HTTP/1.0', '431 Request Header Fields Too Large', 'text/plain', 'request head too long\n', false);
        }
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      // Whatever the client sends after its request is read and ignored (so a reset is noticed).
      socket.on('data', () => {});
      this.handle(socket, head.subarray(0, end + sep).toString('latin1'));
    };
    socket.on('data', onData);
    socket.on('close', () => clearTimeout(timer));
  }

  private handle(socket: net.Socket, head: string): void {
    const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])\r?\n/.exec(head);
    if (!m) {
      this.reply(socket, 'HTTP/1.0', '400 Bad Request', 'text/plain', 'bad request line\n', false);
      return;
    }
    const [, method, target, version] = m;
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const req = this.core.parse(path, q < 0 ? '' : target.slice(q + 1));
    const line = `${remoteOf(socket)} "${method} ${target} ${version}"`;
    if (method !== 'GET' && method !== 'HEAD') {
      this.access(`${line} 405`);
      this.reply(socket, version, '405 Method Not Allowed', 'text/plain', 'only GET and HEAD\n', false, 'Allow: GET, HEAD\r\n');
      return;
    }
    const authorization = /\r?\nauthorization:[ \t]*([^\r\n]*)/i.exec(head)?.[1] ?? '';
    if (!this.core.authorized(authorization.trim(), req)) {
      this.access(`${line} 401`);
      this.reply(socket, version, '401 Unauthorized', 'text/plain', 'authentication required\n', false, `WWW-Authenticate: ${AUTH_CHALLENGE}\r\n`);
      return;
    }
    const bodyless = method === 'HEAD';
    if (req.route === 'stream') return this.stream(socket, version, req, bodyless, line);
    if (req.route === 'snapshot') return void this.snapshot(socket, version, req, bodyless, line);
    const r = this.core.text(req, path.endsWith('/') ? path.slice(0, -1) : path);
    this.access(`${line} ${r.status.slice(0, 3)}`);
    const extra = Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.reply(socket, version, r.status, r.type, r.body, bodyless, extra);
  }

  private reply(socket: net.Socket, version: string, status: string, type: string, body: string | Buffer, bodyless: boolean, extra = ''): void {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    socket.write(
      `${version} ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\nCache-Control: ${NO_CACHE}\r\n${extra}Connection: close\r\n\r\n`,
      'latin1',
    );
    if (!bodyless) socket.write(body);
    socket.end();
  }

  private stream(socket: net.Socket, version: string, req: ParsedRequest, bodyless: boolean, line: string): void {
    const refused = this.core.refuseStream();
    if (refused) {
      this.access(`${line} 503`);
      this.reply(socket, version, '503 Service Unavailable', 'text/plain', refused, bodyless, 'Retry-After: 10\r\n');
      return;
    }
    this.access(`${line} 200`);
    const options = streamOptions(req.query);
    const head =
      `${version} 200 OK\r\nContent-Type: ${STREAM_CONTENT_TYPE}\r\nCache-Control: ${NO_CACHE}\r\nPragma: no-cache\r\n` +
      `Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n`;
    if (bodyless) {
      socket.end(head, 'latin1');
      return;
    }
    socket.write(options.advanceHeaders ? head + ADVANCE_HEADER : head, 'latin1');
    const sink = new SocketSink(socket);
    const stream = this.core.openStream(req, sink, remoteOf(socket), 'http10', options);
    sink.onFlushed = () => stream.resume();
    socket.on('close', () => {
      sink.close();
      stream.close();
      log.debug(`stream client ${stream.client.info.id} (HTTP/1.0) gone`);
    });
    // A half-close (the client shut its sending side after the request) is normal for HTTP/1.0 tools.
    socket.on('end', () => {});
  }

  private async snapshot(socket: net.Socket, version: string, req: ParsedRequest, bodyless: boolean, line: string): Promise<void> {
    const frame = await this.core.snapshotFrame(req);
    if (socket.destroyed) {
      frame?.unref();
      return;
    }
    this.access(`${line} ${frame ? 200 : 503}`);
    if (!frame) {
      this.reply(socket, version, '503 Service Unavailable', 'text/plain', this.core.snapshotError(req), bodyless, 'Retry-After: 5\r\n');
      return;
    }
    socket.write(
      `${version} 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.jpeg.length}\r\nCache-Control: ${NO_CACHE}\r\n` +
        `X-Timestamp: ${formatTimestamp(frame.timestampUs)}\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n`,
      'latin1',
    );
    if (bodyless) {
      frame.unref();
      socket.end();
      return;
    }
    // The frame is held until Node has handed the JPEG to the kernel (or the socket is gone).
    let held = true;
    const release = () => {
      if (held) {
        held = false;
        frame.unref();
      }
    };
    socket.end(frame.jpeg, release);
    socket.once('close', release);
  }
}

function remoteOf(socket: net.Socket): string {
  const remote = socket.remoteAddress ?? '';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}
