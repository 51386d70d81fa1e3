// A camera that is a program: mjpgd runs it (rpicam-vid, ffmpeg, gstreamer…), cuts the JPEGs out of
// its stdout and serves them like any other source. When the program exits or goes quiet, viewers
// see the offline picture with the reason and the program is started again with backoff; it never
// outlives mjpgd (see process-group.ts).
import path from 'node:path';
import { log } from '../log';
import { Restarter } from '../restarter';
import { FRAME_HEADROOM, FRAME_TAILROOM, FrameLease } from './lease';
import { jpegSize } from './jpeg-size';
import { MjpegSplitter } from './mjpeg-splitter';
import { OfflinePicture } from './offline-picture';
import { startProgram, type RunningProgram } from './process-group';
import type { FrameSource, SourceCounters, SourceInfo, SourceListener } from './source';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10000;
/** How long a stopped program may take to exit after SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 1000;

export interface ExecSourceOptions {
  /** Camera name, for log lines. */
  camera: string;
  /** The program (resolved) and its arguments. */
  argv: string[];
  /** Size of the offline picture until the program's first frame tells the real one. */
  width: number;
  height: number;
  fps: number;
  /** A program that writes no frame for this long is restarted. */
  frameTimeoutMs: number;
}

/** The frame for a JPEG the splitter found. One read held it all: its bytes are used where they lie
 * (no copy). It spanned reads: it is joined once, into a buffer with room for the part header in
 * front and the trailer behind, so the part still leaves in one write. */
export function frameFromPieces(seq: number, timestampUs: number, pieces: Buffer[], length: number): { frame: FrameLease; copied: number } {
  const nothingToRelease = { release() {} };
  if (pieces.length === 1) return { frame: new FrameLease(seq, timestampUs, pieces[0], 0, length, nothingToRelease), copied: 0 };
  const slot = Buffer.allocUnsafe(FRAME_HEADROOM + length + FRAME_TAILROOM);
  let at = FRAME_HEADROOM;
  for (const p of pieces) at += p.copy(slot, at);
  return { frame: new FrameLease(seq, timestampUs, slot, FRAME_HEADROOM, length, nothingToRelease), copied: length };
}

export class ExecSource implements FrameSource {
  readonly info: SourceInfo;
  /** Frames live in JS memory, not in a pool a driver needs back. */
  readonly poolSize = Number.MAX_SAFE_INTEGER;
  private listener: SourceListener | null = null;
  private program: RunningProgram | null = null;
  private readonly offline = new OfflinePicture((jpeg) => this.publish(jpeg));
  private seq = 0;
  private captured = 0;
  private invalid = 0;
  private bytesCopied = 0;
  private lastExit: string | null = null;
  private readonly restarter = new Restarter(() => this.launch(), { firstMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS });
  private stallTimer: NodeJS.Timeout | null = null;
  /** Why mjpgd stopped the current run itself (a stall), which says more than "killed by SIGTERM". */
  private stopReason: string | null = null;
  private framesThisRun = 0;
  private invalidThisRun = 0;
  private lastStderr = '';
  private stopped = false;
  private readonly name: string;

  constructor(private readonly options: ExecSourceOptions) {
    this.name = path.basename(options.argv[0]);
    this.info = {
      kind: 'exec',
      width: options.width,
      height: options.height,
      fps: options.fps,
      format: 'MJPG',
      device: options.argv[0],
      notes: [`command: ${options.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`, 'size and rate are what the program writes'],
    };
  }

  start(listener: SourceListener): void {
    this.listener = listener;
    this.launch();
  }

  counters(): SourceCounters {
    return {
      captured: this.captured,
      invalid: this.invalid,
      dropped: 0,
      bytesCopied: this.bytesCopied,
      leased: 0,
      restarts: this.restarter.restarts,
      lastExit: this.lastExit,
      pid: this.program?.pid ?? null,
    };
  }

