// Relays a remote MJPEG stream (another mjpgd, mjpg-streamer, ustreamer, an IP camera): one upstream
// connection however many viewers this mjpgd has, each JPEG handed on as it arrived (no re-encode).
// While the origin is gone, viewers stay connected and see the offline picture; the client reconnects
// with backoff and the stream resumes on the same connections.
import { MjpegClient, type MjpegFrame } from '../client/client';
import { log } from '../log';
import { FrameLease } from './lease';
import { jpegSize } from './jpeg-size';
import { OfflinePicture } from './offline-picture';
import type { FrameSource, SourceCounters, SourceInfo, SourceListener } from './source';

export interface HttpSourceOptions {
  url: string;
  user: string | null;
  password: string | null;
  /** Size of the offline picture until the origin's first frame tells the real one. */
  width: number;
  height: number;
  fps: number;
}

/** Each frame is a Buffer of its own that nothing reuses: transports may queue it as it is. */
const NOT_POOLED = { release() {}, pooled: false };

/** An origin timestamp further than this from our clock is from another clock (a camera's): not used. */
const SAME_CLOCK_US = 5_000_000;

export class HttpSource implements FrameSource {
  info: SourceInfo;
  /** Frames are JS memory of their own: nothing to give back, nothing to run out of. */
  readonly poolSize = Number.MAX_SAFE_INTEGER;
  private client: MjpegClient | null = null;
  private listener: SourceListener | null = null;
  private readonly offline: OfflinePicture;
  private seq = 0;
  private lastTimestampUs = 0;
  private received = 0;
  private reason: string | null = null;
  /** For logs and the offline picture: the URL without its credentials. */
  private readonly shownUrl: string;

  constructor(private readonly opts: HttpSourceOptions) {
    const u = new URL(opts.url);
    u.username = '';
    u.password = '';
    this.shownUrl = u.toString();
    this.info = { kind: 'http', width: opts.width, height: opts.height, fps: opts.fps, format: 'MJPG', device: this.shownUrl, notes: [] };
    this.offline = new OfflinePicture((jpeg) => this.listener?.frame(new FrameLease(this.seq++, this.nextTimestamp(Date.now() * 1000), jpeg, 0, jpeg.length, NOT_POOLED), 'offline'));
  }

  start(listener: SourceListener): void {
    this.listener = listener;
    const o = this.opts;
    const client = new MjpegClient(o.url, {
      buffers: 4,
      maxFrameBytes: 16 * 1024 * 1024,
      auth: o.user !== null && o.password !== null ? { user: o.user, password: o.password } : undefined,
      reconnect: { initialDelayMs: 500, maxDelayMs: 5000 },
    });
    this.client = client;
    client.on('connect', () => log.info(`relay ${this.shownUrl}: connected`));
    client.on('disconnect', (reason: string) => this.lost(reason));
    void (async () => {
      for await (const frame of client) {
        try {
          this.pass(frame);
        } catch (e) {
          // One bad frame must not end the relay (leaving the loop would close the client).
          log.warn(`relay ${this.shownUrl}: frame dropped: ${(e as Error).message}`);
        }
      }
    })();
  }

  counters(): SourceCounters {
    const s = this.client?.stats();
    // "invalid": frames over the size limit; "dropped": frames this relay had no time for.
    return { captured: this.received, invalid: s?.discarded ?? 0, dropped: s?.overruns ?? 0, bytesCopied: 0, leased: 0 };
  }

  /** The client's own figures (reconnects, fps, last error), for /state. */
  clientStats() {
    return this.client?.stats() ?? null;
  }

  stop(): void {
    this.offline.hide();
    this.client?.close();
    this.client = null;
    this.listener = null;
  }

  private pass(frame: MjpegFrame): void {
    const listener = this.listener;
    if (!listener) return;
    if (this.received++ === 0 || this.reason !== null) {
      const size = jpegSize(frame.data);
      if (size) this.info = { ...this.info, width: size.width, height: size.height };
    }
    if (this.reason !== null) {
      this.offline.hide();
      this.reason = null;
      listener.event({ kind: 'recovered' });
    }
    const jpeg = frame.data;
    listener.frame(new FrameLease(this.seq++, this.timestampOf(frame), jpeg, 0, jpeg.length, NOT_POOLED), null);
  }

  private lost(reason: string): void {
    if (!this.listener) return;
    // Report (and redraw the picture) when the reason changes, not on every retry.
    if (reason === this.reason) return;
    this.reason = reason;
    this.listener.event({ kind: 'failed', message: `${this.shownUrl}: ${reason}` });
    this.offline.show(this.info.width, this.info.height, `${this.shownUrl}: ${reason}`);
  }

  /** The origin's capture time when it sends one on our clock (mjpgd, ustreamer): the relay's parts
   * then carry the same X-Timestamp as the origin's, and latency is measured from the real capture.
   * Otherwise the time of arrival. Always rising: the fan-out measures frame intervals from it. */
  private timestampOf(frame: MjpegFrame): number {
    const now = frame.timestamp * 1000;
    let t = now;
    const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(frame.headers['x-timestamp'] ?? '');
    if (m) {
      const origin = Number(m[1]) * 1e6 + Number((m[2] ?? '').padEnd(6, '0'));
      if (Math.abs(origin - now) < SAME_CLOCK_US) t = origin;
    }
    return this.nextTimestamp(t);
  }

  /** `t`, or just after the last frame's time if that was later. */
  private nextTimestamp(t: number): number {
    this.lastTimestampUs = Math.max(t, this.lastTimestampUs + 1);
    return this.lastTimestampUs;
  }
}
