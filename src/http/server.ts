// The uWebSockets.js HTTP(S) server: listeners (IPv4/IPv6 addresses, a unix socket, TLS), auth, the
// access log, and writing streams and snapshots to uWS responses. What to answer is in core.ts.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Camera } from '../camera';
import { log } from '../log';
import { binding } from '../native/binding';
import { ADVANCE_HEADER, formatTimestamp, STREAM_CONTENT_TYPE } from '../stream/multipart';
import { Auth, AUTH_CHALLENGE, type AuthOptions } from './auth';
import { RequestCore, type TextAnswer } from './core';
import { Http10Listener } from './http10';
import { streamOptions, type ParsedRequest } from './routes';
import { checkTls, type TlsFiles } from './tls';
import { ENDLESS, UwsSink } from './uws-sink';
import { loadUws, type Uws } from './uws';

export interface ServerOptions {
  /** Addresses to listen on ("0.0.0.0", "::", "127.0.0.1", "::1", ...). */
  hosts: string[];
  port: number;
  unixSocket: string | null;
  /** Port of the HTTP/1.0 listener (see http10.ts); null: none. 0 picks a free port. */
  http10Port: number | null;
  maxClients: number;
  snapshotMaxDelayMs: number;
  version: string;
  /** HTTPS: on `port`, or on `httpsPort` with plain HTTP kept on `port`. */
  tls: TlsFiles | null;
  httpsPort: number | null;
  /** With httpsPort: plain HTTP answers with a redirect to HTTPS. */
  redirectHttp: boolean;
  auth: AuthOptions;
  accessLog: boolean;
  /** TCP_NOTSENT_LOWAT for viewer connections (bytes); 0 leaves the kernel default. */
  unsentLimit: number;
  /** SO_SNDBUF for viewer connections (bytes); 0 leaves the kernel's autotuning. */
  sendBuffer: number;
}

const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';

interface Listener {
  app: TemplatedApp;
  scheme: 'http' | 'https';
  port: number;
}

export class HttpServer {
  private readonly uws: Uws;
  readonly core: RequestCore;
  private readonly listeners: Listener[] = [];
  private readonly sockets: us_listen_socket[] = [];
  private http10: Http10Listener | null = null;
  /** Actual ports after listening (0 in the options picks a free one). */
  port = 0;
  httpsPort = 0;
  http10Port = 0;

  constructor(
    cameras: Camera[],
    private readonly opts: ServerOptions,
  ) {
    this.uws = loadUws();
    const auth = new Auth(opts.auth);
    this.core = new RequestCore(cameras, { maxClients: opts.maxClients, snapshotMaxDelayMs: opts.snapshotMaxDelayMs, version: opts.version, auth });
    const serve = (app: TemplatedApp) => app.any('/*', (res, req) => this.handle(res, req));
    if (opts.tls) {
      checkTls(opts.tls); // clear errors at start-up instead of a failed listen
      const tlsOptions = { cert_file_name: opts.tls.cert, key_file_name: opts.tls.key, passphrase: opts.tls.passphrase ?? undefined };
      const secure = serve(this.uws.SSLApp(tlsOptions));
      if (opts.httpsPort === null) {
        this.listeners.push({ app: secure, scheme: 'https', port: opts.port });
      } else {
        const plain = this.uws.App();
        if (opts.redirectHttp) plain.any('/*', (res, req) => this.redirectToHttps(res, req));
        else serve(plain);
        this.listeners.push({ app: plain, scheme: 'http', port: opts.port }, { app: secure, scheme: 'https', port: opts.httpsPort });
      }
    } else {
      this.listeners.push({ app: serve(this.uws.App()), scheme: 'http', port: opts.port });
    }
  }

