// The opt-in transport: uWebSockets.js, on the Node versions its binary loads on (--transport uws).
// Its rules: every response gets onAborted before the handler returns (a HEAD used to abort the
// process), writes outside the handler go in cork(), and whole bodies are sent with tryEnd and
// continued in onWritable (its cork+end path can drop a large write queued behind a full buffer).
// Known limits of this uWS build, kept by mjpgd's default transport instead: HTTP/1.1 only (it never
// answers HTTP/1.0), idle connections closed after ~10 s, no keep-alive after a HEAD, and streams carry a never-reached
// Content-Length because tryEnd is the only write that reports what the connection took.
import path from 'node:path';
import type * as UWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { log } from '../../log';
import type { ClientSink } from '../../stream/client';
import type { Chunks } from '../../stream/part';
import { ADVANCE_PREAMBLE, STREAM_PREAMBLE } from '../../stream/multipart';
import { bodyBytes, headOf, releaser, statusLine, type Answer } from '../answer';
import { LIMITS, type Request } from '../request';
import type { StreamHandle } from '../router';
import type { Transport, TransportContext } from './transport';

type Uws = typeof UWS;

const ENDLESS = Number.MAX_SAFE_INTEGER;
/** uWS closes a connection that took nothing for this long, whatever --stall-timeout says. */
export const UWS_IDLE_TIMEOUT_MS = 10_000;

/** Loads uWebSockets.js's native binary explicitly: the package's own loader falls back to a JS shim
 * that crashes on the first request. */
export function loadUws(): Uws {
  const pkgDir = path.dirname(require.resolve('uWebSockets.js/package.json'));
  const file = path.join(pkgDir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  try {
    return require(file) as Uws;
  } catch (e) {
    throw new Error(
      `--transport uws: cannot load uWebSockets.js's binary ${path.basename(file)} (${(e as Error).message.split('\n')[0]}). ` +
        `This build ships for Linux x64/arm64/armv7 on Node 16-20 only (this is Node ${process.version}); use --transport node (the default).`,
    );
  }
}

/** A stream viewer on a uWS response: tryEnd takes exactly what the connection takes, so nothing is
 * buffered in uWS and one frame stays in flight. */
class UwsSink implements ClientSink {
  open = true;
  private chunks: Chunks | null = null;
  private offset = 0;
  private taken = 0;
  /** Bound once: a closure per write would be an allocation per viewer per frame. */
  private readonly writeCorked = () => this.writeChunks();

  constructor(private readonly res: HttpResponse) {}

  write(chunks: Chunks, offset: number): number {
    if (!this.open) return chunks.length - offset;
    this.chunks = chunks;
    this.offset = offset;
    this.taken = 0;
    this.res.cork(this.writeCorked);
    this.chunks = null;
    return this.taken;
  }

  close(): void {
    if (this.open) {
      this.open = false;
      this.res.close();
    }
  }

  private writeChunks(): void {
    let skip = this.offset;
    for (const chunk of this.chunks!.list) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const piece = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      const before = this.res.getWriteOffset();
      const [ok] = this.res.tryEnd(piece, ENDLESS);
      if (!ok) {
        this.taken += this.res.getWriteOffset() - before;
        return;
      }
      this.taken += piece.length;
    }
  }
}

export class UwsTransport implements Transport {
  readonly name = 'uws';
  private readonly uws: Uws;
  private readonly app: TemplatedApp;
  private readonly sockets: us_listen_socket[] = [];

