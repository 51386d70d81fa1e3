// A frame shared by every client that sends it: the complete multipart part in one Buffer, and a
// reference count that gives the pool slot back to the source when the last holder lets go.
import { ADVANCE_TRAILER, partHeader, PART_TRAILER } from './multipart';

export interface FrameOrigin {
  /** Called once, when no client or snapshot needs the frame's memory any more. */
  release(): void;
}

const ADVANCE_TRAILER_LENGTH = ADVANCE_TRAILER.length;

export class SharedFrame {
  /** Header + JPEG + CRLF, contiguous, so each client gets it with one write. */
  part!: Buffer;
  /** The JPEG alone (a view into `part`). */
  jpeg!: Buffer;
  /** Bytes copied to build or keep this frame (0 when the part was laid out in the slot's headroom). */
  copiedBytes = 0;
  private refs = 1;
  private origin: FrameOrigin | null;
  /** JPEG + CRLF + next part's header, for advance_headers clients; built on first use. */
  private advance: Buffer | null = null;
  /** The slot region both forms live in: [regionStart, regionEnd) of the slot. */
  private region!: Buffer;
  private readonly headerLength: number;

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
    this.headerLength = headerLength;
    const jpegEnd = jpegOffset + jpegLength;
    if (jpegOffset >= headerLength && slot.length >= jpegEnd + PART_TRAILER.length) {
      // Zero copy: the header goes into the headroom in front of the JPEG, CRLF into the tailroom.
      // When the tailroom is big enough (it nearly always is: slots are sized for the worst JPEG) the
      // advance_headers trailer goes there too; it starts with the same CRLF, so both forms coexist.
      const start = jpegOffset - headerLength;
      slot.write(header, start, 'latin1');
      const roomForAdvance = slot.length >= jpegEnd + ADVANCE_TRAILER_LENGTH;
      slot.write(roomForAdvance ? ADVANCE_TRAILER : PART_TRAILER, jpegEnd, 'latin1');
      this.region = slot.subarray(start, jpegEnd + (roomForAdvance ? ADVANCE_TRAILER_LENGTH : PART_TRAILER.length));
      this.part = slot.subarray(start, jpegEnd + PART_TRAILER.length);
      this.jpeg = slot.subarray(jpegOffset, jpegEnd);
      if (roomForAdvance) this.advance = slot.subarray(jpegOffset, jpegEnd + ADVANCE_TRAILER_LENGTH);
    } else {
      // No room around the JPEG (e.g. a driver's buffer): build the part by copying, and let go
      // of the slot at once.
      this.region = Buffer.concat([
        Buffer.from(header, 'latin1'),
        slot.subarray(jpegOffset, jpegEnd),
        Buffer.from(ADVANCE_TRAILER, 'latin1'),
      ]);
      this.copiedBytes = jpegLength;
      this.split(jpegLength);
      this.releaseOrigin();
    }
  }

  /** The bytes an advance_headers client gets for this frame: JPEG, CRLF, the next part's header. */
  get advancePart(): Buffer {
    if (!this.advance) {
      // The slot had no tailroom for the trailer: one copy, once per frame, for all such clients.
      this.region = Buffer.concat([this.part, Buffer.from(ADVANCE_TRAILER.slice(PART_TRAILER.length), 'latin1')]);
      this.copiedBytes += this.jpeg.length;
      this.split(this.jpeg.length);
      this.releaseOrigin();
    }
    return this.advance!;
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
    const jpegLength = this.jpeg.length;
    this.region = Buffer.from(this.region);
    this.split(jpegLength);
    this.copiedBytes += jpegLength;
    this.releaseOrigin();
    return jpegLength;
  }

  /** Re-derives the views from `region` (header, JPEG, then CRLF or the whole advance trailer). */
  private split(jpegLength: number): void {
    const h = this.headerLength;
    const r = this.region;
    this.part = r.subarray(0, h + jpegLength + PART_TRAILER.length);
    this.jpeg = r.subarray(h, h + jpegLength);
    this.advance = r.length >= h + jpegLength + ADVANCE_TRAILER_LENGTH ? r.subarray(h, h + jpegLength + ADVANCE_TRAILER_LENGTH) : null;
  }

  private releaseOrigin(): void {
    const o = this.origin;
    this.origin = null;
    o?.release();
  }
}
