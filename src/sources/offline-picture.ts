// The "offline" picture a source shows while it has no frames: rendered once per reason by the
// addon, published at once (so viewers see it without waiting) and then once a second (so clients
// that drop a quiet stream, and newcomers' snapshots, keep getting a picture).
import { binding } from '../native/binding';

const REPEAT_MS = 1000;

export class OfflinePicture {
  private timer: NodeJS.Timeout | null = null;
  /** `publish` turns the picture into a frame: the source numbers it in the same sequence as its
   * own frames (the fan-out compares sequence numbers to find what a viewer has not seen). */
  constructor(private readonly publish: (jpeg: Buffer) => void) {}

  get showing(): boolean {
    return this.timer !== null;
  }

  /** Shows (or redraws, for a new reason) the picture until hide(). */
  show(width: number, height: number, reason: string): void {
    this.hide();
    const jpeg = binding().renderOfflineJpeg(width, height, 'CAMERA OFFLINE', reason);
    const send = () => this.publish(jpeg);
    send();
    this.timer = setInterval(send, REPEAT_MS);
  }

  hide(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
