// One viewer of a stream, as the fan-out engine sees it: no HTTP, no uWS.
import type { SharedFrame } from './frame';

/** Where a client's bytes go. The HTTP layer implements it over a uWS response. */
export interface ClientSink {
  /** Writes as much of `chunk` as the connection takes now; returns the number of bytes taken.
   * Less than `chunk.length` means backpressure: the engine calls `resume` when writable again. */
  write(chunk: Buffer): number;
  /** Closes the connection (stalled client, shutdown). The HTTP layer then calls `removeClient`. */
  close(): void;
}

export interface ClientOptions {
  /** Frame-rate cap for this client (0 = as fast as the camera). */
  maxFps: number;
}

export interface ClientInfo {
  id: number;
  remoteAddress: string;
  options: ClientOptions;
}

export class StreamClient {
  framesSent = 0;
  framesSkipped = 0;
  bytesSent = 0;
  connectedAt = Date.now();
  /** The part being sent, when the connection pushed back, and how far it got. */
  pending: SharedFrame | null = null;
  pendingOffset = 0;
  /** When the pending part last made progress (ms), for the stall timeout. */
  lastProgressAt = Date.now();
  lastSentTimestampUs = 0;
  lastSentSeq = -1;
  /** Frames delivered in the current one-second window, for the per-client fps figure. */
  windowFrames = 0;
  fps = 0;

  constructor(
    readonly info: ClientInfo,
    readonly sink: ClientSink,
  ) {}
}
