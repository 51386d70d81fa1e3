// Timelapse output for one camera: a still every --timelapse-interval seconds into --timelapse-dir,
// written atomically, the oldest deleted beyond --timelapse-keep; saveNow() for the HTTP action.
// Stills are named <camera>-YYYYMMDD-HHMMSS-mmm.jpg (UTC, the frame's capture time), so name order is time order and several
// cameras can share one folder.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Camera } from '../camera';
import { log } from '../log';
import { isTempName, writeFileAtomic } from './atomic-file';

export interface TimelapseOptions {
  dir: string;
  intervalSeconds: number;
  /** Stills to keep (0: all). */
  keep: number;
}

/** A still may be this old when taken (as a snapshot with the default --snapshot-max-delay). */
const MAX_AGE_US = 500_000;

export class TimelapseError extends Error {
  constructor(
    message: string,
    /** HTTP status for the action: 503 when the camera has no picture, 500 when the disk failed. */
    readonly status: number,
  ) {
    super(message);
  }
}

const byCamera = new WeakMap<Camera, Timelapse>();

/** The timelapse of `camera`, if it has one (for the HTTP action). */
export function timelapseOf(camera: Camera): Timelapse | undefined {
  return byCamera.get(camera);
}

export class Timelapse {
  saved = 0;
  failed = 0;
  lastFile: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Saves run one after another, so pruning never races a rename. */
  private queue: Promise<unknown> = Promise.resolve();
  private lastStamp = '';
  private lastWarning: string | null = null;
  private sameStamp = 0;
  private readonly pattern: RegExp;

  /** Creates the folder and removes temporary files a crash left behind; throws naming the folder. */
  constructor(
    private readonly camera: Camera,
    private readonly opts: TimelapseOptions,
  ) {
    this.pattern = new RegExp(`^${camera.name.replace(/[^A-Za-z0-9_]/g, '\\$&')}-\\d{8}-\\d{6}-\\d{3}(_\\d{3,})?\\.jpg$`);
    try {
      fs.mkdirSync(opts.dir, { recursive: true });
      fs.accessSync(opts.dir, fs.constants.W_OK);
      for (const f of fs.readdirSync(opts.dir)) {
        if (isTempName(f) && f.startsWith(`.${camera.name}-`)) fs.rmSync(path.join(opts.dir, f), { force: true });
      }
    } catch (e) {
      throw new Error(`camera ${camera.name}: timelapse folder ${opts.dir} is not usable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    byCamera.set(camera, this);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.saveNow().then(
        () => (this.lastWarning = null),
        (e: Error) => {
          // Once per reason: an outage of hours at a short interval would otherwise flood the log.
          if (e.message !== this.lastWarning) log.warn(`camera ${this.camera.name}: timelapse still skipped: ${e.message}`);
          this.lastWarning = e.message;
        },
      );
    }, this.opts.intervalSeconds * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    byCamera.delete(this.camera);
  }

  /** Saves a still now; resolves with its file name. */
  saveNow(): Promise<string> {
    const run = this.queue.then(() => this.save());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async save(): Promise<string> {
    // The offline picture is not the camera's: no still of it.
    if (this.camera.error !== null) throw new TimelapseError(`camera ${this.camera.name} is offline: ${this.camera.error}`, 503);
    // Nor of the paused one. Through camera.snapshot: a camera released for idleness reopens, and
    // snapshot_width/height make it a hi-res still.
    if (this.camera.lifecycle === 'paused') throw new TimelapseError(`camera ${this.camera.name} is paused`, 503);
    const got = await this.camera.snapshot(null, MAX_AGE_US / 1000);
    if (!('frame' in got)) throw new TimelapseError(`no frame from camera ${this.camera.name}: ${got.message}`, 503);
    const frame = got.frame;
    // A copy, and the frame let go at once: a camera buffer must not wait for the disk.
    const jpeg = Buffer.from(frame.jpeg);
    const name = this.nameFor(frame.timestampUs);
    frame.unref();
    try {
      await this.prune();
      await writeFileAtomic(this.opts.dir, name, jpeg);
    } catch (e) {
      this.failed++;
      throw new TimelapseError(`cannot write ${path.join(this.opts.dir, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 500);
    }
    this.saved++;
    this.lastFile = name;
    log.debug(`camera ${this.camera.name}: timelapse still ${name}`);
    return name;
  }

  /** Deletes the oldest stills so that, with the one about to be written, at most `keep` remain. */
  private async prune(): Promise<void> {
    if (this.opts.keep <= 0) return;
    const stills = (await fsp.readdir(this.opts.dir)).filter((f) => this.pattern.test(f)).sort();
    for (const f of stills.slice(0, Math.max(0, stills.length - (this.opts.keep - 1)))) await fsp.rm(path.join(this.opts.dir, f), { force: true });
  }

  private nameFor(timestampUs: number): string {
    const d = new Date(Math.floor(timestampUs / 1000));
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${p(d.getUTCMilliseconds(), 3)}`;
    // Two stills of one frame (a POST beside a tick) must not share a name; "_001" sorts after ".jpg"
    // and pads so that name order stays time order.
    this.sameStamp = stamp === this.lastStamp ? this.sameStamp + 1 : 0;
    this.lastStamp = stamp;
    return `${this.camera.name}-${stamp}${this.sameStamp ? `_${String(this.sameStamp).padStart(3, '0')}` : ''}.jpg`;
  }
}
