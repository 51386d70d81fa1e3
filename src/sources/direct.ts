// Direct viewers, as a source that has them offers them: stream connections its capture thread
// writes every part to itself (one non-blocking sendmsg each), so ready viewers cost JS nothing per
// frame. A viewer stays direct while the kernel takes each part whole; the first part it doesn't
// comes back as a Handback with the frame, and JS sends the rest. See docs/ARCHITECTURE.md.

/** What a viewer received while direct, since its counts were last taken. */
export interface DirectCounts {
  frames: number;
  bytes: number;
}

/** A viewer that left the direct set while a part was written to it: JS owns it again. */
export interface Handback extends DirectCounts {
  id: number;
  /** Bytes of this part the kernel took: JS sends the rest. */
  sent: number;
  /** The connection failed: the viewer is gone. */
  gone: boolean;
}

export interface DirectOutlet {
  /** Makes viewer `id` direct on the stream socket `fd` from the next frame on; false if refused. */
  add(id: number, fd: number): boolean;
  /** Takes it out; its counts not yet taken, or null when it wasn't direct (handed back already). */
  remove(id: number): DirectCounts | null;
  /** Its counts since last taken (then zero), or null when it isn't direct. */
  takeCounts(id: number): DirectCounts | null;
  /** Whether JS gets every frame (the start), or only handbacks and one frame a second: nothing in JS
   * needs more while all its viewers are direct and nobody waits for a frame. */
  setEveryFrame(every: boolean): void;
  /** Frames only direct viewers got (JS never saw them). */
  quietFrames(): number;
}

/** The addon's flat form `[id, sent, gone, frames, bytes]…` as handbacks. */
export function handbacksOf(flat: number[] | undefined | null): Handback[] | null {
  if (!flat || flat.length === 0) return null;
  const out: Handback[] = [];
  for (let i = 0; i + 4 < flat.length; i += 5) out.push({ id: flat[i], sent: flat[i + 1], gone: flat[i + 2] !== 0, frames: flat[i + 3], bytes: flat[i + 4] });
  return out;
}

/** The addon's `[frames, bytes]` (or null). */
export function countsOf(pair: number[] | null): DirectCounts | null {
  return pair ? { frames: pair[0], bytes: pair[1] } : null;
}
