// The HTTP(S) server: which listeners exist (addresses, ports, a unix socket, TLS, the HTTP→HTTPS
// redirect), on which transport, all answering through one Router.
import type { Camera } from '../camera';
import { log } from '../log';
import { binding } from '../native/binding';
import { Auth, type AuthOptions } from './auth';
import { redirectAnswer, Router } from './router';
import { checkTls, type TlsFiles } from './tls';
import { NodeTransport } from './transports/node';
import type { Transport, TransportContext, TransportName } from './transports/transport';
import { UwsTransport, UWS_IDLE_TIMEOUT_MS } from './transports/uws';

export interface ServerOptions {
  transport: TransportName;
  /** Addresses to listen on ("0.0.0.0", "::", "127.0.0.1", "::1", ...). */
  hosts: string[];
  port: number;
  unixSocket: string | null;
  /** Deprecated --http10-port: one more plain port (node transport); null: none. */
  extraPort: number | null;
  maxClients: number;
  snapshotMaxDelayMs: number;
  stallTimeoutMs: number;
  version: string;
  /** HTTPS: on `port`, or on `httpsPort` with plain HTTP kept on `port`. */
  tls: TlsFiles | null;
  httpsPort: number | null;
  /** With httpsPort: plain HTTP answers with a redirect to HTTPS. */
  redirectHttp: boolean;
  auth: AuthOptions;
  basePath: string;
  /** Server header on every answer (null: none). */
  serverHeader?: string | null;
  accessLog: boolean;
  /** TCP_NOTSENT_LOWAT for viewer connections (bytes); 0 leaves the kernel default. */
  unsentLimit: number;
  /** SO_SNDBUF for viewer connections (bytes); 0 leaves the kernel's autotuning. */
  sendBuffer: number;
}

interface Listener {
  transport: Transport;
  scheme: 'http' | 'https';
  port: number;
  /** Listens on every --host (else on the first only). */
  allHosts: boolean;
}

export class HttpServer {
  readonly router: Router;
  private readonly listeners: Listener[] = [];
  /** Actual ports after listening (0 in the options picks a free one). */
  port = 0;
  httpsPort = 0;
  extraPort = 0;

  constructor(
    cameras: Camera[],
    private readonly opts: ServerOptions,
  ) {
    this.router = new Router(cameras, {
      maxClients: opts.maxClients,
      snapshotMaxDelayMs: opts.snapshotMaxDelayMs,
      version: opts.version,
      auth: new Auth(opts.auth),
      basePath: opts.basePath,
      serverHeader: opts.serverHeader ?? null,
    });
    if (opts.tls) checkTls(opts.tls); // clear errors at start-up instead of a failed listen
    if (opts.transport === 'uws' && opts.stallTimeoutMs > UWS_IDLE_TIMEOUT_MS) {
      log.warn(`--transport uws closes stalled viewers after ${UWS_IDLE_TIMEOUT_MS / 1000} s whatever --stall-timeout says; the node transport honours it`);
    }
    const serve = this.context((req, body) => this.router.answer(req, body), null);
    if (opts.tls && opts.httpsPort === null) {
      this.add(opts.transport, this.context(serve.answer, opts.tls), 'https', opts.port);
    } else {
      const plain = opts.redirectHttp ? this.context(async (req) => redirectAnswer(req, this.httpsPort), null) : serve;
      this.add(opts.transport, plain, 'http', opts.port);
      if (opts.tls) this.add(opts.transport, this.context(serve.answer, opts.tls), 'https', opts.httpsPort!);
    }
    if (opts.extraPort !== null) this.add('node', serve, 'http', opts.extraPort, false);
  }

  /** Opens every listener; throws a message naming the address that failed. */
  async listen(): Promise<void> {
    try {
      for (const [i, l] of this.listeners.entries()) {
        let port = l.port;
        for (const host of l.allHosts ? this.opts.hosts : this.opts.hosts.slice(0, 1)) port = await l.transport.listen(host, port);
        if (i === 0) this.port = port;
        if (l.scheme === 'https') this.httpsPort = port;
        if (!l.allHosts) this.extraPort = port;
      }
      if (this.opts.unixSocket) await this.listeners[0].transport.listenUnix(this.opts.unixSocket);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** URLs a person can open (for the start-up log). */
  urls(): string[] {
    const shown = this.opts.hosts.map((h) => (h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h));
    const out: string[] = [];
    const base = this.opts.basePath;
    for (const h of shown) {
      const host = h.includes(':') ? `[${h}]` : h;
      if (this.listeners[0].scheme === 'http' && !this.opts.redirectHttp) out.push(`http://${host}:${this.port}${base}/`);
      if (this.httpsPort) out.push(`https://${host}:${this.httpsPort}${base}/`);
    }
    if (this.opts.unixSocket) out.push(`unix:${this.opts.unixSocket}`);
    return out;
  }

  close(): void {
    for (const l of this.listeners) l.transport.close();
  }

  private add(kind: TransportName, ctx: TransportContext, scheme: 'http' | 'https', port: number, allHosts = true): void {
    const transport = kind === 'uws' ? new UwsTransport(ctx) : new NodeTransport(ctx);
    this.listeners.push({ transport, scheme, port, allHosts });
  }

  private context(answer: TransportContext['answer'], tls: TlsFiles | null): TransportContext {
    const { unsentLimit, sendBuffer } = this.opts;
    const lowat = unsentLimit > 0 ? unsentLimit : 0x7fffffff;
    const tuned = unsentLimit > 0 || sendBuffer > 0;
    let warned = false;
    // Socket tuning is best effort: a failure is said once, and viewers are served anyway.
    const tune = (apply: () => unknown) => {
      if (!tuned) return;
      try {
        apply();
      } catch (e) {
        if (!warned) log.warn(`${(e as Error).message}; slow viewers may lag behind`);
        warned = true;
      }
    };
    return {
      answer,
      openStream: (camera, sink, remote, transport, options) => this.router.openStream(camera, sink, remote, transport, options),
      access: (line) => {
        if (this.opts.accessLog) log.info(`access: ${line}`);
      },
      tuneSocket: (fd) => tune(() => binding().tuneSocket(fd, lowat, sendBuffer)),
      tuneListener: (port) => tune(() => binding().limitUnsent(port, lowat, sendBuffer)),
      sendChunks: binding().sendChunks,
      // Viewers plus room for snapshot pollers and page loads.
      maxConnections: this.opts.maxClients + 256,
      tls,
    };
  }
}
