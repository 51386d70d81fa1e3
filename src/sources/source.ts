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
}

export interface SourceCounters {
  captured: number;
  invalid: number;
  dropped: number;
  bytesCopied: number;
  leased: number;
  /** Sources that run a program: how often it was started again, why the last run ended, its pid. */
  restarts?: number;
  lastExit?: string | null;
  pid?: number | null;
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
  /** Stops the source; a promise when stopping takes time (a program given a grace to exit). */
  stop(): void | Promise<void>;
}
