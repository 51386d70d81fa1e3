// --drop-same-frames N: a frame identical to the last one sent is not sent again (a static scene
// costs no bandwidth), but every Nth is, so viewers that restart after seconds without a frame
// (Mainsail: 10 s) keep theirs. Identical means the same bytes: the length is compared first, as
// it differs for almost every changed frame, then the bytes.
import type { FrameLease } from '../sources/lease';

export class SameFrameFilter {
  /** Frames not sent because they repeated the previous one. */
  dropped = 0;
  /** A copy: holding the previous frame itself would keep a capture slot from going back. */
  private last: Buffer | null = null;
  private repeats = 0;

  /** `every`: send at least one frame in this many (>= 1; 1 drops nothing). */
  constructor(private readonly every: number) {}

  /** Whether `frame` goes to viewers. */
  pass(frame: FrameLease): boolean {
    const jpeg = frame.jpeg;
    const same = this.last !== null && this.last.length === jpeg.length && this.last.equals(jpeg);
    if (same && this.repeats + 1 < this.every) {
      this.repeats++;
      this.dropped++;
      return false;
    }
    this.repeats = 0;
    if (!same) {
      if (this.last === null || this.last.length !== jpeg.length) this.last = Buffer.allocUnsafe(jpeg.length);
      jpeg.copy(this.last);
    }
    return true;
  }

  /** Forget the last frame (after a gap, e.g. the offline picture, the next frame always goes out). */
  reset(): void {
    this.last = null;
    this.repeats = 0;
  }
}
