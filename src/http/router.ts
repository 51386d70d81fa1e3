// Routing: a parsed request becomes an Answer (routes, methods, CORS preflight, auth, then what the
// route serves). Transports call answer() and write what comes back; nothing here touches a socket.
import type { Camera } from '../camera';
import { binding } from '../native/binding';
import type { ClientOptions, ClientSink, StreamClient } from '../stream/client';
import { ACTIONS, jsonAnswer } from './actions';
import { errorAnswer, type Answer } from './answer';
import { AUTH_CHALLENGE, type Auth } from './auth';
import { metricsText, METRICS_CONTENT_TYPE } from './metrics';
import { parseRequest, streamOptions, type ParsedRequest } from './routes';
import type { Request } from './request';
import { viewerPage } from './viewer';
import { orientationOf, type Orientation } from '../transform/orientation';
import { turn } from '../transform/transforms';
import type { FrameLease } from '../sources/lease';

export interface RouterOptions {
  /** Above this many stream clients (all cameras, all transports), newcomers get 503. */
  maxClients: number;
  /** A snapshot may be this old (ms); older, the request waits for the next capture. */
  snapshotMaxDelayMs: number;
  version: string;
  auth: Auth;
  /** A path prefix a proxy may forward (e.g. "/webcam"); "" for none. */
  basePath: string;
  /** A Server header on every answer (e.g. "MJPG-Streamer/0.2" for Octolapse); null for none. */
  serverHeader?: string | null;
}

/** A stream viewer registered with its camera's fan-out. */
export interface StreamHandle {
  client: StreamClient;
  /** The connection can take more bytes. */
  resume(): void;
  /** The connection is gone. */
  close(): void;
  /** The transport closed it for taking nothing too long: counted as a stall, then gone. */
  stalled(): void;
  /** The transport copied JPEG bytes for this viewer (counted in bytesCopied). */
  copied(bytes: number): void;
}

const READ_METHODS = ['GET', 'HEAD', 'OPTIONS'];
const PREFLIGHT_HEADERS = 'Authorization, Content-Type, Cache-Control, Pragma, X-Requested-With';

export class Router {
  private readonly startedAt = Date.now();
  private readonly byName: Map<string, Camera>;
  private readonly controls = new Map<Camera, { at: number; list: unknown[] }>();
  readonly defaultCamera: Camera;

  constructor(
    readonly cameras: Camera[],
    private readonly opts: RouterOptions,
  ) {
    this.byName = new Map(cameras.map((c) => [c.name, c]));
    this.defaultCamera = this.byName.get('default') ?? cameras[0];
  }

  parse(path: string, query: string): ParsedRequest {
    return parseRequest(path, query, { cameraNames: [...this.byName.keys()], actionPaths: Object.keys(ACTIONS), basePath: this.opts.basePath });
  }

