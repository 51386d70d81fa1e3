// MjpegClient: reads an MJPEG stream as an async iterator of frames, reconnecting with backoff when the
// server goes away, through a bounded pool (a slow consumer loses frames, never gains memory).
//
//   const client = new MjpegClient('http://camera:8080/stream');
//   for await (const frame of client) handle(frame.data);
import { EventEmitter } from 'node:events';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Restarter } from '../restarter';
import { VERSION } from '../version';
import { Connection } from './connection';
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from './digest';
import { FramePool } from './frame-pool';
import type { ResponseHead } from './http-response';
import type { Part } from './multipart-reader';

export interface MjpegFrame {
  /** The JPEG, exactly as the server sent it. */
  data: Buffer;
  /** 0, 1, 2, ... over the client's life (across reconnects), counting frames handed on. */
  seq: number;
  /** When the frame arrived (ms since the epoch). The server's own capture time, if it sends one, is
   * in headers['x-timestamp']. */
  timestamp: number;
  /** The part's headers, names in lower case. */
  headers: Record<string, string>;
}

export interface ReconnectOptions {
  /** First wait after a failure (ms); doubled after each failure in a row. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface MjpegClientOptions {
  /** Frames that may wait for the consumer (default 4); more are dropped and counted as overruns. */
  buffers?: number;
  /** Frames larger than this are discarded (not even buffered) and counted (default 8 MiB). */
  maxFrameBytes?: number;
  /** false: stop after the first connection ends. Default: reconnect, 250 ms doubling to 5 s. */
  reconnect?: boolean | ReconnectOptions;
  /** Credentials (instead of user:password@ in the URL): sent as Basic, or as Digest once the
   * server asks for it (IP cameras). */
  auth?: { user: string; password: string };
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** TLS options for https: URLs (ca, rejectUnauthorized, ...). */
  tls?: TlsOptions;
  /** A connection that brings nothing for this long is dropped and reopened (default 10 s). */
  idleTimeoutMs?: number;
}

export interface MjpegClientStats {
  /** Frames received per second, over the last full second. */
  fps: number;
  /** Frames dropped because every buffer was waiting for the consumer. */
  overruns: number;
  /** Connections opened after the first. */
  reconnects: number;
  /** Frames received (handed on, dropped as overruns, or not: discarded ones don't count). */
  total: number;
  /** Frames larger than maxFrameBytes, thrown away. */
  discarded: number;
  /** A stream is being received now. */
  connected: boolean;
  /** Why the last connection ended or failed, or null. */
  lastError: string | null;
}

/** Events: 'connect' (response head), 'disconnect' (reason), 'frame' is not emitted: iterate. */
export class MjpegClient extends EventEmitter implements AsyncIterable<MjpegFrame> {
  readonly url: URL;
  private readonly pool: FramePool<MjpegFrame>;
  private readonly maxFrameBytes: number;
  /** Reconnects with backoff; null when reconnecting is off. */
  private readonly restarter: Restarter | null;
  private connection: Connection | null = null;
  private closed = false;
  private connected = false;
  private seq = 0;
  private total = 0;
  private discarded = 0;
  private lastError: string | null = null;
  private readonly fpsWindow = { since: Date.now(), count: 0, fps: 0 };
  private readonly credentials: { user: string; password: string } | null;
  /** The server's Digest challenge, once it sent one, and the requests made with its nonce. */
  private digest: { challenge: DigestChallenge; nc: number } | null = null;
  /** The last connection got a Digest challenge to answer: retry at once with it. */
  private retryWithDigest = false;
  /** The last request carried a Digest answer (a 401 to it means wrong credentials). */
  private sentDigest = false;
  /** Instant Digest retries since the last stream was opened (bounded against odd servers). */
  private authRounds = 0;

