// One camera's transformed streams: for each orientation some viewer asked for (?rotate=, ?flip=),
// a fan-out of its own fed with each camera frame turned once (TurboJPEG, lossless) and shared by
// all of that orientation's viewers and snapshots. Orientations nobody watches cost nothing.
import { binding } from '../native/binding';
import { Fanout, type FanoutOptions } from '../stream/fanout';
import { FrameLease } from '../sources/lease';
import type { Orientation } from './orientation';

interface Derived {
  fanout: Fanout;
  /** The newest turned frame, for snapshots and late viewers of the same frame. */
  latest: { seq: number; frame: FrameLease } | null;
  computed: number;
  failed: number;
}

/** `frame` turned by `o` as a frame of its own (memory of its own, not a pool slot). Throws on a
 * JPEG TurboJPEG can't read. */
export function turn(frame: FrameLease, o: Orientation): FrameLease {
  const jpeg = binding().transformJpeg(frame.jpeg, o);
  return new FrameLease(frame.seq, frame.timestampUs, jpeg, 0, jpeg.length, { release: () => {}, pooled: false });
}

export class Transforms {
  private readonly byOrientation = new Map<Orientation, Derived>();

  constructor(private readonly fanoutOptions: FanoutOptions) {}

  /** The fan-out that serves orientation `o` (made the first time it is asked for). */
  fanoutFor(o: Orientation): Fanout {
    return this.derived(o).fanout;
  }

  private derived(o: Orientation): Derived {
    let d = this.byOrientation.get(o);
    if (!d) {
      d = { fanout: new Fanout(this.fanoutOptions), latest: null, computed: 0, failed: 0 };
      this.byOrientation.set(o, d);
    }
    return d;
  }

  /** Viewers of all orientations. */
  get clientCount(): number {
    let n = 0;
    for (const d of this.byOrientation.values()) n += d.fanout.clientCount;
    return n;
  }

  /** A camera frame was published: turn it once for each orientation that has viewers. */
  publish(frame: FrameLease): void {
    for (const [o, d] of this.byOrientation) {
      if (d.fanout.clientCount === 0) continue;
      const turned = this.turnOnce(o, d, frame);
      if (turned) d.fanout.publish(turned.ref());
    }
  }

  /** `frame` in orientation `o`, turned at most once per frame (a reference the caller unrefs). */
  frameFor(o: Orientation, frame: FrameLease): FrameLease | null {
    return this.turnOnce(o, this.derived(o), frame)?.ref() ?? null;
  }

  private turnOnce(o: Orientation, d: Derived, frame: FrameLease): FrameLease | null {
    if (d.latest?.seq === frame.seq) return d.latest.frame;
    let turned: FrameLease;
    try {
      turned = turn(frame, o);
    } catch {
      // A frame TurboJPEG can't read (a torn camera frame): these viewers skip it, counted.
      d.failed++;
      return null;
    }
    d.computed++;
    d.latest?.frame.unref();
    d.latest = { seq: frame.seq, frame: turned };
    return turned;
  }

  /** Per orientation: viewers, frames turned (once per frame, however many viewers), failures. */
  stats(): Record<string, { viewers: number; computed: number; failed: number }> {
    return Object.fromEntries([...this.byOrientation].map(([o, d]) => [o, { viewers: d.fanout.clientCount, computed: d.computed, failed: d.failed }]));
  }

  /** The viewers of every orientation, as /state lists clients, each with its orientation. */
  clientList() {
    return [...this.byOrientation].flatMap(([o, d]) => d.fanout.stats().clientList.map((c) => ({ ...c, orientation: o })));
  }

  close(): void {
    for (const d of this.byOrientation.values()) {
      d.fanout.close();
      d.latest?.frame.unref();
      d.latest = null;
    }
  }
}
