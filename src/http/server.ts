// The uWebSockets.js HTTP server: routes requests to the camera's stream, snapshot and state.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Camera } from '../camera';
import { log } from '../log';
import type { ClientOptions, ClientSink, StreamClient } from '../stream/client';
import type { SharedFrame } from '../stream/frame';
import { ADVANCE_HEADER, formatTimestamp, STREAM_CONTENT_TYPE } from '../stream/multipart';
import { Http10Listener, type RequestCore } from './http10';
import { metricsText, METRICS_CONTENT_TYPE } from './metrics';
import { parseRequest, streamOptions, type Route } from './routes';
import { loadUws, type Uws } from './uws';
import { viewerPage } from './viewer';

export interface ServerOptions {
  host: string;
  port: number;
  /** Above this many stream clients, newcomers get 503. */
  maxClients: number;
  /** A snapshot may be this old (ms); older, the request waits for the next capture. */
  snapshotMaxDelayMs: number;
  version: string;
  /** Port of the HTTP/1.0 listener (see http10.ts); null: none. 0 picks a free port. */
  http10Port?: number | null;
}

/** The body length announced for streams. uWS either sends chunked encoding (which HTTP/1.0 clients
 * can't read, and whose buffering can't be bounded) or a fixed length; a length no stream reaches
 * lets us send with tryEnd and know exactly what each connection took. */
const ENDLESS = Number.MAX_SAFE_INTEGER;
const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';

export class HttpServer implements RequestCore {
  private readonly uws: Uws;
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private http10: Http10Listener | null = null;
  private readonly startedAt = Date.now();
  port = 0;
  /** Port of the HTTP/1.0 listener, 0 when there is none. */
  http10Port = 0;

  constructor(
    private readonly camera: Camera,
    private readonly opts: ServerOptions,
  ) {
    this.uws = loadUws();
    this.app = this.uws.App();
    this.app.any('/*', (res, req) => this.handle(res, req));
  }

  async listen(): Promise<number> {
    const port = await this.listenUws();
    if (this.opts.http10Port !== null && this.opts.http10Port !== undefined) {
      this.http10 = new Http10Listener(this, this.opts.maxClients + 64);
      try {
        this.http10Port = await this.http10.listen(this.opts.host, this.opts.http10Port);
      } catch (e) {
        this.close();
        throw e;
      }
    }
    return port;
  }

