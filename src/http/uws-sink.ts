// A stream viewer on a uWS response. Streams are sent with tryEnd against a fixed, never-reached
// Content-Length instead of write() (chunked encoding): uWS then buffers nothing for us, reports exactly
// how much the connection took, and HTTP/1.0-style readers can read the body.
import type { HttpResponse } from 'uWebSockets.js';
import type { ClientSink } from '../stream/client';
import type { Chunks } from '../stream/frame';

export const ENDLESS = Number.MAX_SAFE_INTEGER;

export class UwsSink implements ClientSink {
  open = true;
  private chunks: Chunks | null = null;
  private offset = 0;
  private taken = 0;
  /** Bound once: a closure per write would be an allocation per viewer per frame. */
  private readonly writeCorked = () => this.writeChunks();

  constructor(private readonly res: HttpResponse) {}

  write(chunks: Chunks, offset: number): number {
    if (!this.open) return chunks.length - offset;
    this.chunks = chunks;
    this.offset = offset;
    this.taken = 0;
    // All of a part's chunks in one cork: uWS sends them together.
    this.res.cork(this.writeCorked);
    this.chunks = null;
    return this.taken;
  }

  close(): void {
    if (this.open) {
      this.open = false;
      this.res.close();
    }
  }

  private writeChunks(): void {
    let skip = this.offset;
    for (const chunk of this.chunks!.list) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const piece = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      const before = this.res.getWriteOffset();
      const [ok] = this.res.tryEnd(piece, ENDLESS);
      if (!ok) {
        this.taken += this.res.getWriteOffset() - before;
        return;
      }
      this.taken += piece.length;
    }
  }
}