  /** Opens every listener; throws a message naming the address that failed. */
  async listen(): Promise<void> {
    try {
      for (const l of this.listeners) {
        let port = l.port;
        for (const host of this.opts.hosts) port = await this.listenOn(l.app, host, port);
        this.limitUnsent(port);
        if (l === this.listeners[0]) this.port = port;
        if (l.scheme === 'https') this.httpsPort = port;
      }
      if (this.opts.unixSocket) await this.listenUnix(this.listeners[0].app, this.opts.unixSocket);
      if (this.opts.http10Port !== null) {
        this.http10 = new Http10Listener(this.core, this.opts.maxClients + 64, (m) => this.access(m));
        this.http10Port = await this.http10.listen(this.opts.hosts[0], this.opts.http10Port);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** URLs a person can open (for the start-up log). */
  urls(): string[] {
    const shown = this.opts.hosts.map((h) => (h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h));
    const out: string[] = [];
    for (const h of shown) {
      const host = h.includes(':') ? `[${h}]` : h;
      if (this.listeners[0].scheme === 'http' && !this.opts.redirectHttp) out.push(`http://${host}:${this.port}/`);
      if (this.httpsPort) out.push(`https://${host}:${this.httpsPort}/`);
    }
    if (this.opts.unixSocket) out.push(`unix:${this.opts.unixSocket}`);
    return out;
  }

  close(): void {
    for (const s of this.sockets) this.uws.us_listen_socket_close(s);
    this.sockets.length = 0;
    this.http10?.close();
    this.http10 = null;
  }

  private listenOn(app: TemplatedApp, host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      app.listen(host, port, (token) => {
        if (!token) {
          reject(new Error(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port} (address in use, or not an address of this machine)`));
          return;
        }
        this.sockets.push(token);
        resolve(this.uws.us_socket_local_port(token));
      });
    });
  }

  private listenUnix(app: TemplatedApp, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      app.listen_unix((token) => {
        if (!token) {
          reject(new Error(`cannot listen on unix socket ${path} (folder missing, or no permission)`));
          return;
        }
        this.sockets.push(token);
        resolve();
      }, path);
    });
  }

  /** Keeps what a slow viewer's connection queues in the kernel small, so it skips frames instead of
   * lagging seconds behind (see crates/capture/src/sockopt.rs). */
  private limitUnsent(port: number): void {
    if (this.opts.unsentLimit <= 0 && this.opts.sendBuffer <= 0) return;
    try {
      binding().limitUnsent(port, this.opts.unsentLimit > 0 ? this.opts.unsentLimit : 0x7fffffff, this.opts.sendBuffer);
    } catch (e) {
      log.warn(`${(e as Error).message}; slow viewers may lag behind`);
    }
  }

  private access(message: string): void {
    if (this.opts.accessLog) log.info(`access: ${message}`);
  }

  private redirectToHttps(res: HttpResponse, req: HttpRequest): void {
    const host = (req.getHeader('host') || '127.0.0.1').replace(/:\d+$/, '');
    const query = req.getQuery();
    const target = `https://${host}:${this.httpsPort}${req.getUrl()}${query ? `?${query}` : ''}`;
    this.access(`${remoteOf(res)} "${req.getMethod().toUpperCase()} ${req.getUrl()}" 301`);
    res.cork(() => res.writeStatus('301 Moved Permanently').writeHeader('Location', target).end(`see ${target}\n`));
  }

  private handle(res: HttpResponse, req: HttpRequest): void {
    const method = req.getMethod();
    const url = req.getUrl();
    const parsed = this.core.parse(url, req.getQuery() ?? '');
    const line = `${remoteOf(res)} "${method.toUpperCase()} ${url}${req.getQuery() ? `?${req.getQuery()}` : ''}"`;
    if (method !== 'get' && method !== 'head') {
      this.access(`${line} 405`);
      res.cork(() => res.writeStatus('405 Method Not Allowed').writeHeader('Allow', 'GET, HEAD').end('only GET and HEAD\n'));
      return;
    }
    if (!this.core.authorized(req.getHeader('authorization'), parsed)) {
      this.access(`${line} 401`);
      res.cork(() =>
        res.writeStatus('401 Unauthorized').writeHeader('WWW-Authenticate', AUTH_CHALLENGE).writeHeader('Content-Type', 'text/plain')
          .end('authentication required\n'),
      );
      return;
    }
    const head = method === 'head';
    if (parsed.route === 'stream') return this.stream(res, parsed, head, line);
    if (parsed.route === 'snapshot') return this.snapshot(res, parsed, head, line);
    const answer = this.core.text(parsed, url.endsWith('/') ? url.slice(0, -1) : url);
    this.access(`${line} ${answer.status.slice(0, 3)}`);
    this.text(res, answer, head);
  }

  private text(res: HttpResponse, a: TextAnswer, head: boolean): void {
    res.cork(() => {
      res.writeStatus(a.status).writeHeader('Content-Type', a.type).writeHeader('Cache-Control', NO_CACHE);
      for (const [k, v] of Object.entries(a.headers ?? {})) res.writeHeader(k, v);
      if (head) res.endWithoutBody(Buffer.byteLength(a.body));
      else res.end(a.body);
    });
  }

  private stream(res: HttpResponse, req: ParsedRequest, head: boolean, line: string): void {
    const refused = this.core.refuseStream();
    if (refused) {
      this.access(`${line} 503`);
      res.cork(() =>
        res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '10').writeHeader('Content-Type', 'text/plain')
          .writeHeader('Cache-Control', NO_CACHE).end(refused),
      );
      return;
    }
    this.access(`${line} 200`);
    const sink = new UwsSink(res);
    const options = streamOptions(req.query);
    res.cork(() => {
      res.writeStatus('200 OK')
        .writeHeader('Content-Type', STREAM_CONTENT_TYPE)
        .writeHeader('Cache-Control', NO_CACHE)
        .writeHeader('Pragma', 'no-cache')
        .writeHeader('Access-Control-Allow-Origin', '*');
      if (head) {
        sink.open = false;
        res.endWithoutBody(0);
      } else if (options.advanceHeaders) {
        // The first part's header; every frame then ends with the next one's (see ADVANCE_TRAILER).
        res.tryEnd(ADVANCE_HEADER, ENDLESS);
      }
    });
    if (head) return;
    const remote = remoteOf(res);
    const stream = this.core.openStream(req, sink, remote, 'uws', options);
    log.debug(`stream client ${stream.client.info.id} from ${remote}`);
    res.onAborted(() => {
      sink.open = false;
      stream.close();
      log.debug(`stream client ${stream.client.info.id} gone`);
    });
    res.onWritable(() => {
      stream.resume();
      return stream.client.pending === null;
    });
  }

  private snapshot(res: HttpResponse, req: ParsedRequest, head: boolean, line: string): void {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void this.core.snapshotFrame(req).then((frame) => {
      if (aborted) {
        frame?.unref();
        return;
      }
      this.access(`${line} ${frame ? 200 : 503}`);
      res.cork(() => {
        if (!frame) {
          res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '5').writeHeader('Content-Type', 'text/plain')
            .end(this.core.snapshotError(req));
          return;
        }
        res.writeStatus('200 OK').writeHeader('Content-Type', 'image/jpeg').writeHeader('Cache-Control', NO_CACHE)
          .writeHeader('X-Timestamp', formatTimestamp(frame.timestampUs)).writeHeader('Access-Control-Allow-Origin', '*');
        if (head) res.endWithoutBody(frame.jpeg.length);
        else res.end(frame.jpeg);
      });
      frame?.unref();
    });
  }
}

/** The viewer's address, IPv6 in its short form (uWS spells it out in full); "unix" on the unix socket. */
function remoteOf(res: HttpResponse): string {
  const text = Buffer.from(res.getRemoteAddressAsText()).toString();
  if (text === '') return 'unix';
  if (!text.includes(':')) return text;
  const short = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return short.startsWith('::ffff:') && short.includes('.') ? short.slice(7) : short;
}