  /** What `req` gets. Never throws: a failing handler becomes a 500 with its message. */
  async answer(req: Request, body: Buffer = Buffer.alloc(0)): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await this.route(req, body);
    } catch (e) {
      answer = errorAnswer(500, `internal error: ${(e as Error).message}`);
    }
    const server = this.opts.serverHeader;
    if (server) answer.headers = { ...answer.headers, Server: server };
    return answer;
  }

  /** Registers a stream viewer (after the transport wrote the stream's head). */
  openStream(camera: Camera, sink: ClientSink, remoteAddress: string, transport: string, options: ClientOptions): StreamHandle {
    // A viewer of another orientation joins that orientation's fan-out (frames turned once for all).
    const fanout = options.orientation && options.orientation !== 'none' ? camera.transforms.fanoutFor(options.orientation) : camera.fanout;
    const client = fanout.addClient(sink, { remoteAddress, transport, options });
    return { client, resume: () => fanout.resume(client), close: () => fanout.removeClient(client), stalled: () => fanout.removeStalled(client), copied: (n) => fanout.countCopied(n) };
  }

  private async route(req: Request, body: Buffer): Promise<Answer> {
    if (req.path === '*') {
      if (req.method === 'OPTIONS') return { status: 204, type: 'text/plain', body: '', headers: { Allow: 'GET, HEAD, POST, OPTIONS' } };
      return errorAnswer(400, 'bad request target');
    }
    const parsed = this.parse(req.path, req.query);
    const camera = this.cameraOf(parsed);
    if (parsed.route === 'not-found' || camera === null) return errorAnswer(404, 'not found; try /stream, /snapshot, /state, /metrics');
    const action = parsed.route === 'action' ? ACTIONS[parsed.actionPath!] : null;
    const allowed = action ? [...action.methods, ...(action.methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'] : READ_METHODS;
    if (!allowed.includes(req.method)) {
      return errorAnswer(405, `${req.method} is not allowed here; use ${allowed.join(', ')}`, { Allow: allowed.join(', ') });
    }
    // CORS preflight: browsers send it without credentials, so it is answered before auth.
    if (req.method === 'OPTIONS') {
      return {
        status: 204, type: 'text/plain', body: '',
        headers: {
          Allow: allowed.join(', '),
          'Access-Control-Allow-Methods': allowed.join(', '),
          'Access-Control-Allow-Headers': req.headers.get('access-control-request-headers') ?? PREFLIGHT_HEADERS,
          'Access-Control-Max-Age': '600',
        },
      };
    }
    const denied = await this.deny(req, parsed);
    if (denied) return denied;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    switch (parsed.route) {
      case 'stream': {
        const o = orientationOf(parsed.query);
        if (typeof o !== 'string') return errorAnswer(400, o.error);
        const options = streamOptions(parsed.query);
        return this.refuseStream() ?? { stream: { camera, options: o === 'none' ? options : { ...options, orientation: o } } };
      }
      case 'snapshot': {
        const o = orientationOf(parsed.query);
        if (typeof o !== 'string') return errorAnswer(400, o.error);
        return this.snapshot(camera, parsed.query.get('size'), o);
      }
      case 'action':
        return action!.run({ camera, method, query: parsed.query, body });
      case 'state':
        return jsonAnswer(parsed.camera === null && parsed.cameraIndex === null ? this.state() : this.withControls(camera));
      case 'metrics': {
        const uptime = Math.round((Date.now() - this.startedAt) / 1000);
        const cams = parsed.camera === null ? this.cameras : [camera];
        return { status: 200, type: METRICS_CONTENT_TYPE, body: metricsText(cams, uptime, parsed.query.get('clients') === '1') };
      }
      case 'viewer': {
        const page =
          parsed.camera === null
            ? viewerPage('mjpgd', this.pageOrder().map((c) => ({ name: c.name, base: c === this.defaultCamera ? '' : `${c.name}/` })), 'state')
            : viewerPage(`mjpgd ${parsed.camera}`, [{ name: parsed.camera, base: '' }], '../state');
        return { status: 200, type: 'text/html; charset=utf-8', body: page };
      }
      case 'redirect-slash': {
        const to = `${this.opts.basePath}/${parsed.camera}/`;
        return { status: 301, type: 'text/plain', body: `see ${to}\n`, headers: { Location: to } };
      }
    }
  }

  /** The camera a request is for: named in the path, by mjpg-streamer input number, or the default. */
  private cameraOf(req: ParsedRequest): Camera | null {
    if (req.camera !== null) return this.byName.get(req.camera)!;
    if (req.cameraIndex !== null) return this.pageOrder()[req.cameraIndex] ?? null;
    return this.defaultCamera;
  }

  /** 401 (or 429 for an address that keeps failing) when the request may not proceed. */
  private async deny(req: Request, parsed: ParsedRequest): Promise<Answer | null> {
    const auth = this.opts.auth;
    const verdict = await auth.check(req.headers.get('authorization') ?? '', parsed.query.get('token'), req.remote);
    if (verdict === 'allowed') return null;
    if (verdict === 'backoff') {
      const seconds = Math.ceil(auth.retryAfterMs(req.remote) / 1000);
      return errorAnswer(429, `too many failed logins from this address; try again in ${seconds} s`, { 'Retry-After': String(seconds) });
    }
    return errorAnswer(401, 'authentication required', { 'WWW-Authenticate': AUTH_CHALLENGE });
  }

  /** A 503 when the viewer limit is reached, else null. */
  private refuseStream(): Answer | null {
    const turnedViewers = (c: Camera) => Object.values(c.transforms.stats()).reduce((n, t) => n + t.viewers, 0);
    const total = this.cameras.reduce((n, c) => n + c.fanout.clientCount + turnedViewers(c), 0);
    if (total < this.opts.maxClients) return null;
    return errorAnswer(503, `too many viewers (limit ${this.opts.maxClients})`, { 'Retry-After': '10' });
  }

  /** A frame captured at most --snapshot-max-delay ms before now or the next one, or a still when
   * ?size= (or snapshot_width/height) asks for one (the camera decides; 503 after 5 s); turned when
   * ?rotate=/?flip= ask for it. */
  private async snapshot(camera: Camera, size: string | null, orientation: Orientation = 'none'): Promise<Answer> {
    const r = await camera.snapshot(size, this.opts.snapshotMaxDelayMs);
    if ('frame' in r && orientation !== 'none') {
      // A stream frame is shared with that orientation's viewers (turned once per frame however
      // many ask); a still (seq 0) is turned on its own.
      const turned = r.frame.seq === 0 ? safeTurn(r.frame, orientation) : camera.transforms.frameFor(orientation, r.frame);
      r.frame.unref();
      if (turned) return { frame: turned };
      return errorAnswer(503, `the frame of camera ${camera.name} could not be turned (not a readable JPEG)`, { 'Retry-After': '1' });
    }
    if ('frame' in r) return r;
    return errorAnswer(r.status, `no frame from camera ${camera.name}: ${r.message}`, r.status === 503 ? { 'Retry-After': '5' } : undefined);
  }

  state() {
    const cameras = this.cameras.map((c) => this.withControls(c));
    return {
      version: this.opts.version,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      clients: cameras.reduce((n, c) => n + c.stream.clients, 0),
      cameras,
    };
  }

  /** The default camera first, so "/" leads with what /stream shows (and input 0 is the default). */
  private pageOrder(): Camera[] {
    return [this.defaultCamera, ...this.cameras.filter((c) => c !== this.defaultCamera)];
  }

  /** One camera's state, with its V4L2 controls when it is a device (read at most every 5 s: the
   * viewer page polls /state every second, and each read opens the device). */
  private withControls(camera: Camera) {
    const state = camera.state();
    const device = state.source.device;
    if (!device || state.source.kind !== 'v4l2') return state;
    const cached = this.controls.get(camera);
    if (cached && Date.now() - cached.at < 5000) return { ...state, controls: cached.list };
    let list: unknown[] = [];
    try {
      list = binding().listControls(device);
    } catch {
      // The device is away: /state already says why (online: false, error).
    }
    this.controls.set(camera, { at: Date.now(), list });
    return { ...state, controls: list };
  }
}

/** `frame` turned, or null when TurboJPEG can't read it. */
function safeTurn(frame: FrameLease, o: Orientation): FrameLease | null {
  try {
    return turn(frame, o);
  } catch {
    return null;
  }
}

/** The router of a plain-HTTP port when --redirect-http sends everyone to HTTPS. */
export function redirectAnswer(req: Request, httpsPort: number): Answer {
  const host = (req.headers.get('host') || '127.0.0.1').replace(/:\d+$/, '');
  const target = `https://${host}:${httpsPort}${req.path}${req.query ? `?${req.query}` : ''}`;
  return { status: 301, type: 'text/plain', body: `see ${target}\n`, headers: { Location: target } };
}
