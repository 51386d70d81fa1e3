// One connection to an MJPEG URL: opens the socket (plain or TLS), sends the GET, reads the response
// head, and hands on the JPEG parts as they arrive. Knows nothing of reconnecting or consumers.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ChunkedDecoder, parseHead, type ResponseHead } from './http-response';
import { boundaryOf, MultipartReader, type ReaderEvent } from './multipart-reader';

export interface ConnectionOptions {
  url: URL;
  /** The Authorization header value for this request (Basic or Digest), or null. */
  authorization: string | null;
  headers: Record<string, string>;
  /** Extra TLS options for https: URLs (ca, rejectUnauthorized, servername, ...). */
  tls: tls.ConnectionOptions;
  maxFrameBytes: number;
  /** Give up on a connection that brings no byte for this long (ms): a silent origin is a gone one. */
  idleTimeoutMs: number;
  userAgent: string;
}

export interface ConnectionEvents {
  head(head: ResponseHead): void;
  event(e: ReaderEvent): void;
  /** The server answered 401; `challenge` is its WWW-Authenticate header ("" if none). Before end(). */
  unauthorized(challenge: string): void;
  /** The connection ended; `reason` says why (server closed, error, bad response). Called once. */
  end(reason: string): void;
}

export class Connection {
  private socket: net.Socket | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private head: ResponseHead | null = null;
  private chunked: ChunkedDecoder | null = null;
  private reader: MultipartReader | null = null;
  private ended = false;

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly on: ConnectionEvents,
  ) {}

  open(): void {
    const u = this.opts.url;
    const secure = u.protocol === 'https:';
    const port = Number(u.port || (secure ? 443 : 80));
    // URL keeps IPv6 literals in brackets; sockets want them bare.
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket = secure
      ? tls.connect({ servername: net.isIP(host) ? undefined : host, ...this.opts.tls, host, port })
      : net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.idleTimeoutMs, () => this.finish(`no data for ${this.opts.idleTimeoutMs / 1000} s`));
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(this.request()));
    socket.on('data', (d: Buffer) => {
      try {
        this.receive(d);
      } catch (e) {
        this.finish((e as Error).message);
      }
    });
    socket.on('error', (e) => this.finish(e.message));
    socket.on('close', () => {
      // A last part without Content-Length is complete only now.
      if (!this.ended && this.reader) for (const e of this.reader.end()) this.on.event(e);
      this.finish(this.head ? 'the server closed the stream' : 'the server closed the connection before answering');
    });
  }

  close(): void {
    this.finish('closed');
  }

  private request(): string {
    const u = this.opts.url;
    const lines = [
      `GET ${u.pathname}${u.search} HTTP/1.1`,
      `Host: ${u.host}`,
      `User-Agent: ${this.opts.userAgent}`,
      'Accept: multipart/x-mixed-replace, */*',
      // One stream per connection; no keep-alive to manage.
      'Connection: close',
    ];
    if (this.opts.authorization) lines.push(`Authorization: ${this.opts.authorization}`);
    for (const [k, v] of Object.entries(this.opts.headers)) lines.push(`${k}: ${v}`);
    return `${lines.join('\r\n')}\r\n\r\n`;
  }

  private receive(data: Buffer): void {
    if (this.ended) return;
    if (!this.head) {
      this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
      const parsed = parseHead(this.pending);
      if (!parsed) return;
      this.pending = Buffer.alloc(0);
      this.start(parsed.head);
      if (this.ended) return;
      data = parsed.rest;
      if (data.length === 0) return;
    }
    const bodies = this.chunked ? this.chunked.feed(data) : [data];
    for (const b of bodies) for (const e of this.reader!.feed(b)) this.on.event(e);
    if (this.chunked?.done) this.finish('the server ended the stream');
  }

  private start(head: ResponseHead): void {
    if (head.status === 401) this.on.unauthorized(head.headers['www-authenticate'] ?? '');
    if (head.status !== 200) {
      const hint = head.status === 401 ? ' (wrong or missing user/password)' : '';
      this.finish(`HTTP ${head.status}${head.reason ? ` ${head.reason}` : ''}${hint}`);
      return;
    }
    const type = head.headers['content-type'] ?? '';
    const boundary = boundaryOf(type);
    if (boundary === null) {
      this.finish(`not an MJPEG stream (Content-Type: ${type || 'none'})`);
      return;
    }
    this.head = head;
    this.reader = new MultipartReader(boundary, this.opts.maxFrameBytes);
    if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) this.chunked = new ChunkedDecoder();
    this.on.head(head);
  }

  private finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.socket?.destroy();
    this.socket = null;
    this.on.end(reason);
  }
}
