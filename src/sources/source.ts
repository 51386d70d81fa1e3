// What the server needs from a camera-like source; the native camera and test pattern implement it.
import type { SharedFrame } from '../stream/frame';

export interface SourceInfo {
  kind: string;
  width: number;
  height: number;
  /** Rate the source aims for. */
  fps: number;
  format: string;
  device?: string | null;
  card?: string | null;
  /** Where the source differs from what was asked. */
  notes?: string[];
  /** What the device offers (formats, sizes, rates). */
  offered?: string[];
  /** Capture buffers shared with the driver: "userptr" or "mmap" (V4L2 only). */
  buffers?: string;
  /** Slots frames are leased from: what the driver granted (V4L2 zero copy) or the pool's size. */
  poolSize?: number;
  /** Frames are copied once at dequeue (the driver doesn't honour buffer ownership). */
  copied?: boolean;
}

export interface SourceCounters {
  captured: number;
  invalid: number;
  dropped: number;
  bytesCopied: number;
  leased: number;
}

export interface SourceListener {
  frame(frame: SharedFrame): void;
  /** The source failed (it keeps retrying) or recovered. */
  status(state: 'error' | 'recovered', message: string): void;
}

export interface FrameSource {
  readonly info: SourceInfo;
  /** Pool size: how many frames can be held before the source runs out of buffers. */
  readonly poolSize: number;
  start(listener: SourceListener): void;
  counters(): SourceCounters;
  stop(): void;
}
