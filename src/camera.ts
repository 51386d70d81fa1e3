// One camera at runtime: its source feeding its fan-out, its lifecycle as the capture supervisor
// reports it (streaming, offline, paused, released), stills, and the figures /state reports.
import { log } from './log';
import type { DirectOutlet } from './sources/direct';
import type { FrameSource, SourceEvent, StillShot } from './sources/source';
import { Fanout, type FanoutOptions } from './stream/fanout';
import { FrameLease } from './sources/lease';
import { SameFrameFilter } from './stream/same-frames';
import type { Orientation } from './transform/orientation';
import { Transforms, turn } from './transform/transforms';

export type CameraState = 'starting' | 'streaming' | 'offline' | 'paused' | 'released' | 'gave_up';

export interface CameraOptions extends Omit<FanoutOptions, 'maxFramesInPool' | 'onClients' | 'direct' | 'onInterest'> {
  /** The plain /snapshot is a still at this size (null: the stream's frame). */
  snapshotSize?: { width: number; height: number } | null;
  /** Called once when the supervisor gave up (max restarts): mjpgd exits with the reason. */
  onGaveUp?: (reason: string) => void;
  /** --drop-same-frames: skip repeats of the previous frame, sending at least every Nth (0: off). */
  dropSameFrames?: number;
  /** --rotate/--flip: every camera frame and still turned (lossless) before anyone gets it. */
  orientation?: Orientation;
  /** --no-direct-writes: every part written from JS, none by the capture thread. */
  directWrites?: boolean;
}

/** A parsed ?size=: WxH, or 0x0 for "max". */
export interface StillSize {
  width: number;
  height: number;
}

/** "1280x720" → {1280, 720}; "max" → {0, 0}; anything else → an error message. */
export function parseStillSize(text: string): StillSize | string {
  if (text.toLowerCase() === 'max') return { width: 0, height: 0 };
  const m = /^(\d{2,4})[xX](\d{2,4})$/.exec(text);
  const [w, h] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || w < 16 || h < 16 || w > 8192 || h > 8192) return `size must be WIDTHxHEIGHT (16-8192 each, e.g. 1920x1080) or max (got ${JSON.stringify(text)})`;
  return { width: w, height: h };
}

export class Camera {
  readonly fanout: Fanout;
  /** Frames per second actually received from the source over the last second. */
  measuredFps = 0;
  error: string | null = null;
  /** How often the source failed, and the last reason (kept after it recovers). */
  errorCount = 0;
  lastError: string | null = null;
  lifecycle: CameraState = 'starting';
  /** The last still: its size, how long the switch took, when, or why it failed. */
  lastStill: { width: number; height: number; ms: number; at: string } | { error: string; at: string } | null = null;
  /** The source's frame count at the last measurement, for measuredFps. */
  private capturedBefore = 0;
  /** What the direct outlet was last told: JS wants every frame. */
  private everyFrame = true;
  private readonly direct: DirectOutlet | null;
  private loggedNotes = '';
  private readonly ticker: NodeJS.Timeout;
  /** Frames the fan-out may keep in the source's pool: its size (as granted) less two for the source. */
  private poolLimit: number;
  /** Still requests in flight, by size: concurrent requests for one size share one mode switch. */
  private readonly stillsInFlight = new Map<string, Promise<StillShot>>();
  private readonly sameFrames: SameFrameFilter | null;
  /** Streams and snapshots in other orientations (?rotate=, ?flip=), each turned once per frame. */
  readonly transforms: Transforms;
  private readonly orientation: Orientation;
  private readonly turned = { computed: 0, failed: 0 };

  constructor(
    readonly name: string,
    readonly source: FrameSource,
    private readonly options: CameraOptions,
  ) {
    this.poolLimit = Math.max(1, source.poolSize - 2);
    this.orientation = options.orientation ?? 'none';
    this.sameFrames = (options.dropSameFrames ?? 0) > 1 ? new SameFrameFilter(options.dropSameFrames!) : null;
    // The source's capture thread may write to viewers itself only when they get its frames as they are.
    this.direct = this.orientation === 'none' && !this.sameFrames && options.directWrites !== false ? (source.direct ?? null) : null;
    const onClients = () => this.viewersChanged();
    const onInterest = () => this.updateInterest();
    this.fanout = new Fanout({ stallTimeoutMs: options.stallTimeoutMs, maxFramesInPool: this.poolLimit, onClients, onInterest, direct: this.direct });
    // Turned frames are in memory of their own: no pool to protect.
    this.transforms = new Transforms({ stallTimeoutMs: options.stallTimeoutMs, maxFramesInPool: 1000, onClients, onInterest });
    let since = Date.now();
    this.ticker = setInterval(() => {
      // Over the time that really passed: timers drift, and 11 frames in 1.05 s is 10.5 fps, not 11.
      const now = Date.now();
      // From the source's own count: frames that only direct viewers got never reach JS.
      const captured = this.source.counters().captured;
      this.measuredFps = Math.round(((captured - this.capturedBefore) * 10000) / Math.max(1, now - since)) / 10;
      this.capturedBefore = captured;
      since = now;
    }, 1000);
    this.ticker.unref();
  }

