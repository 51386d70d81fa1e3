// A frame as a source hands it over: a lease on the memory holding one JPEG, with a reference count
// that gives the memory back (to the driver, the pool) when the last holder lets go. Neutral: it knows
// nothing of HTTP or multipart; the stream engine lays its parts out around the JPEG (src/stream/part.ts).

/** Room a source leaves in front of and behind a JPEG it had to copy anyway, so that a consumer can
 * frame it (a part header, a delimiter) around the bytes without another copy. */
export const FRAME_HEADROOM = 128;
export const FRAME_TAILROOM = 64;

export interface FrameOrigin {
  /** Called once, when no client or snapshot needs the frame's memory any more. */
  release(): void;
  /** false when the memory is never reused (a file's bytes): writers may then queue it as it is.
   * Default true: the memory goes back to a pool after release. */
  pooled?: boolean;
}

export class FrameLease {
  /** Where the JPEG lives now: the source's memory, or a copy after moveOutOfPool. */
  memory: Buffer;
  jpegOffset: number;
  /** The JPEG alone (a view of `memory`). */
  jpeg: Buffer;
  /** `memory` goes back to a pool on release: whoever keeps bytes past a call copies them. */
  pooled: boolean;
  /** JPEG bytes copied to keep this frame after its memory went back (0 on the zero-copy path). */
  copiedBytes = 0;
  /** The consumer's layout of this frame (the stream engine's parts); dropped when the memory moves. */
  layout: unknown = null;
  private refs = 1;
  private origin: FrameOrigin | null;

  constructor(
    readonly seq: number,
    readonly timestampUs: number,
    memory: Buffer,
    jpegOffset: number,
    jpegLength: number,
    origin: FrameOrigin,
  ) {
    this.origin = origin;
    this.memory = memory;
    this.jpegOffset = jpegOffset;
    this.jpeg = memory.subarray(jpegOffset, jpegOffset + jpegLength);
    this.pooled = origin.pooled !== false;
  }

  /** Whether the frame still holds its source's memory. */
  get holdsSlot(): boolean {
    return this.origin !== null;
  }

  ref(): this {
    this.refs++;
    return this;
  }

  unref(): void {
    if (--this.refs === 0) this.releaseOrigin();
  }

  /** Copies the JPEG into memory of its own with `front` and `back` bytes of room around it and gives
   * the source's memory back at once. Returns the bytes copied (0 if it was already out). */
  moveOutOfPool(front: number, back: number): number {
    if (!this.origin) return 0;
    const copy = Buffer.allocUnsafe(front + this.jpeg.length + back);
    this.jpeg.copy(copy, front);
    this.memory = copy;
    this.jpegOffset = front;
    this.jpeg = copy.subarray(front, front + this.jpeg.length);
    this.pooled = false;
    this.layout = null;
    this.copiedBytes += this.jpeg.length;
    this.releaseOrigin();
    return this.jpeg.length;
  }

  private releaseOrigin(): void {
    const o = this.origin;
    this.origin = null;
    o?.release();
  }
}