  constructor(
    url: string | URL,
    private readonly options: MjpegClientOptions = {},
  ) {
    super();
    this.url = new URL(url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new TypeError(`MjpegClient: ${this.url.protocol} URLs are not supported (http: or https:)`);
    this.pool = new FramePool(options.buffers ?? 4);
    this.maxFrameBytes = options.maxFrameBytes ?? 8 * 1024 * 1024;
    const r = options.reconnect ?? true;
    const reconnect: Required<ReconnectOptions> | null = r === false ? null : { initialDelayMs: 250, maxDelayMs: 5000, ...(r === true ? {} : r) };
    this.restarter = reconnect && new Restarter(() => this.open(), { firstMs: reconnect.initialDelayMs, maxMs: reconnect.maxDelayMs });
    const u = this.url;
    this.credentials = options.auth ?? (u.username ? { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : null);
    // Started at once: the stream is live, frames that nobody takes yet are overruns like any others.
    this.open();
  }

  stats(): MjpegClientStats {
    this.rollFps();
    return {
      fps: this.fpsWindow.fps,
      overruns: this.pool.overruns,
      reconnects: this.restarter?.restarts ?? 0,
      total: this.total,
      discarded: this.discarded,
      connected: this.connected,
      lastError: this.lastError,
    };
  }

  /** The next frame, or null once the client is closed (or the stream ended with reconnect off). */
  next(): Promise<MjpegFrame | null> {
    return this.pool.take();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MjpegFrame> {
    try {
      for (;;) {
        const frame = await this.pool.take();
        if (frame === null) return;
        yield frame;
      }
    } finally {
      // Leaving the loop (break, throw) ends the client: nobody reads it any more.
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.restarter?.stop();
    this.connection?.close();
    this.connection = null;
    this.pool.close();
  }

  private open(): void {
    const connection = new Connection(
      {
        url: this.url,
        authorization: this.authorization(),
        headers: this.options.headers ?? {},
        tls: this.options.tls ?? {},
        maxFrameBytes: this.maxFrameBytes,
        idleTimeoutMs: this.options.idleTimeoutMs ?? 10000,
        userAgent: `mjpgd-client/${VERSION}`,
      },
      {
        head: (head) => this.onHead(head),
        unauthorized: (challenge) => this.onUnauthorized(challenge),
        event: (e) => (e.kind === 'part' ? this.onPart(e.part) : this.discarded++),
        end: (reason) => this.onEnd(connection, reason),
      },
    );
    this.connection = connection;
    connection.open();
  }

  /** Basic until the server asks for Digest; then Digest with its nonce, counting requests (nc). */
  private authorization(): string | null {
    const c = this.credentials;
    this.sentDigest = false;
    if (!c) return null;
    if (this.digest) {
      const d = this.digest;
      const header = digestAuthorization(d.challenge, c.user, c.password, 'GET', `${this.url.pathname}${this.url.search}`, ++d.nc);
      this.sentDigest = header !== null;
      if (header) return header;
    }
    return `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
  }

  private onUnauthorized(header: string): void {
    const challenge = this.credentials ? parseDigestChallenge(header) : null;
    if (!challenge) return;
    // A 401 to a Digest answer means wrong credentials (unless the server says the nonce merely went
    // stale): no instant retry then, the normal backoff applies. So a server that sends a new nonce
    // with every 401 can't make the client spin.
    this.retryWithDigest = (!this.sentDigest || /\bstale\s*=\s*"?true/i.test(header)) && this.authRounds++ < 2;
    this.digest = { challenge, nc: 0 };
  }

  private onHead(head: ResponseHead): void {
    this.authRounds = 0;
    this.connected = true;
    this.emit('connect', head);
  }

  private onPart(part: Part): void {
    // A frame means the server works: the next failure starts the backoff from the beginning.
    this.restarter?.reset();
    this.total++;
    this.rollFps();
    this.fpsWindow.count++;
    const frame: MjpegFrame = { data: part.body, seq: this.seq, timestamp: Date.now(), headers: part.headers };
    if (this.pool.put(frame)) this.seq++;
  }

  private onEnd(connection: Connection, reason: string): void {
    if (connection !== this.connection) return;
    this.connection = null;
    const wasConnected = this.connected;
    this.connected = false;
    if (this.closed) return;
    // The answer to a Digest challenge is part of connecting, not a failure: at once, not counted,
    // and also when reconnecting is off.
    if (this.retryWithDigest) {
      this.retryWithDigest = false;
      this.open();
      return;
    }
    this.lastError = reason;
    this.emit('disconnect', reason, wasConnected);
    if (!this.restarter) {
      this.pool.end();
      return;
    }
    this.restarter.schedule();
  }

  /** Closes the one-second fps window(s) that have passed. */
  private rollFps(): void {
    const w = this.fpsWindow;
    const now = Date.now();
    const elapsed = now - w.since;
    if (elapsed < 1000) return;
    // Frames over the time that really passed; a window with no frames at all reads 0.
    w.fps = elapsed < 2000 ? Math.round((w.count * 10000) / elapsed) / 10 : 0;
    w.count = 0;
    w.since = now;
  }
}