  /** Stops the program (SIGTERM, SIGKILL after a grace); resolves once it has exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.offline.hide();
    this.restarter.stop();
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    const program = this.program;
    if (program) await program.stop(STOP_GRACE_MS);
  }

  private launch(): void {
    if (this.stopped) return;
    this.framesThisRun = 0;
    this.invalidThisRun = 0;
    this.lastStderr = '';
    this.stopReason = null;
    // One splitter per run: bytes a dead program left in the pipe never mix with the next run's.
    let program: RunningProgram | null = null;
    const mine = () => program !== null && program === this.program;
    const splitter = new MjpegSplitter({
      jpeg: (pieces, length) => mine() && this.onJpeg(pieces, length),
      invalid: (reason) => mine() && this.onInvalid(reason),
    });
    try {
      program = startProgram(this.options.argv, {
        stdout: (chunk) => splitter.push(chunk),
        stdoutEnd: () => splitter.end(),
        stderrLine: (line) => {
          this.lastStderr = line;
          log.info(`camera ${this.options.camera}: ${this.name}: ${line}`);
        },
      });
    } catch (e) {
      this.ended(`could not start: ${(e as Error).message}`);
      return;
    }
    this.program = program;
    const run = program;
    log.info(`camera ${this.options.camera}: started ${this.name} (pid ${run.pid})`);
    this.armStallTimer();
    void run.exited.then((reason) => {
      if (this.program !== run) return;
      this.program = null;
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = null;
      if (this.stopped) return;
      const why = this.stopReason ?? (this.lastStderr ? `${reason}: ${this.lastStderr}` : reason);
      this.ended(why);
    });
  }

  /** The run is over: offline picture with the reason, and another run after the backoff. */
  private ended(reason: string): void {
    this.lastExit = reason;
    this.listener?.event({ kind: 'failed', message: reason });
    this.offline.show(this.info.width, this.info.height, `${this.name}: ${reason}`);
    // A run that delivered frames was healthy: its successor starts with the shortest wait again.
    if (this.framesThisRun > 0) this.restarter.reset();
    log.info(`camera ${this.options.camera}: starting ${this.name} again in ${this.restarter.nextDelayMs} ms`);
    this.restarter.schedule();
  }

  private armStallTimer(): void {
    const seconds = this.options.frameTimeoutMs / 1000;
    this.stallTimer = setTimeout(() => {
      const program = this.program;
      if (!program) return;
      this.stopReason = this.framesThisRun === 0 ? `no frame within ${seconds} s of starting` : `no frame for ${seconds} s`;
      log.warn(`camera ${this.options.camera}: ${this.name}: ${this.stopReason}; stopping it`);
      void program.stop(STOP_GRACE_MS);
    }, this.options.frameTimeoutMs);
  }

  private onJpeg(pieces: Buffer[], length: number): void {
    const { frame, copied } = frameFromPieces(this.seq++, Date.now() * 1000, pieces, length);
    this.bytesCopied += copied;
    this.captured++;
    // Restart the stall clock without a new timer per frame.
    this.stallTimer?.refresh();
    if (this.framesThisRun++ === 0) {
      const size = jpegSize(frame.jpeg);
      if (size && (size.width !== this.info.width || size.height !== this.info.height)) {
        log.info(`camera ${this.options.camera}: ${this.name} writes ${size.width}x${size.height}`);
        this.info.width = size.width;
        this.info.height = size.height;
      }
      if (this.offline.showing) {
        this.offline.hide();
        this.listener?.event({ kind: 'recovered' });
      }
    }
    this.listener?.frame(frame, null);
  }

  private onInvalid(reason: string): void {
    this.invalid++;
    // The first per run says what is wrong; the rest are counted (a program writing text would flood the log).
    if (this.invalidThisRun++ === 0) log.warn(`camera ${this.options.camera}: ${this.name} wrote ${reason} (skipped; counted as invalid)`);
  }

  private publish(jpeg: Buffer): void {
    this.listener?.frame(new FrameLease(this.seq++, Date.now() * 1000, jpeg, 0, jpeg.length, { release() {}, pooled: false }), 'offline');
  }
}