  private listenUws(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(this.opts.host, this.opts.port, (token) => {
        if (!token) {
          reject(new Error(`cannot listen on ${this.opts.host}:${this.opts.port} (address in use, or not an address of this machine)`));
          return;
        }
        this.listenSocket = token;
        this.port = this.uws.us_socket_local_port(token);
        resolve(this.port);
      });
    });
  }

  close(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.http10?.close();
    this.http10 = null;
  }

  state() {
    const cam = this.camera.state();
    return {
      version: this.opts.version,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      clients: cam.stream.clients,
      cameras: [cam],
    };
  }

  private handle(res: HttpResponse, req: HttpRequest): void {
    const method = req.getMethod();
    const { route, query } = parseRequest(req.getUrl(), req.getQuery() ?? '');
    if (method !== 'get' && method !== 'head') {
      res.cork(() => res.writeStatus('405 Method Not Allowed').writeHeader('Allow', 'GET, HEAD').end('only GET and HEAD\n'));
      return;
    }
    const head = method === 'head';
    if (route === 'stream') return this.stream(res, query, head);
    if (route === 'snapshot') return this.snapshot(res, head);
    const r = this.textResponse(route, query);
    this.text(res, r.status, r.type, r.body, head);
  }

  /** The answers that are plain text, the same on both listeners. */
  textResponse(route: Route, query: URLSearchParams): { status: string; type: string; body: string } {
    switch (route) {
      case 'state':
        return { status: '200 OK', type: 'application/json', body: JSON.stringify(this.state(), null, 2) + '\n' };
      case 'metrics': {
        const perClient = query.get('clients') === '1';
        const uptime = Math.round((Date.now() - this.startedAt) / 1000);
        return { status: '200 OK', type: METRICS_CONTENT_TYPE, body: metricsText([this.camera], uptime, perClient) };
      }
      case 'viewer':
        return { status: '200 OK', type: 'text/html; charset=utf-8', body: viewerPage(`mjpgd ${this.camera.name}`) };
      default:
        return { status: '404 Not Found', type: 'text/plain', body: 'not found; try /stream, /snapshot, /state, /metrics\n' };
    }
  }

  refuseStream(): string | null {
    const limit = this.opts.maxClients;
    return this.camera.fanout.clientCount >= limit ? `too many viewers (limit ${limit})\n` : null;
  }

  openStream(sink: ClientSink, remoteAddress: string, transport: string, options: ClientOptions): StreamClient {
    const client = this.camera.fanout.addClient(sink, { remoteAddress, transport, options });
    log.debug(`stream client ${client.info.id} (${transport}) from ${remoteAddress}`);
    return client;
  }

  closeStream(client: StreamClient): void {
    this.camera.fanout.removeClient(client);
  }

  resumeStream(client: StreamClient): void {
    this.camera.fanout.resume(client);
  }

  /** A frame captured at most --snapshot-max-delay ms before now, or the next one (null after 5 s). */
  snapshotFrame(): Promise<SharedFrame | null> {
    const since = Date.now() * 1000 - this.opts.snapshotMaxDelayMs * 1000;
    return this.camera.fanout.frameAfter(since, 5000);
  }

  snapshotError(): string {
    return `no frame from the camera${this.camera.error ? `: ${this.camera.error}` : ''}\n`;
  }

  private text(res: HttpResponse, status: string, type: string, body: string, head: boolean): void {
    res.cork(() => {
      res.writeStatus(status).writeHeader('Content-Type', type).writeHeader('Cache-Control', NO_CACHE);
      if (head) res.endWithoutBody(Buffer.byteLength(body));
      else res.end(body);
    });
  }

  private stream(res: HttpResponse, query: URLSearchParams, head: boolean): void {
    const refused = this.refuseStream();
    if (refused) {
      res.cork(() =>
        res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '10').writeHeader('Content-Type', 'text/plain')
          .writeHeader('Cache-Control', NO_CACHE).end(refused),
      );
      return;
    }
    const options = streamOptions(query);
    const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
    let open = true;
    const sink: ClientSink = {
      write(chunk) {
        if (!open) return chunk.length;
        let taken = 0;
        res.cork(() => {
          const before = res.getWriteOffset();
          const [ok] = res.tryEnd(chunk, ENDLESS);
          taken = ok ? chunk.length : res.getWriteOffset() - before;
        });
        return taken;
      },
      close() {
        if (open) {
          open = false;
          res.close();
        }
      },
    };
    res.cork(() => {
      res.writeStatus('200 OK')
        .writeHeader('Content-Type', STREAM_CONTENT_TYPE)
        .writeHeader('Cache-Control', NO_CACHE)
        .writeHeader('Pragma', 'no-cache')
        .writeHeader('Access-Control-Allow-Origin', '*');
      if (head) {
        open = false;
        res.endWithoutBody(0);
      } else if (options.advanceHeaders) {
        // The first part's header; every frame then ends with the next one's (see ADVANCE_TRAILER).
        res.tryEnd(ADVANCE_HEADER, ENDLESS);
      }
    });
    if (head) return;
    const client = this.openStream(sink, remoteAddress, 'uws', options);
    res.onAborted(() => {
      open = false;
      this.closeStream(client);
      log.debug(`stream client ${client.info.id} gone`);
    });
    res.onWritable(() => {
      this.resumeStream(client);
      return client.pending === null;
    });
  }

  private snapshot(res: HttpResponse, head: boolean): void {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void this.snapshotFrame().then((frame) => {
      if (aborted) {
        frame?.unref();
        return;
      }
      res.cork(() => {
        if (!frame) {
          res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '5').writeHeader('Content-Type', 'text/plain')
            .end(this.snapshotError());
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
