// The multipart part of a frame, laid out around its JPEG without copying it: the part header written
// into the room in front of the JPEG and the next delimiter into the room behind, where the lease's
// memory has it (the memory is ours while leased); header + JPEG + delimiter as separate chunks where
// it doesn't (a driver's MJPEG buffer, a file). Built once per frame, shared by every viewer. A part
// header is at most ~90 bytes and the advance trailer ~50, within the room sources leave
// (FRAME_HEADROOM, FRAME_TAILROOM in src/sources/lease.ts).
import type { FrameLease } from '../sources/lease';
import { ADVANCE_TRAILER, partHeaderLength, PART_TRAILER, writePartHeader } from './multipart';

/** Bytes sent as one part, in order. */
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

interface Layout {
  part: Chunks;
  advance: Chunks | null;
}

function chunks(pooled: boolean, ...list: Buffer[]): Chunks {
  return { list, length: list.reduce((n, b) => n + b.length, 0), pooled };
}

function layoutOf(f: FrameLease): Layout {
  return (f.layout as Layout | null) ?? (f.layout = { part: layOut(f), advance: null });
}

/** Part headers, JPEG, the next delimiter. */
export function partOf(f: FrameLease): Chunks {
  return layoutOf(f).part;
}

/** JPEG, the next delimiter and part header: what advance_headers clients get. Built on first use
 * (most frames have no such client). */
export function advancePartOf(f: FrameLease): Chunks {
  const l = layoutOf(f);
  if (l.advance) return l.advance;
  const { memory, jpegOffset, jpeg, pooled } = f;
  const end = jpegOffset + jpeg.length;
  const tail = memory.length - end;
  if (tail >= ADVANCE.length) {
    ADVANCE.copy(memory, end);
    l.advance = chunks(pooled, memory.subarray(jpegOffset, end + ADVANCE.length));
  } else if (tail >= TRAILER.length) {
    l.advance = chunks(pooled, memory.subarray(jpegOffset, end + TRAILER.length), ADVANCE_REST);
  } else {
    l.advance = chunks(pooled, jpeg, ADVANCE);
  }
  return l.advance;
}

/** Moves a frame still being sent to slow viewers out of its source's pool, with room for its part
 * around it, so the slot can go back to the driver. Returns the bytes copied. */
export function detachFromPool(f: FrameLease): number {
  return f.moveOutOfPool(partHeaderLength(f.jpeg.length, f.timestampUs), ADVANCE.length);
}

/** No strings: this runs per frame. */
function layOut(f: FrameLease): Chunks {
  const { memory, jpegOffset: offset, pooled } = f;
  const length = f.jpeg.length;
  const headerLength = partHeaderLength(length, f.timestampUs);
  const end = offset + length;
  const trailerFits = memory.length - end >= TRAILER.length;
  if (trailerFits) TRAILER.copy(memory, end);
  if (offset >= headerLength) {
    // Header, JPEG and trailer are neighbours: one chunk.
    writePartHeader(memory, offset - headerLength, length, f.timestampUs);
    const first = memory.subarray(offset - headerLength, trailerFits ? end + TRAILER.length : end);
    return trailerFits ? chunks(pooled, first) : chunks(pooled, first, TRAILER);
  }
  const header = Buffer.allocUnsafe(headerLength);
  writePartHeader(header, 0, length, f.timestampUs);
  return trailerFits ? chunks(pooled, header, memory.subarray(offset, end + TRAILER.length)) : chunks(pooled, header, f.jpeg, TRAILER);
}
