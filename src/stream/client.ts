// One viewer of a stream, as the fan-out engine sees it: no HTTP, no uWS.
import type { FrameLease } from '../sources/lease';
import { advancePartOf, partOf, type Chunks } from './part';
import type { Orientation } from '../transform/orientation';

/** Where a client's bytes go. The HTTP layer implements it over a uWS response or a Node socket. */
export interface ClientSink {
  /** Writes as much of the part `chunks`, from byte `offset` on, as the connection takes now; returns
   * the number of bytes taken. Fewer than `chunks.length - offset` means backpressure: the engine calls
   * `resume` when writable again, and then offers the rest of the same part. */
  write(chunks: Chunks, offset: number): number;
  /** Closes the connection (stalled client, shutdown). The HTTP layer then calls `removeClient`. */
  close(): void;
  /** The connection's stream socket when the source's capture thread may write to it directly now
   * (plain TCP or unix socket, nothing queued in the writer); -1 or absent: never or not now. */
  directFd?(): number;
}

export interface ClientOptions {
  /** Frame-rate cap for this client (0 = as fast as the camera). */
  maxFps: number;
  /** Send the next part's header right after each JPEG (Chromium paints a part only then). */
  advanceHeaders: boolean;
  /** Send the last frame once more when no newer one follows soon (WebKit shows a part late). */
  dualFinalFrames: boolean;
  /** ?rotate= / ?flip=: the orientation this viewer gets (absent: the camera's own). */
  orientation?: Orientation;
}

export interface ClientInfo {
  id: number;
  remoteAddress: string;
  /** How the client is served: "node" (Node's net/tls) or "uws" (uWebSockets.js). */
  transport: string;
  options: ClientOptions;
}

export class StreamClient {
  framesSent = 0;
  framesSkipped = 0;
  /** Frames sent a second time by dual_final_frames. */
  framesRepeated = 0;
  bytesSent = 0;
  connectedAt = Date.now();
  /** The part being sent, when the connection pushed back, and how far it got. */
  pending: FrameLease | null = null;
  pendingOffset = 0;
  /** The part being sent is a dual_final_frames repeat. */
  pendingRepeat = false;
  /** When the pending part last made progress (ms), for the stall timeout. */
  lastProgressAt = Date.now();
  lastSentTimestampUs = 0;
  lastSentSeq = -1;
  /** The frame last sent twice (dual_final_frames), so it is repeated once only. */
  repeatedSeq = -1;
  /** The source's capture thread writes this client's parts (see src/sources/direct.ts). */
  direct = false;
  /** Frames delivered in the current one-second window, for the per-client fps figure. */
  windowFrames = 0;
  fps = 0;

  constructor(
    readonly info: ClientInfo,
    readonly sink: ClientSink,
  ) {}

  /** Gets the same bytes as every other plain viewer: may be written to by the capture thread. */
  get plain(): boolean {
    const o = this.info.options;
    return o.maxFps <= 0 && !o.advanceHeaders && !o.dualFinalFrames && !o.orientation;
  }

  /** The bytes this client gets for `frame`, per its options. Looked up on every write, never kept:
   * a frame copied out of the pool (detachFromPool) moves to new memory. */
  bytesOf(frame: FrameLease): Chunks {
    return this.info.options.advanceHeaders ? advancePartOf(frame) : partOf(frame);
  }
}
