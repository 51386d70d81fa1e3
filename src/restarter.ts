// Starting something again after it failed, with backoff: the one owner of that schedule on the JS
// side. The exec source restarts its program with it, the MJPEG client (and so the HTTP relay source)
// reconnects with it. No I/O of its own: the timers are injected, so tests run it without waiting.

/** The timers a Restarter waits with (setTimeout/clearTimeout unless a test passes fakes). */
export interface RestartTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: RestartTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RestartOptions {
  /** The first wait, and the wait again after `reset()`. */
  firstMs: number;
  /** Waits double up to this. */
  maxMs: number;
  timers?: RestartTimers;
}

export class Restarter {
  /** Runs started again so far. */
  private started = 0;
  private delayMs: number;
  private handle: unknown = null;
  private stopped = false;
  private readonly timers: RestartTimers;

  constructor(
    private readonly run: () => void,
    private readonly options: RestartOptions,
  ) {
    this.delayMs = options.firstMs;
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** How often `run` was started again. */
  get restarts(): number {
    return this.started;
  }

  /** The wait the next `schedule()` would use. */
  get nextDelayMs(): number {
    return this.delayMs;
  }

  /** A run is scheduled and hasn't started yet. */
  get pending(): boolean {
    return this.handle !== null;
  }

  /** Starts `run` again after the current wait; the wait after that is twice as long (up to maxMs).
   * Returns the wait, or null (nothing scheduled) once stopped or while a run is already pending. */
  schedule(): number | null {
    if (this.stopped || this.handle !== null) return null;
    const wait = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxMs);
    this.handle = this.timers.set(() => {
      this.handle = null;
      if (this.stopped) return;
      this.started++;
      this.run();
    }, wait);
    return wait;
  }

  /** What runs now works: the next failure waits the first wait again. */
  reset(): void {
    this.delayMs = this.options.firstMs;
  }

  /** No more runs: a pending one is cancelled, and schedule() does nothing from now on. */
  stop(): void {
    this.stopped = true;
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
  }
}
