// What the server needs from a camera-like source; the native camera and the folder player implement it.
import type { DirectOutlet, Handback } from './direct';
import type { CaptureErrorKind, NativeEventKind, NativePictureKind, NativeSourceInfo } from '../native/binding';
import type { FrameLease } from './lease';

/** What a source is and delivers: the addon's `SourceInfo`, defined once in crates/capture/src/source.rs
 * and generated into native/binding.d.ts. Sources without a device (folder, exec, HTTP relay, iterable)
 * build the same type and leave out what only a device reports. */
export type SourceInfo = Omit<NativeSourceInfo, DeviceOnly> & Partial<Pick<NativeSourceInfo, DeviceOnly>>;
type DeviceOnly = 'notes' | 'offered' | 'poolSize' | 'copied';

export interface SourceCounters {
  captured: number;
  invalid: number;
  dropped: number;
  bytesCopied: number;
  leased: number;
  /** Mode switches made for stills. */
  stillSwitches?: number;
  /** Sources that run a program: how often it was started again, why the last run ended, its pid. */
  restarts?: number;
  lastExit?: string | null;
  pid?: number | null;
}

/** A picture that isn't camera output, published like a frame ("offline", "paused": the addon's PictureKind). */
export type PictureKind = NativePictureKind;

/** What happened to a source (the native camera's supervisor sends all of these; others a few): the
 * addon's event kinds but its pictures and stills, which a source passes on in their own ways. */
export type SourceEventKind = Exclude<NativeEventKind, 'picture' | 'still'>;

export interface SourceEvent {
  kind: SourceEventKind;
  /** opened: the open's number and what it delivers. */
  generation?: number;
  info?: SourceInfo;
  /** failed, gave_up: the capture error's kind ("not_found", "busy", ...) when there is one, and the reason. */
  errorKind?: CaptureErrorKind;
  message?: string;
  /** failed: failed opens in a row; gave_up: how many were made. */
  attempt?: number;
  retryMs?: number;
}

export interface SourceListener {
  /** A frame; `picture` says when it is the offline or paused picture rather than camera output.
   * `handbacks`: direct viewers that left the direct set on this frame, mid-part (sources with `direct`). */
  frame(frame: FrameLease, picture: PictureKind | null, handbacks?: Handback[] | null): void;
  /** Handbacks whose frame can't be delivered (its camera reopened meanwhile): those viewers can't be
   * finished and are closed. */
  lost?(handbacks: Handback[]): void;
  event(event: SourceEvent): void;
}

/** One still taken at a size of its own. */
export interface StillShot {
  jpeg: Buffer;
  width: number;
  height: number;
  /** From the request until the stream ran again at its own size. */
  elapsedMs: number;
}

export interface FrameSource {
  readonly info: SourceInfo;
  /** Pool size: how many frames can be held before the source runs out of buffers. */
  readonly poolSize: number;
  start(listener: SourceListener): void;
  counters(): SourceCounters;
  /** Stops the source; a promise when stopping takes time (a program given a grace to exit). */
  stop(): void | Promise<void>;
  /** Lifecycle, where the source has a device to release (the native camera). */
  pause?(): void;
  resume?(): void;
  /** Someone wants a frame now (a snapshot): a camera released for idleness reopens. */
  demand?(): void;
  setViewers?(n: number): void;
  still?(width: number, height: number): Promise<StillShot>;
  /** Viewers the source's capture thread can write to itself (the native camera). */
  readonly direct?: DirectOutlet;
}
