// A frame shared by every client that sends it: the multipart part as at most a few chunks laid out
// around the JPEG without copying it, and a reference count that gives the pool slot back to the
// source when the last holder lets go.
import { ADVANCE_TRAILER, partHeader, PART_TRAILER } from './multipart';

export interface FrameOrigin {
  /** Called once, when no client or snapshot needs the frame's memory any more. */
  release(): void;
  /** false when the memory is never reused (a file's bytes): writers may then queue it as it is.
   * Default true: the memory goes back to a pool after release. */
  pooled?: boolean;
}

/** Bytes sent as one part, in order. One chunk when the header fits in the slot's headroom
 * (encoded frames); header + JPEG when it can't (a driver's MJPEG buffer starts with the JPEG). */
export interface Chunks {
  list: Buffer[];
  length: number;
  /** The memory goes back to a capture pool once the frame is let go: a writer that must keep bytes
   * past the write call copies them. */
  pooled: boolean;
}

const TRAILER = Buffer.from(PART_TRAILER, 'latin1');
const ADVANCE = Buffer.from(ADVANCE_TRAILER, 'latin1');
/** The advance trailer after the part trailer it starts with. */
const ADVANCE_REST = ADVANCE.subarray(TRAILER.length);

function chunks(pooled: boolean, ...list: Buffer[]): Chunks {
  return { list, length: list.reduce((n, b) => n + b.length, 0), pooled };
}

export class SharedFrame {
  /** Part headers, JPEG, the next delimiter. */
  part!: Chunks;
  /** JPEG, the next delimiter and part header: what advance_headers clients get. */
  advancePart!: Chunks;
  /** The JPEG alone. */
  jpeg!: Buffer;
  /** JPEG bytes copied to keep this frame after its slot went back (0 on the zero-copy path). */
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
    this.layOut(slot, jpegOffset, jpegLength, origin.pooled !== false);
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

  /** Moves the JPEG out of the source's pool into JS memory, so the slot can go back to the driver
   * while slow clients still send this frame. Returns the bytes copied. */
  detachFromPool(): number {
    if (!this.origin) return 0;
    const header = partHeader(this.jpeg.length, this.timestampUs);
    const headerLength = Buffer.byteLength(header, 'latin1');
    const copy = Buffer.allocUnsafe(headerLength + this.jpeg.length + ADVANCE.length);
    this.jpeg.copy(copy, headerLength);
    this.layOut(copy, headerLength, this.jpeg.length, false);
    this.copiedBytes += this.jpeg.length;
    this.releaseOrigin();
    return this.jpeg.length;
  }

  /** Writes the part header into the room in front of the JPEG and the trailers after it where there
   * is room (the slot is ours while leased), and builds the chunk lists. */
  private layOut(slot: Buffer, offset: number, length: number, pooled: boolean): void {
    const header = partHeader(length, this.timestampUs);
    const headerLength = Buffer.byteLength(header, 'latin1');
    const end = offset + length;
    const tail = slot.length - end;
    this.jpeg = slot.subarray(offset, end);
    // After the JPEG: the advance trailer (it starts with the part trailer), or just the part trailer.
    let body: Buffer[];
    let advanceBody: Buffer[];
    if (tail >= ADVANCE.length) {
      ADVANCE.copy(slot, end);
      body = [slot.subarray(offset, end + TRAILER.length)];
      advanceBody = [slot.subarray(offset, end + ADVANCE.length)];
    } else if (tail >= TRAILER.length) {
      TRAILER.copy(slot, end);
      body = [slot.subarray(offset, end + TRAILER.length)];
      advanceBody = [body[0], ADVANCE_REST];
    } else {
      body = [this.jpeg, TRAILER];
      advanceBody = [this.jpeg, ADVANCE];
    }
    this.advancePart = chunks(pooled, ...advanceBody);
    if (offset >= headerLength) {
      slot.write(header, offset - headerLength, 'latin1');
      // Header and JPEG are neighbours: the first body chunk grows backwards over the header.
      const first = slot.subarray(offset - headerLength, offset + body[0].length);
      this.part = chunks(pooled, first, ...body.slice(1));
    } else {
      this.part = chunks(pooled, Buffer.from(header, 'latin1'), ...body);
    }
  }

  private releaseOrigin(): void {
    const o = this.origin;
    this.origin = null;
    o?.release();
  }
}
