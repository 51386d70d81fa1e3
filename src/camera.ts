// One camera at runtime: its source feeding its fan-out, plus the figures /state reports.
import { log } from './log';
import type { FrameSource } from './sources/source';
import { Fanout, type FanoutOptions } from './stream/fanout';
import { SameFrameFilter } from './stream/same-frames';
import type { SharedFrame } from './stream/frame';
import type { Orientation } from './transform/orientation';
import { Transforms, turn } from './transform/transforms';

export type CameraOptions = Omit<FanoutOptions, 'maxFramesInPool'> & {
  /** --drop-same-frames: skip repeats of the previous frame, sending at least every Nth (0: off). */
  dropSameFrames?: number;
  /** --rotate/--flip: every frame of this camera turned (lossless) before anyone gets it. */
  orientation?: Orientation;
};

export class Camera {
  readonly fanout: Fanout;
  /** Frames per second actually received from the source over the last second. */
  measuredFps = 0;
  error: string | null = null;
  /** How often the source failed, and the last reason (kept after it recovers). */
  errorCount = 0;
  lastError: string | null = null;
  private framesThisSecond = 0;
  private readonly ticker: NodeJS.Timeout;
  private readonly sameFrames: SameFrameFilter | null;
  /** Streams and snapshots in other orientations (?rotate=, ?flip=), each turned once per frame. */
  readonly transforms: Transforms;
  private readonly orientation: Orientation;
  private readonly turned = { computed: 0, failed: 0 };

  constructor(
    readonly name: string,
    readonly source: FrameSource,
    { dropSameFrames = 0, orientation = 'none', ...fanoutOptions }: CameraOptions,
  ) {
    // Keep two slots for the source: one being filled, one spare.
    this.fanout = new Fanout({ ...fanoutOptions, maxFramesInPool: Math.max(1, source.poolSize - 2) });
    this.orientation = orientation;
    // Turned frames are in memory of their own: no pool to protect.
    this.transforms = new Transforms({ ...fanoutOptions, maxFramesInPool: 1000 });
    this.sameFrames = dropSameFrames > 1 ? new SameFrameFilter(dropSameFrames) : null;
    let since = Date.now();
    this.ticker = setInterval(() => {
      // Over the time that really passed: timers drift, and 11 frames in 1.05 s is 10.5 fps, not 11.
      const now = Date.now();
      this.measuredFps = Math.round((this.framesThisSecond * 10000) / Math.max(1, now - since)) / 10;
      this.framesThisSecond = 0;
      since = now;
    }, 1000);
    this.ticker.unref();
  }

  start(): void {
    this.source.start({
      frame: (frame) => {
        // The offline picture isn't camera output: it doesn't count toward the measured rate.
        if (this.error === null) this.framesThisSecond++;
        if (this.sameFrames) {
          if (this.error !== null) this.sameFrames.reset();
          else if (!this.sameFrames.pass(frame)) return frame.unref();
        }
        const out = this.orientation === 'none' ? frame : this.turnAll(frame);
        if (!out) return;
        this.fanout.publish(out);
        this.transforms.publish(out);
      },
      status: (state, message) => {
        if (state === 'error') {
          this.error = message;
          this.errorCount++;
          this.lastError = message;
          log.error(`camera ${this.name}: ${message}`);
        } else {
          this.error = null;
          log.info(`camera ${this.name}: frames flow again`);
        }
      },
    });
  }

  /** The camera's own --rotate/--flip; null (frame dropped, counted) when the JPEG can't be read. */
  private turnAll(frame: SharedFrame): SharedFrame | null {
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

  state() {
    const { clientList, ...totals } = this.fanout.stats();
    return {
      name: this.name,
      source: { ...this.source.info, fps: { desired: this.source.info.fps, measured: this.measuredFps } },
      online: this.error === null,
      error: this.error,
      errors: { count: this.errorCount, last: this.lastError },
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
