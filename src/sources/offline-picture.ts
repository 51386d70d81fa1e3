// The "offline" picture a source shows while its frames are away: drawn once per reason by the addon,
// published at once and then every second, so viewers stay connected and see why.
import { binding } from '../native/binding';
import { SharedFrame } from '../stream/frame';

const REPEAT_MS = 1000;

export class OfflinePicture {
  private timer: NodeJS.Timeout | null = null;

  /** `nextSeq` numbers the frames: the source's own counter, so sequence numbers only grow. */
  constructor(
    private readonly publish: (frame: SharedFrame) => void,
    private readonly nextSeq: () => number,
  ) {}

  get showing(): boolean {
    return this.timer !== null;
  }

  show(width: number, height: number, line: string): void {
    this.stop();
    const jpeg = binding().renderOfflineJpeg(width, height, 'CAMERA OFFLINE', line);
    const send = () => this.publish(new SharedFrame(this.nextSeq(), Date.now() * 1000, jpeg, 0, jpeg.length, { release() {} }));
    send();
    this.timer = setInterval(send, REPEAT_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
