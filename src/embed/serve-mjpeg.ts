// serveMjpeg: any async iterable of JPEGs served as an MJPEG server (/stream, /snapshot, /state, ...)
// on the same fan-out engine as a camera: backpressure, one frame in flight per viewer, slow viewers
// skip frames.
//
//   const server = await serveMjpeg(myJpegGenerator(), { port: 8080 });
//   ... server.close();
import { Camera } from '../camera';
import { HttpServer } from '../http/server';
import { IterableSource, type FrameInput } from '../sources/iterable-source';
import { VERSION } from '../version';

/** A viewer that takes nothing for this long is closed (mjpgd's default --stall-timeout). */
const STALL_TIMEOUT_MS = 10000;

export interface ServeMjpegOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port (default 0: a free one; see `port` of the result). */
  port?: number;
  /** HTTPS with these PEM files. */
  tls?: { cert: string; key: string; passphrase?: string };
  /** Basic auth, and/or a read-only ?token= for <img> URLs. */
  auth?: { user?: string; password?: string; token?: string };
  /** Most stream viewers at once (default 200); more get 503. */
  maxClients?: number;
  /** "node" (default: Node's net/tls, HTTP/1.0 and 1.1) or "uws" (uWebSockets.js, Node <= 20). */
  transport?: 'node' | 'uws';
}

export interface MjpegServer {
  /** The port listened on. */
  port: number;
  /** e.g. http://127.0.0.1:8080/ */
  url: string;
  /** The camera the frames feed: its fan-out, state() figures. */
  camera: Camera;
  /** Stops listening, closes viewers and stops reading the iterable. */
  close(): Promise<void>;
}

export async function serveMjpeg(frames: AsyncIterable<FrameInput>, options: ServeMjpegOptions = {}): Promise<MjpegServer> {
  const host = options.host ?? '127.0.0.1';
  const a = options.auth ?? {};
  if ((a.user === undefined) !== (a.password === undefined)) throw new TypeError('serveMjpeg: auth.user and auth.password go together');
  const camera = new Camera('default', new IterableSource(frames), { stallTimeoutMs: STALL_TIMEOUT_MS });
  const server = new HttpServer([camera], {
    transport: options.transport ?? 'node',
    hosts: [host],
    port: options.port ?? 0,
    unixSocket: null,
    extraPort: null,
    maxClients: options.maxClients ?? 200,
    snapshotMaxDelayMs: 500,
    stallTimeoutMs: STALL_TIMEOUT_MS,
    basePath: '',
    version: VERSION,
    tls: options.tls ? { cert: options.tls.cert, key: options.tls.key, passphrase: options.tls.passphrase ?? null } : null,
    httpsPort: null,
    redirectHttp: false,
    auth: { user: a.user ?? null, password: a.password ?? null, passwordHash: null, token: a.token ?? null },
    accessLog: false,
    unsentLimit: 16384,
    sendBuffer: 0,
  });
  await server.listen();
  camera.start();
  return {
    port: server.port,
    url: server.urls()[0],
    camera,
    async close() {
      server.close();
      camera.stop();
    },
  };
}
