// Plays the JPEG files of a folder (or one file) in name order, looping, at the configured rate: a
// recorded sequence for benchmarks and demos, and a source whose frames have no headroom (like a
// camera's MJPEG buffers), served without copying.
import fs from 'node:fs';
import path from 'node:path';
import { FrameLease } from './lease';
import { jpegSize } from './jpeg-size';
import type { FrameSource, SourceCounters, SourceInfo, SourceListener } from './source';

export class FolderSource implements FrameSource {
  readonly info: SourceInfo;
  readonly poolSize = Number.MAX_SAFE_INTEGER;
  private readonly frames: Buffer[];
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private captured = 0;

  /** Loads every .jpg/.jpeg; throws naming the folder or file that is unusable. */
  constructor(where: string, fps: number) {
    let files: string[];
    try {
      files = fs.statSync(where).isDirectory()
        ? fs.readdirSync(where).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => path.join(where, f))
        : [where];
    } catch (e) {
      throw new Error(`invalid_argument: cannot read ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (files.length === 0) throw new Error(`invalid_argument: no .jpg files in ${where}`);
    this.frames = files.map((f) => fs.readFileSync(f));
    const size = jpegSize(this.frames[0]);
    this.frames.forEach((b, i) => {
      const s = jpegSize(b);
      if (!s || b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) throw new Error(`invalid_argument: ${files[i]} is not a complete JPEG`);
      if (s.width !== size!.width || s.height !== size!.height) throw new Error(`invalid_argument: ${files[i]} is ${s.width}x${s.height}, not ${size!.width}x${size!.height} like the first`);
    });
    this.info = { kind: 'folder', width: size!.width, height: size!.height, fps, format: 'MJPG', device: where, notes: [`${files.length} JPEG file(s)`] };
  }

  start(listener: SourceListener): void {
    this.timer = setInterval(() => {
      const jpeg = this.frames[this.seq % this.frames.length];
      this.captured++;
      // The file's own bytes: nothing to release, nothing copied.
      listener.frame(new FrameLease(this.seq++, Date.now() * 1000, jpeg, 0, jpeg.length, { release() {}, pooled: false }), null);
    }, 1000 / this.info.fps);
  }

  counters(): SourceCounters {
    return { captured: this.captured, invalid: 0, dropped: 0, bytesCopied: 0, leased: 0 };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