  constructor(private readonly ctx: TransportContext) {
    this.uws = loadUws();
    const t = ctx.tls;
    this.app = t ? this.uws.SSLApp({ cert_file_name: t.cert, key_file_name: t.key, passphrase: t.passphrase ?? undefined }) : this.uws.App();
    this.app.any('/*', (res, req) => this.handle(res, req));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (token) => {
        if (!token) {
          reject(new Error(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port} (address in use, or not an address of this machine)`));
          return;
        }
        this.sockets.push(token);
        const bound = this.uws.us_socket_local_port(token);
        // uWS hides its sockets; accepted ones inherit the listening socket's options.
        this.ctx.tuneListener(bound);
        resolve(bound);
      });
    });
  }

  listenUnix(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.app.listen_unix((token) => {
        if (!token) {
          reject(new Error(`cannot listen on unix socket ${path} (folder missing, or no permission)`));
          return;
        }
        this.sockets.push(token);
        resolve();
      }, path);
    });
  }

  close(): void {
    for (const s of this.sockets) this.uws.us_listen_socket_close(s);
    this.sockets.length = 0;
  }

  private handle(res: HttpResponse, raw: HttpRequest): void {
    let aborted = false;
    let onAbort = () => {};
    res.onAborted(() => {
      aborted = true;
      onAbort();
    });
    const headers = new Map<string, string>();
    raw.forEach((k, v) => headers.set(k, headers.has(k) ? `${headers.get(k)}, ${v}` : v));
    const req: Request = { method: raw.getMethod().toUpperCase(), path: raw.getUrl(), query: raw.getQuery() ?? '', version: '1.1', headers, remote: remoteOf(res) };
    const respond = (body: Buffer) =>
      void this.ctx.answer(req, body).then((answer) => {
        if (aborted) {
          if ('frame' in answer) answer.frame.unref();
          return;
        }
        this.write(res, req, answer, (f) => (onAbort = f));
      });
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      respond(Buffer.alloc(0));
      return;
    }
    // A body (POST): collected up to the limit, then answered.
    const parts: Buffer[] = [];
    let size = 0;
    res.onData((chunk, last) => {
      size += chunk.byteLength;
      if (size <= LIMITS.bodyBytes) parts.push(Buffer.from(chunk.slice(0)));
      if (!last) return;
      if (size > LIMITS.bodyBytes) this.write(res, req, { status: 413, type: 'text/plain', body: 'request body too large\n' }, () => {});
      else respond(Buffer.concat(parts));
    });
  }

  private write(res: HttpResponse, req: Request, answer: Answer, onAbort: (f: () => void) => void): void {
    const head = req.method === 'HEAD';
    const { status, headers } = headOf(answer);
    this.ctx.access(`${req.remote} "${req.method} ${req.path}${req.query ? `?${req.query}` : ''} HTTP/1.1" ${status}`);
    if ('stream' in answer) {
      this.stream(res, answer, headers, head, req.remote, onAbort);
      return;
    }
    const bytes = bodyBytes(answer);
    const release = releaser(answer);
    onAbort(release);
    res.cork(() => {
      res.writeStatus(statusLine(status));
      for (const [k, v] of headers) res.writeHeader(k, v);
      if (head) {
        // This uWS build drops a kept-alive connection after a HEAD answer without saying so: say so.
        res.endWithoutBody(bytes.length, true);
        release();
        return;
      }
      const [ok, done] = res.tryEnd(bytes, bytes.length);
      if (done) release();
      if (ok) return;
      // The rest when the connection drains, from where it got to.
      res.onWritable((offset) => {
        const [ok2, done2] = res.tryEnd(bytes.subarray(offset), bytes.length);
        if (done2) release();
        return ok2;
      });
    });
  }

  private stream(
    res: HttpResponse,
    answer: Extract<Answer, { stream: unknown }>,
    headers: [string, string][],
    head: boolean,
    remote: string,
    onAbort: (f: () => void) => void,
  ): void {
    const { camera, options } = answer.stream;
    const sink = new UwsSink(res);
    res.cork(() => {
      res.writeStatus(statusLine(200));
      for (const [k, v] of headers) res.writeHeader(k, v);
      if (head) {
        sink.open = false;
        res.endWithoutBody(0);
      } else {
        res.tryEnd(options.advanceHeaders ? ADVANCE_PREAMBLE : STREAM_PREAMBLE, ENDLESS);
      }
    });
    if (head) return;
    const handle: StreamHandle = this.ctx.openStream(camera, sink, remote, this.name, options);
    log.debug(`stream client ${handle.client.info.id} from ${remote}`);
    onAbort(() => {
      sink.open = false;
      // uWS's own idle timeout closed a viewer that took nothing: that is a stall too.
      const c = handle.client;
      if (c.pending && Date.now() - c.lastProgressAt >= UWS_IDLE_TIMEOUT_MS - 1000) handle.stalled();
      handle.close();
      log.debug(`stream client ${c.info.id} gone`);
    });
    res.onWritable(() => {
      handle.resume();
      return handle.client.pending === null;
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
