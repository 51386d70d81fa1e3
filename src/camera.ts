// One camera at runtime: its source feeding its fan-out, plus the figures /state reports.
import { log } from './log';
import type { FrameSource } from './sources/source';
import { Fanout, type FanoutOptions } from './stream/fanout';
import { SameFrameFilter } from './stream/same-frames';

export type CameraOptions = Omit<FanoutOptions, 'maxFramesInPool'> & {
  /** --drop-same-frames: skip repeats of the previous frame, sending at least every Nth (0: off). */
  dropSameFrames?: number;
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

  constructor(
    readonly name: string,
    readonly source: FrameSource,
    { dropSameFrames = 0, ...fanoutOptions }: CameraOptions,
  ) {
    // Keep two slots for the source: one being filled, one spare.
    this.fanout = new Fanout({ ...fanoutOptions, maxFramesInPool: Math.max(1, source.poolSize - 2) });
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
        this.fanout.publish(frame);
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
      clients: clientList,
    };
  }

  /** Resolves once the source has stopped (at once for most; a program may take its grace). */
  stop(): Promise<void> {
    clearInterval(this.ticker);
    this.fanout.close();
    return Promise.resolve(this.source.stop());
  }
}
