// Keeps a camera going for months: when the device is missing, busy, unplugged or silent, viewers
// stay connected and see an "offline" picture with the reason, while the device is reopened with
// backoff; frames resume on the same connections when it is back.
import { binding, type ControlValue, type NativeCameraOptions } from '../native/binding';
import { log } from '../log';
import { SharedFrame } from '../stream/frame';
import { NativeSource } from './native-source';
import type { FrameSource, SourceCounters, SourceInfo, SourceListener } from './source';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;
const OFFLINE_REPEAT_MS = 1000;

export class ResilientSource implements FrameSource {
  info: SourceInfo;
  readonly poolSize: number;
  private current: NativeSource | null = null;
  private listener: SourceListener | null = null;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private offlineTimer: NodeJS.Timeout | null = null;
  private offlineSeq = 0;
  private lastError: string | null = null;
  private stopped = false;
  /** Counters of cameras already closed, so totals survive reopening. */
  private closedTotals: SourceCounters = { captured: 0, invalid: 0, dropped: 0, bytesCopied: 0, leased: 0 };
  reopenCount = 0;

  constructor(private readonly options: NativeCameraOptions) {
    // Our own copy: setDesiredControls changes it for the next open.
    this.options = { ...options };
    this.poolSize = options.buffers;
    this.info = {
      kind: options.source,
      width: options.width,
      height: options.height,
      fps: options.fps,
      format: options.format ?? 'auto',
      device: options.device ?? undefined,
      notes: [],
    };
  }

  start(listener: SourceListener): void {
    this.listener = listener;
    this.open();
  }

  /** The controls every later open applies after stream-on (and the open camera, for its next one). */
  setDesiredControls(controls: ControlValue[]): void {
    this.options.controls = controls;
    this.current?.setDesiredControls(controls);
  }

  counters(): SourceCounters {
    const now = this.current?.counters();
    const t = this.closedTotals;
    return {
      captured: t.captured + (now?.captured ?? 0),
      invalid: t.invalid + (now?.invalid ?? 0),
      dropped: t.dropped + (now?.dropped ?? 0),
      bytesCopied: t.bytesCopied + (now?.bytesCopied ?? 0),
      leased: now?.leased ?? 0,
    };
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.closeCurrent();
  }

  private open(): void {
    if (this.stopped || !this.listener) return;
    const listener = this.listener;
    try {
      const source = new NativeSource(this.options);
      this.current = source;
      this.info = { ...source.info };
      if (this.reopenCount === 0) for (const line of source.info.offered ?? []) log.info(`${this.describe()} offers ${line}`);
      for (const note of source.info.notes ?? []) log.info(`${this.describe()}: ${note}`);
      source.start({
        frame: (f) => {
          if (this.offlineTimer) {
            this.clearTimers();
            this.retryMs = FIRST_RETRY_MS;
            this.lastError = null;
            listener.status('recovered', '');
          }
          listener.frame(f);
        },
        status: (state, message) => {
          if (state === 'error' && this.current === source) this.fail(message);
        },
      });
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  private fail(message: string): void {
    if (this.stopped) return;
    this.closeCurrent();
    // Report (and redraw the offline picture) when the reason changes, not on every retry.
    if (message !== this.lastError || !this.offlineTimer) {
      this.lastError = message;
      this.listener?.status('error', message);
      this.showOffline(message);
    }
    log.debug(`${this.describe()}: retrying in ${this.retryMs} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.reopenCount++;
      this.open();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private showOffline(reason: string): void {
    if (this.offlineTimer) clearInterval(this.offlineTimer);
    const jpeg = binding().renderOfflineJpeg(this.info.width, this.info.height, 'CAMERA OFFLINE', `${this.describe()}: ${reason}`);
    const publish = () => {
      const frame = new SharedFrame(this.offlineSeq++, Date.now() * 1000, jpeg, 0, jpeg.length, { release() {}, pooled: false });
      this.listener?.frame(frame);
    };
    publish();
    this.offlineTimer = setInterval(publish, OFFLINE_REPEAT_MS);
  }

  private closeCurrent(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    const n = c.counters();
    this.closedTotals = {
      captured: this.closedTotals.captured + n.captured,
      invalid: this.closedTotals.invalid + n.invalid,
      dropped: this.closedTotals.dropped + n.dropped,
      bytesCopied: this.closedTotals.bytesCopied + n.bytesCopied,
      leased: 0,
    };
    c.stop();
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.offlineTimer) clearInterval(this.offlineTimer);
    this.retryTimer = null;
    this.offlineTimer = null;
  }

  private describe(): string {
    return this.options.device ?? this.options.source;
  }
}