  start(): void {
    this.source.start({
      frame: (frame, picture, handbacks) => {
        // The state comes from events only: frames and events travel separately, so a frame can
        // still arrive after the event that closed the device.
        if (this.sameFrames) {
          // After a picture (offline, paused) the camera's next frame always goes out.
          if (picture !== null) this.sameFrames.reset();
          else if (!this.sameFrames.pass(frame)) return frame.unref();
        }
        // Pictures carry text: they stay upright.
        const out = this.orientation === 'none' || picture !== null ? frame : this.turnAll(frame);
        if (!out) return;
        this.fanout.publish(out, handbacks);
        this.transforms.publish(out);
      },
      lost: (handbacks) => this.fanout.abandon(handbacks),
      event: (event) => this.onEvent(event),
    });
    // No viewer yet: the source needn't wake JS for every frame until one comes (or a snapshot waits).
    this.updateInterest();
  }

  /** Viewers of the plain and the turned streams: while there are any, the camera isn't released. */
  private viewersChanged(): void {
    this.source.setViewers?.(this.fanout.clientCount + (this.transforms?.clientCount ?? 0));
  }

  /** Tells the source's direct outlet whether JS needs every frame (see Fanout.wantsEveryFrame). */
  private updateInterest(): void {
    if (!this.direct) return;
    const every = this.fanout.wantsEveryFrame || (this.transforms?.clientCount ?? 0) > 0;
    if (every !== this.everyFrame) this.direct.setEveryFrame((this.everyFrame = every));
  }

  /** The camera's own --rotate/--flip; null (frame dropped, counted) when the JPEG can't be read. */
  private turnAll(frame: FrameLease): FrameLease | null {
    try {
      const turned = turn(frame, this.orientation);
      this.turned.computed++;
      return turned;
    } catch {
      this.turned.failed++;
      return null;
    } finally {
      frame.unref();
    }
  }

  private onEvent(e: SourceEvent): void {
    const reason = e.errorKind ? `${e.errorKind}: ${e.message}` : (e.message ?? '');
    switch (e.kind) {
      case 'opened': {
        const pool = Math.max(1, (e.info?.poolSize ?? this.source.poolSize) - 2);
        if (pool !== this.poolLimit) this.fanout.setMaxFramesInPool((this.poolLimit = pool));
        const i = e.info!;
        if (e.generation === 1) for (const line of i.offered ?? []) log.info(`camera ${this.name}: ${i.device ?? i.kind} offers ${line}`);
        // Reopens (after a still, a pause, an error) usually say the same: log what is new.
        const notes = (i.notes ?? []).join('\n');
        if (notes !== this.loggedNotes) for (const note of i.notes ?? []) log.info(`camera ${this.name}: ${note}`);
        this.loggedNotes = notes;
        if (this.lifecycle !== 'offline') this.lifecycle = 'streaming';
        break;
      }
      case 'failed':
        this.error = reason;
        this.errorCount++;
        this.lastError = reason;
        this.lifecycle = 'offline';
        log.error(`camera ${this.name}: ${reason}${e.retryMs ? ` (retrying in ${e.retryMs} ms)` : ''}`);
        break;
      case 'recovered':
        this.error = null;
        this.lifecycle = 'streaming';
        log.info(`camera ${this.name}: frames flow again`);
        break;
      case 'paused':
        this.lifecycle = 'paused';
        log.info(`camera ${this.name}: paused: device closed`);
        break;
      case 'resumed':
        this.lifecycle = this.error === null ? 'streaming' : 'offline';
        log.info(`camera ${this.name}: resumed`);
        break;
      case 'released':
        this.lifecycle = 'released';
        log.info(`camera ${this.name}: no viewers: device closed until the next request`);
        break;
      case 'gave_up':
        this.error = reason;
        this.lastError = reason;
        this.lifecycle = 'gave_up';
        log.error(`camera ${this.name}: giving up after ${e.attempt} failed attempts: ${reason}`);
        this.options.onGaveUp?.(`camera ${this.name}: ${reason} (${e.attempt} attempts)`);
        break;
    }
  }

