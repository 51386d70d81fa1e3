// A frame shared by every client that sends it: the multipart part as at most a few chunks laid out
// around the JPEG without copying it, and a reference count that gives the pool slot back to the
// source when the last holder lets go.
import { ADVANCE_TRAILER, partHeaderLength, PART_TRAILER, writePartHeader } from './multipart';

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
  /** The JPEG alone. */
  jpeg!: Buffer;
  /** JPEG bytes copied to keep this frame after its slot went back (0 on the zero-copy path). */
  copiedBytes = 0;
  private refs = 1;
  private origin: FrameOrigin | null;
  /** Where the JPEG lives (the slot, or a copy) and whether the room after it holds the advance trailer. */
  private memory!: Buffer;
  private jpegOffset = 0;
  private pooled = true;
  private advance: Chunks | null = null;

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

  /** JPEG, the next delimiter and part header: what advance_headers clients get. Built on first use
   * (most frames have no such client). */
  get advancePart(): Chunks {
    if (this.advance) return this.advance;
    const end = this.jpegOffset + this.jpeg.length;
    const tail = this.memory.length - end;
    if (tail >= ADVANCE.length) {
      ADVANCE.copy(this.memory, end);
      this.advance = chunks(this.pooled, this.memory.subarray(this.jpegOffset, end + ADVANCE.length));
    } else if (tail >= TRAILER.length) {
      this.advance = chunks(this.pooled, this.memory.subarray(this.jpegOffset, end + TRAILER.length), ADVANCE_REST);
    } else {
      this.advance = chunks(this.pooled, this.jpeg, ADVANCE);
    }
    return this.advance;
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
    const headerLength = partHeaderLength(this.jpeg.length, this.timestampUs);
    const copy = Buffer.allocUnsafe(headerLength + this.jpeg.length + ADVANCE.length);
    this.jpeg.copy(copy, headerLength);
    this.layOut(copy, headerLength, this.jpeg.length, false);
    this.copiedBytes += this.jpeg.length;
    this.releaseOrigin();
    return this.jpeg.length;
  }

  /** Writes the part header into the room in front of the JPEG and the trailer after it where there
   * is room (the slot is ours while leased), and builds the chunk list. No strings: this runs per frame. */
  private layOut(slot: Buffer, offset: number, length: number, pooled: boolean): void {
    const headerLength = partHeaderLength(length, this.timestampUs);
    const end = offset + length;
    this.memory = slot;
    this.jpegOffset = offset;
    this.pooled = pooled;
    this.advance = null;
    this.jpeg = slot.subarray(offset, end);
    const trailerFits = slot.length - end >= TRAILER.length;
    if (trailerFits) TRAILER.copy(slot, end);
    if (offset >= headerLength) {
      // Header, JPEG and trailer are neighbours: one chunk.
      writePartHeader(slot, offset - headerLength, length, this.timestampUs);
      const first = slot.subarray(offset - headerLength, trailerFits ? end + TRAILER.length : end);
      this.part = trailerFits ? chunks(pooled, first) : chunks(pooled, first, TRAILER);
      return;
    }
    const header = Buffer.allocUnsafe(headerLength);
    writePartHeader(header, 0, length, this.timestampUs);
    this.part = trailerFits ? chunks(pooled, header, slot.subarray(offset, end + TRAILER.length)) : chunks(pooled, header, this.jpeg, TRAILER);
  }

  private releaseOrigin(): void {
    const o = this.origin;
    this.origin = null;
    o?.release();
  }
}
