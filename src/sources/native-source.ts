// A FrameSource over the Rust addon's Camera: leases of pool slots become SharedFrames, zero copy.
import { binding, type ControlValue, type NativeCamera, type NativeCameraOptions } from '../native/binding';
import { SharedFrame } from '../stream/frame';
import type { FrameSource, SourceCounters, SourceInfo, SourceListener } from './source';

export class NativeSource implements FrameSource {
  readonly info: SourceInfo;
  readonly poolSize: number;
  private readonly camera: NativeCamera;
  private slots: Buffer[] = [];
  private stopped = false;

  constructor(options: NativeCameraOptions) {
    this.camera = new (binding().Camera)(options);
    this.info = this.camera.info();
    this.poolSize = options.buffers;
  }

  start(listener: SourceListener): void {
    // Wrapped once for the life of the camera: V8 aborts if the same memory is wrapped twice.
    this.slots = this.camera.buffers();
    this.camera.start(
      (slot, offset, length, seq, timestampUs) => {
        if (this.stopped) {
          this.camera.release(slot);
          return;
        }
        const origin = { release: () => void this.camera.release(slot) };
        listener.frame(new SharedFrame(seq, timestampUs, this.slots[slot], offset, length, origin));
      },
      (state, message) => listener.status(state, message),
    );
  }

  /** Controls the capture side applies after its next open and stream-on. */
  setDesiredControls(controls: ControlValue[]): void {
    this.camera.setDesiredControls(controls);
  }

  counters(): SourceCounters {
    return this.camera.stats();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.camera.stop();
  }
}