  /** Whether pause/resume/stills are possible (a device the supervisor owns). */
  get controllable(): boolean {
    return typeof this.source.pause === 'function';
  }

  pause(): boolean {
    if (!this.source.pause) return false;
    this.source.pause();
    return true;
  }

  resume(): boolean {
    if (!this.source.resume) return false;
    this.source.resume();
    return true;
  }

  /** One still at `size`; concurrent requests for one size share one mode switch. */
  still(size: StillSize): Promise<StillShot> {
    const take = this.source.still?.bind(this.source);
    if (!take) return Promise.reject(new Error(`unsupported: camera ${this.name} (${this.source.info.kind}) takes no stills`));
    const key = `${size.width}x${size.height}`;
    const inFlight = this.stillsInFlight.get(key);
    if (inFlight) return inFlight;
    const at = new Date().toISOString();
    const shot = take(size.width, size.height).then(
      (s) => {
        this.lastStill = { width: s.width, height: s.height, ms: Math.round(s.elapsedMs), at };
        log.info(`camera ${this.name}: still ${s.width}x${s.height} (asked ${size.width ? key : 'max'}) in ${Math.round(s.elapsedMs)} ms`);
        return s;
      },
      (e: Error) => {
        this.lastStill = { error: e.message, at };
        log.warn(`camera ${this.name}: still ${key} failed: ${e.message}`);
        throw e;
      },
    );
    const done = () => this.stillsInFlight.delete(key);
    shot.then(done, done);
    this.stillsInFlight.set(key, shot);
    return shot;
  }

  /** The snapshot for a request: a still when `sizeParam` (or snapshot_width/height) asks for one,
   * else a frame captured at most `maxDelayMs` ago or the next one; or why there is none (400: the
   * request's fault; 503: the camera's). A paused camera answers with its paused picture. */
  async snapshot(sizeParam: string | null, maxDelayMs: number): Promise<{ frame: FrameLease } | { status: 400 | 503; message: string }> {
    let size: StillSize | null = this.options.snapshotSize ?? null;
    if (sizeParam !== null && sizeParam !== '') {
      const parsed = parseStillSize(sizeParam);
      if (typeof parsed === 'string') return { status: 400, message: parsed };
      size = parsed;
    }
    if (size && this.lifecycle !== 'paused' && this.controllable) {
      try {
        const s = await this.still(size);
        // The still's own memory, never reused: writers may hold it as it is. Seq 0: not a stream frame.
        const still = new FrameLease(0, Date.now() * 1000, s.jpeg, 0, s.jpeg.length, { release() {}, pooled: false });
        const out = this.orientation === 'none' ? still : this.turnAll(still);
        return out ? { frame: out } : { status: 503, message: 'the still could not be turned (not a readable JPEG)' };
      } catch (e) {
        return { status: 503, message: (e as Error).message };
      }
    }
    this.source.demand?.();
    const since = Date.now() * 1000 - maxDelayMs * 1000;
    const frame = await this.fanout.frameAfter(since, 5000);
    return frame ? { frame } : { status: 503, message: this.error ?? 'no frame within 5 s' };
  }

  state() {
    const { clientList, ...totals } = this.fanout.stats();
    const info = this.source.info;
    return {
      name: this.name,
      source: { ...info, fps: { desired: info.fps, measured: this.measuredFps } },
      online: this.error === null && this.lifecycle !== 'paused' && this.lifecycle !== 'gave_up',
      state: this.lifecycle,
      paused: this.lifecycle === 'paused',
      error: this.error,
      errors: { count: this.errorCount, last: this.lastError },
      lastStill: this.lastStill,
      counters: { ...this.source.counters(), ...(this.sameFrames ? { sameFramesDropped: this.sameFrames.dropped } : {}) },
      stream: totals,
      transforms: { ...(this.orientation !== 'none' ? { camera: { orientation: this.orientation, computed: this.turned.computed, failed: this.turned.failed } } : {}), ...this.transforms.stats() },
      // Viewers of a turned stream too (?rotate=, ?flip=), with their orientation.
      clients: [...clientList, ...this.transforms.clientList()],
    };
  }

  /** Resolves once the source has stopped (at once for most; a program may take its grace). */
  stop(): Promise<void> {
    clearInterval(this.ticker);
    this.fanout.close();
    this.transforms.close();
    return Promise.resolve(this.source.stop());
  }
}
