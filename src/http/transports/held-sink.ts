// The ClientSink for writers that take every write whole and queue what the kernel didn't take (a
// Node socket; uWS's write()). The engine must still see backpressure, so the sink reports only what
// left, keeps the rest "held" (queued by the writer; it references the frame's memory, no copy), and
// asks the engine to resume once the writer has flushed it: one frame in flight per viewer.
import type { ClientSink } from '../../stream/client';
import type { Chunks } from '../../stream/part';

export abstract class HeldSink implements ClientSink {
  private held = 0;
  protected open = true;
  /** Set by the transport: the engine's resume for this client. */
  onFlushed: () => void = () => {};

  write(chunks: Chunks, offset: number): number {
    const rest = chunks.length - offset;
    if (!this.open) return rest;
    if (this.held > 0) {
      // The engine re-offers the rest of the part after a flush: the writer already sent it.
      this.held = 0;
      return rest;
    }
    const queued = this.send(chunks, offset);
    this.held = Math.min(rest, queued);
    return rest - this.held;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.shut();
  }

  /** Writes the part from `offset` whole; returns how many bytes the writer still queues. */
  protected abstract send(chunks: Chunks, offset: number): number;
  protected abstract shut(): void;

  /** The writer holds part of a frame (queued, not yet flushed). */
  protected get holding(): boolean {
    return this.held > 0;
  }

  /** For the transport: the writer flushed what it held. */
  protected flushed(): void {
    if (!this.open || this.held === 0) return;
    this.onFlushed();
  }
}

/** The pieces of `chunks` from byte `offset` on (no copy: subarrays). */
export function piecesFrom(chunks: Chunks, offset: number, out: Buffer[]): Buffer[] {
  out.length = 0;
  let skip = offset;
  for (const chunk of chunks.list) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    out.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return out;
}
