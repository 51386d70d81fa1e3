// A FrameSource over any async iterable of JPEGs (the library's serveMjpeg): the iterable sets the
// pace, each JPEG is published to the fan-out as it comes, without a copy.
import { FrameLease } from './lease';
import { jpegSize } from './jpeg-size';
import type { FrameSource, SourceCounters, SourceInfo, SourceListener } from './source';

/** A JPEG, or a JPEG with its capture time (ms since the epoch, as MjpegClient frames carry it). */
export type FrameInput = Buffer | { data: Buffer; timestamp?: number };

export class IterableSource implements FrameSource {
  info: SourceInfo = { kind: 'iterable', width: 0, height: 0, fps: 0, format: 'MJPG', notes: [] };
  /** Frames are the caller's buffers: nothing to give back. */
  readonly poolSize = Number.MAX_SAFE_INTEGER;
  private stopped = false;
  private seq = 0;
  private lastTimestampUs = 0;
  private received = 0;
  private invalid = 0;
  private iterator: AsyncIterator<FrameInput> | null = null;

  constructor(private readonly frames: AsyncIterable<FrameInput>) {}

  start(listener: SourceListener): void {
    void this.run(listener);
  }

  counters(): SourceCounters {
    return { captured: this.received, invalid: this.invalid, dropped: 0, bytesCopied: 0, leased: 0 };
  }

  /** Ends the iteration (return()): a generator's clean-up runs, an MjpegClient closes. An async
   * generator runs it once its pending next() settles, i.e. at the next item. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.iterator?.return?.()?.catch(() => undefined);
  }

  private async run(listener: SourceListener): Promise<void> {
    try {
      const it = this.frames[Symbol.asyncIterator]();
      this.iterator = it;
      for (;;) {
        const step = await it.next();
        if (step.done || this.stopped) break;
        const item = step.value;
        const data = Buffer.isBuffer(item) ? item : item.data;
        // Not a JPEG: counted and skipped, as a camera's broken frames are (viewers would choke on it).
        if (!Buffer.isBuffer(data) || data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) {
          this.invalid++;
          continue;
        }
        if (this.received++ === 0) {
          const size = jpegSize(data);
          if (size) this.info = { ...this.info, ...size };
        }
        const ms = Buffer.isBuffer(item) ? undefined : item.timestamp;
        // Rising, whatever the caller passes: the fan-out measures frame intervals from it.
        const t = Math.max(typeof ms === 'number' && Number.isFinite(ms) ? Math.round(ms * 1000) : Date.now() * 1000, this.lastTimestampUs + 1);
        this.lastTimestampUs = t;
        // "pooled" (the default): the caller may reuse its buffer once the iterator moves on, so a
        // transport that must keep bytes past a write copies them.
        listener.frame(new FrameLease(this.seq++, t, data, 0, data.length, { release() {} }), null);
      }
      if (!this.stopped) listener.event({ kind: 'failed', message: 'the frame source ended' });
    } catch (e) {
      if (!this.stopped) listener.event({ kind: 'failed', message: `the frame source failed: ${(e as Error).message}` });
    }
  }
}
