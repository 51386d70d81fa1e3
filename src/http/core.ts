// What both listeners (uWS, and the HTTP/1.0 one) answer, independent of how bytes are written.
import type { Camera } from '../camera';
import { binding } from '../native/binding';
import type { ClientOptions, ClientSink, StreamClient } from '../stream/client';
import type { SharedFrame } from '../stream/frame';
import type { Auth } from './auth';
import { metricsText, METRICS_CONTENT_TYPE } from './metrics';
import { parseRequest, type ParsedRequest } from './routes';
import { viewerPage } from './viewer';

export interface CoreOptions {
  /** Above this many stream clients (all cameras, both listeners), newcomers get 503. */
  maxClients: number;
  /** A snapshot may be this old (ms); older, the request waits for the next capture. */
  snapshotMaxDelayMs: number;
  version: string;
  auth: Auth;
}

export interface TextAnswer {
  status: string;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** A stream viewer registered with its camera's fan-out. */
export interface StreamHandle {
  client: StreamClient;
  /** The connection can take more bytes. */
  resume(): void;
  /** The connection is gone. */
  close(): void;
}

export class RequestCore {
  private readonly startedAt = Date.now();
  private readonly byName: Map<string, Camera>;
  private readonly controls = new Map<Camera, { at: number; list: unknown[] }>();
  readonly defaultCamera: Camera;

  constructor(
    readonly cameras: Camera[],
    private readonly opts: CoreOptions,
  ) {
    this.byName = new Map(cameras.map((c) => [c.name, c]));
    this.defaultCamera = this.byName.get('default') ?? cameras[0];
  }

  parse(url: string, rawQuery: string): ParsedRequest {
    // With one camera, its name needn't appear in URLs, but /<name>/... works too.
    return parseRequest(url, rawQuery, [...this.byName.keys()]);
  }

  authorized(authorization: string, req: ParsedRequest): boolean {
    return this.opts.auth.allows(authorization, req.query.get('token'));
  }

  camera(req: ParsedRequest): Camera {
    return req.camera === null ? this.defaultCamera : this.byName.get(req.camera)!;
  }

  /** null when a stream client may join; otherwise why not (the 503 body). */
  refuseStream(): string | null {
    const total = this.cameras.reduce((n, c) => n + c.fanout.clientCount, 0);
    return total >= this.opts.maxClients ? `too many viewers (limit ${this.opts.maxClients})\n` : null;
  }

  openStream(req: ParsedRequest, sink: ClientSink, remoteAddress: string, transport: string, options: ClientOptions): StreamHandle {
    const fanout = this.camera(req).fanout;
    const client = fanout.addClient(sink, { remoteAddress, transport, options });
    return { client, resume: () => fanout.resume(client), close: () => fanout.removeClient(client) };
  }

  /** A frame captured at most --snapshot-max-delay ms before now, or the next one (null after 5 s). */
  snapshotFrame(req: ParsedRequest): Promise<SharedFrame | null> {
    // ?size=WxH|max (or snapshot_width/height) makes it a still at that size.
    return this.camera(req).snapshot(req.query.get('size'), this.opts.snapshotMaxDelayMs);
  }

  snapshotError(req: ParsedRequest): string {
    const cam = this.camera(req);
    return `no frame from camera ${cam.name}: ${cam.snapshotProblem() ?? cam.error ?? 'none in 5 s'}\n`;
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

  /** The answers that are plain text (state, metrics, pages, errors). */
  text(req: ParsedRequest, path: string): TextAnswer {
    const json = (body: unknown): TextAnswer => ({ status: '200 OK', type: 'application/json', body: JSON.stringify(body, null, 2) + '\n' });
    switch (req.route) {
      case 'state':
        return json(req.camera === null ? this.state() : this.withControls(this.camera(req)));
      case 'metrics': {
        const uptime = Math.round((Date.now() - this.startedAt) / 1000);
        const cams = req.camera === null ? this.cameras : [this.camera(req)];
        return { status: '200 OK', type: METRICS_CONTENT_TYPE, body: metricsText(cams, uptime, req.query.get('clients') === '1') };
      }
      case 'viewer': {
        const page =
          req.camera === null
            ? viewerPage('mjpgd', this.pageOrder().map((c) => ({ name: c.name, base: c === this.defaultCamera ? '' : `${c.name}/` })), 'state')
            : viewerPage(`mjpgd ${req.camera}`, [{ name: req.camera, base: '' }], '../state');
        return { status: '200 OK', type: 'text/html; charset=utf-8', body: page };
      }
      case 'redirect-slash':
        return { status: '301 Moved Permanently', type: 'text/plain', body: `see ${path}/\n`, headers: { Location: `${path}/` } };
      default:
        return { status: '404 Not Found', type: 'text/plain', body: 'not found; try /stream, /snapshot, /state, /metrics\n' };
    }
  }

  /** The default camera first, so "/" leads with what /stream shows. */
  private pageOrder(): Camera[] {
    return [this.defaultCamera, ...this.cameras.filter((c) => c !== this.defaultCamera)];
  }

  /** One camera's state, with its V4L2 controls when it is a device (read at most every 5 s: the
   * viewer page polls /state every second, and each read opens the device). */
  private withControls(camera: Camera) {
    const state = camera.state();
    const device = state.source.device;
    if (!device) return state;
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
