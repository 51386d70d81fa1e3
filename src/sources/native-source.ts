// A FrameSource over the Rust addon's Camera, whose capture supervisor owns the device's life (open,
// reopen with backoff, offline and paused pictures, pause, idle release, stills, max restarts).
// Here leases of pool slots become FrameLeases, zero copy, and the supervisor's typed events are
// passed on.
import { binding, type ControlValue, type NativeCamera, type NativeCameraEvent, type NativeCameraOptions } from '../native/binding';
import { countsOf, type DirectOutlet, handbacksOf } from './direct';
import { FrameLease } from './lease';
import type { FrameSource, SourceCounters, SourceEventKind, SourceInfo, SourceListener, StillShot } from './source';

/** No still answer within this long is a failure (the supervisor gives up after 10 s itself). */
const STILL_TIMEOUT_MS = 15000;

export class NativeSource implements FrameSource {
  private readonly camera: NativeCamera;
  /** The slots of the newest generation the camera was opened with (wrapped on its first frame). */
  private slots: Buffer[] = [];
  private generation = 0;
  private stopped = false;
  private readonly stills = new Map<number, { resolve: (s: StillShot) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(options: NativeCameraOptions) {
    this.camera = new (binding().Camera)(options);
  }

  readonly direct: DirectOutlet = {
    add: (id, fd) => {
      try {
        this.camera.addDirect(id, fd);
        return true;
      } catch {
        return false;
      }
    },
    remove: (id) => countsOf(this.camera.removeDirect(id)),
    takeCounts: (id) => countsOf(this.camera.takeDirectCounts(id)),
    setEveryFrame: (every) => this.camera.setEveryFrame(every),
    quietFrames: () => this.camera.quietFrames(),
  };

  /** What the device delivers (what was asked for, until it is first opened). */
  get info(): SourceInfo {
    return this.camera.info();
  }

  /** What the driver granted (or the pool's size), not what was asked for. */
  get poolSize(): number {
    return this.camera.info().poolSize;
  }

  start(listener: SourceListener): void {
    this.camera.start(
      (slot, offset, length, seq, timestampUs, generation, flat) => {
        const handbacks = handbacksOf(flat);
        if (this.stopped) return void this.camera.release(generation, slot);
        if (generation !== this.generation) {
          // A reopened camera: its slots are new memory, wrapped once (V8 aborts on wrapping the
          // same memory twice). null: that generation is already gone, and its slot with it.
          const wrapped = this.camera.buffers(generation);
          if (!wrapped) {
            if (handbacks) listener.lost?.(handbacks);
            return;
          }
          this.slots = wrapped;
          this.generation = generation;
        }
        const origin = { release: () => void this.camera.release(generation, slot) };
        listener.frame(new FrameLease(seq, timestampUs, this.slots[slot], offset, length, origin), null, handbacks);
      },
      (event) => this.onEvent(event, listener),
    );
  }

  /** Controls the capture side applies after its next open and stream-on. */
  setDesiredControls(controls: ControlValue[]): void {
    this.camera.setDesiredControls(controls);
  }

  private onEvent(event: NativeCameraEvent, listener: SourceListener): void {
    if (this.stopped) return;
    if (event.kind === 'picture' && event.jpeg) {
      const jpeg = event.jpeg;
      // Its own memory, never reused (a new picture is a new Buffer).
      const frame = new FrameLease(event.seq ?? 0, event.timestampUs ?? Date.now() * 1000, jpeg, 0, jpeg.length, { release() {}, pooled: false });
      listener.frame(frame, event.picture === 'paused' ? 'paused' : 'offline', handbacksOf(event.handbacks));
      return;
    }
    if (event.kind === 'still') {
      const waiter = this.stills.get(event.stillId ?? -1);
      if (!waiter) return;
      this.stills.delete(event.stillId!);
      clearTimeout(waiter.timer);
      if (event.jpeg) waiter.resolve({ jpeg: event.jpeg, width: event.width!, height: event.height!, elapsedMs: event.elapsedMs! });
      else waiter.reject(new Error(`${event.errorKind}: ${event.message}`));
      return;
    }
    const { generation, info, errorKind, message, attempt, retryMs } = event;
    // The addon's string enum has exactly these values (its generated typing is a const enum).
    listener.event({ kind: event.kind as unknown as SourceEventKind, generation, info, errorKind, message, attempt, retryMs });
  }

  pause(): void {
    this.camera.pause();
  }

  resume(): void {
    this.camera.resume();
  }

  demand(): void {
    this.camera.demand();
  }

  setViewers(n: number): void {
    this.camera.setViewers(n);
  }

  /** One still at width×height (0×0: the largest the camera takes). */
  still(width: number, height: number): Promise<StillShot> {
    return new Promise((resolve, reject) => {
      const id = this.camera.still(width, height);
      const timer = setTimeout(() => {
        this.stills.delete(id);
        reject(new Error(`timeout: no still within ${STILL_TIMEOUT_MS / 1000} s`));
      }, STILL_TIMEOUT_MS);
      this.stills.set(id, { resolve, reject, timer });
    });
  }

  counters(): SourceCounters {
    return this.camera.stats();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.camera.stop();
    for (const w of this.stills.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('stopped: mjpgd is stopping'));
    }
    this.stills.clear();
  }
}
