// The uWebSockets.js HTTP server: routes requests to the camera's stream, snapshot and state.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Camera } from '../camera';
import { log } from '../log';
import type { ClientSink } from '../stream/client';
import { formatTimestamp, STREAM_CONTENT_TYPE } from '../stream/multipart';
import { parseRequest, streamOptions } from './routes';
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
}

/** The body length announced for streams. uWS either sends chunked encoding (which HTTP/1.0 clients
 * can't read, and whose buffering can't be bounded) or a fixed length; a length no stream reaches
 * lets us send with tryEnd and know exactly what each connection took. */
const ENDLESS = Number.MAX_SAFE_INTEGER;
const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';

export class HttpServer {
  private readonly uws: Uws;
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private readonly startedAt = Date.now();
  port = 0;

  constructor(
    private readonly camera: Camera,
    private readonly opts: ServerOptions,
  ) {
    this.uws = loadUws();
    this.app = this.uws.App();
    this.app.any('/*', (res, req) => this.handle(res, req));
  }

  listen(): Promise<number> {
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
    switch (route) {
      case 'stream':
        return this.stream(res, query, head);
      case 'snapshot':
        return this.snapshot(res, head);
      case 'state':
        return this.text(res, '200 OK', 'application/json', JSON.stringify(this.state(), null, 2) + '\n', head);
      case 'viewer':
        return this.text(res, '200 OK', 'text/html; charset=utf-8', viewerPage(`mjpgd ${this.camera.name}`), head);
      default:
        return this.text(res, '404 Not Found', 'text/plain', 'not found; try /stream, /snapshot, /state\n', head);
    }
  }

  private text(res: HttpResponse, status: string, type: string, body: string, head: boolean): void {
    res.cork(() => {
      res.writeStatus(status).writeHeader('Content-Type', type).writeHeader('Cache-Control', NO_CACHE);
      if (head) res.endWithoutBody(Buffer.byteLength(body));
      else res.end(body);
    });
  }

  private stream(res: HttpResponse, query: URLSearchParams, head: boolean): void {
    const fanout = this.camera.fanout;
    if (fanout.clientCount >= this.opts.maxClients) {
      res.cork(() =>
        res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '10').writeHeader('Content-Type', 'text/plain')
          .end(`too many viewers (limit ${this.opts.maxClients})\n`),
      );
      return;
    }
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
      }
    });
    if (head) return;
    const client = fanout.addClient(sink, { remoteAddress, options: streamOptions(query) });
    log.debug(`stream client ${client.info.id} from ${remoteAddress}`);
    res.onAborted(() => {
      open = false;
      fanout.removeClient(client);
      log.debug(`stream client ${client.info.id} gone`);
    });
    res.onWritable(() => {
      fanout.resume(client);
      return client.pending === null;
    });
  }

  private snapshot(res: HttpResponse, head: boolean): void {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const since = Date.now() * 1000 - this.opts.snapshotMaxDelayMs * 1000;
    void this.camera.fanout.frameAfter(since, 5000).then((frame) => {
      if (aborted) {
        frame?.unref();
        return;
      }
      res.cork(() => {
        if (!frame) {
          res.writeStatus('503 Service Unavailable').writeHeader('Retry-After', '5').writeHeader('Content-Type', 'text/plain')
            .end(`no frame from the camera${this.camera.error ? `: ${this.camera.error}` : ''}\n`);
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
