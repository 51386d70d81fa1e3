// A frame shared by every client that sends it: the complete multipart part in one Buffer, and a
// reference count that gives the pool slot back to the source when the last holder lets go.
import { partHeader, PART_TRAILER } from './multipart';

export interface FrameOrigin {
  /** Called once, when no client or snapshot needs the frame's memory any more. */
  release(): void;
}

export class SharedFrame {
  /** Header + JPEG + CRLF, contiguous, so each client gets it with one write. */
  part: Buffer;
  /** The JPEG alone (a view into `part`). */
  jpeg: Buffer;
  /** Bytes copied to build or keep this frame (0 when the part was laid out in the slot's headroom). */
  copiedBytes = 0;
  private refs = 1;
  private origin: FrameOrigin | null;

  constructor(
    readonly seq: number,
    readonly timestampUs: number,
    slot: Buffer,
    jpegOffset: number,
    jpegLength: number,
    origin: FrameOrigin,
  ) {
    this.origin = origin;
    const header = partHeader(jpegLength, timestampUs);
    const headerLength = Buffer.byteLength(header, 'latin1');
    const jpegEnd = jpegOffset + jpegLength;
    if (jpegOffset >= headerLength && slot.length >= jpegEnd + PART_TRAILER.length) {
      // Zero copy: the header goes into the headroom in front of the JPEG, CRLF into the tailroom.
      const start = jpegOffset - headerLength;
      slot.write(header, start, 'latin1');
      slot.write(PART_TRAILER, jpegEnd, 'latin1');
      this.part = slot.subarray(start, jpegEnd + PART_TRAILER.length);
      this.jpeg = slot.subarray(jpegOffset, jpegEnd);
    } else {
      // No room around the JPEG (e.g. a driver's buffer): build the part by copying, and let go
      // of the slot at once.
      this.part = Buffer.concat([
        Buffer.from(header, 'latin1'),
        slot.subarray(jpegOffset, jpegEnd),
        Buffer.from(PART_TRAILER, 'latin1'),
      ]);
      this.jpeg = this.part.subarray(headerLength, headerLength + jpegLength);
      this.copiedBytes = jpegLength;
      this.releaseOrigin();
    }
  }

  /** Whether the frame still occupies a slot of its source's pool. */
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

  /** Moves the bytes out of the source's pool into JS memory, so the slot can go back to the
   * driver while slow clients still send this frame. Returns the bytes copied. */
  detachFromPool(): number {
    if (!this.origin) return 0;
    const headerLength = this.part.length - this.jpeg.length - PART_TRAILER.length;
    this.part = Buffer.from(this.part);
    this.jpeg = this.part.subarray(headerLength, headerLength + this.jpeg.length);
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
