// The fan-out engine: every frame to every ready client, one frame in flight per client,
// slow clients skip frames instead of buffering them, newcomers start with the latest frame.
import { StreamClient, type ClientInfo, type ClientSink } from './client';
import type { DirectCounts, DirectOutlet, Handback } from '../sources/direct';
import type { FrameLease } from '../sources/lease';
import { detachFromPool } from './part';

export interface FanoutOptions {
  /** Close a client whose pending part made no progress for this long (ms). */
  stallTimeoutMs: number;
  /** How many frames may hold pool slots at once; beyond it, frames still being sent are copied out
   * so the source never starves for buffers. */
  maxFramesInPool: number;
  /** Told the number of stream clients whenever it changes (the camera's idle release needs it). */
  onClients?: (clients: number) => void;
  /** The source's direct viewers: plain clients on sockets it can write to go there while they keep
   * up (the source then sends them each part itself), and come back as handbacks when they don't. */
  direct?: DirectOutlet | null;
  /** Told when `wantsEveryFrame` may have changed. */
  onInterest?: () => void;
}

export interface FanoutTotals {
  clients: number;
  framesPublished: number;
  framesSent: number;
  framesSkipped: number;
  bytesSent: number;
  bytesCopied: number;
  stalledClosed: number;
  /** Parts sent a second time for dual_final_frames clients. */
  framesRepeated: number;
}

type FrameWaiter = { minTimestampUs: number; resolve: (f: FrameLease | null) => void; timer: NodeJS.Timeout };

export class Fanout {
  private readonly clients = new Map<number, StreamClient>();
  private latest: FrameLease | null = null;
  /** Frames some client is still sending, with how many clients are on each. */
  private readonly inFlight = new Map<FrameLease, number>();
  private waiters: FrameWaiter[] = [];
  private nextId = 1;
  private readonly ticker: NodeJS.Timeout;
  private readonly totals: FanoutTotals = {
    clients: 0, framesPublished: 0, framesSent: 0, framesSkipped: 0, bytesSent: 0, bytesCopied: 0, stalledClosed: 0,
    framesRepeated: 0,
  };
  /** dual_final_frames: one timer for all such clients, re-armed (not re-created) on every frame. */
  private dualClients = 0;
  private quietTimer: NodeJS.Timeout | null = null;
  private quietDelayMs = 0;
  /** Smoothed time between frames (µs), for the quiet timer. */
  private frameIntervalUs = 0;

  constructor(private readonly opts: FanoutOptions) {
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
  }

  /** The source's pool changed size (a reopened camera whose driver granted another count). */
  setMaxFramesInPool(n: number): void {
    this.opts.maxFramesInPool = n;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Whether this fan-out needs every frame of the source: some client it writes itself, someone
   * waiting for a frame, or no direct outlet. False only while every client is direct. */
  get wantsEveryFrame(): boolean {
    if (!this.opts.direct || this.waiters.length > 0 || this.dualClients > 0) return true;
    for (const c of this.clients.values()) if (!c.direct) return true;
    return false;
  }

  latestFrame(): FrameLease | null {
    return this.latest;
  }

  addClient(sink: ClientSink, info: Omit<ClientInfo, 'id'>): StreamClient {
    const client = new StreamClient({ ...info, id: this.nextId++ }, sink);
    this.clients.set(client.info.id, client);
    if (client.info.options.dualFinalFrames) this.dualClients++;
    this.opts.onClients?.(this.clients.size);
    // No waiting for the next capture: a newcomer sees a picture at once.
    if (this.latest) this.send(client, this.latest);
    else this.goDirect(client);
    this.opts.onInterest?.();
    return client;
  }

  /** Forgets a client at once (aborted or closed connection): its pending frame is let go. */
  removeClient(client: StreamClient): void {
    if (!this.clients.delete(client.info.id)) return;
    if (client.direct) {
      client.direct = false;
      this.addCounts(client, this.opts.direct?.remove(client.info.id) ?? null);
    }
    if (client.info.options.dualFinalFrames) this.dualClients--;
    this.dropPending(client);
    this.opts.onClients?.(this.clients.size);
    this.opts.onInterest?.();
  }

  /** Forgets a client the transport closed for taking nothing too long (its own idle timeout). */
  removeStalled(client: StreamClient): void {
    if (this.clients.has(client.info.id)) this.totals.stalledClosed++;
    this.removeClient(client);
  }

  /** JPEG bytes a transport copied to finish a part for a slow viewer. */
  countCopied(bytes: number): void {
    this.totals.bytesCopied += bytes;
  }

  /** A new frame from the source. The engine takes over the caller's reference. `handbacks`: direct
   * clients that left the direct set on this frame, with how much of its part they got. */
  publish(frame: FrameLease, handbacks: readonly Handback[] | null = null): void {
    this.totals.framesPublished++;
    const previous = this.latest;
    this.latest = frame;
    if (previous && frame.timestampUs > previous.timestampUs) {
      const gap = frame.timestampUs - previous.timestampUs;
      this.frameIntervalUs = this.frameIntervalUs ? this.frameIntervalUs * 0.9 + gap * 0.1 : gap;
    }
    for (const client of this.clients.values()) {
      // The source wrote this frame to it already.
      if (client.direct) continue;
      if (client.pending) {
        client.framesSkipped++;
        this.totals.framesSkipped++;
      } else if (this.dueFor(client, frame)) {
        this.send(client, frame);
      }
    }
    if (handbacks) {
      this.takeBack(frame, handbacks);
      this.opts.onInterest?.();
    }
    if (previous) previous.unref();
    this.wakeWaiters(frame);
    this.limitPoolUse();
    if (this.dualClients > 0) this.armQuietTimer();
  }

  /** The connection of `client` can take more bytes. */
  resume(client: StreamClient): void {
    const frame = client.pending;
    if (!frame) return;
    const part = client.bytesOf(frame);
    const n = client.sink.write(part, client.pendingOffset);
    this.account(client, n);
    if (n < part.length - client.pendingOffset) {
      client.pendingOffset += n;
      return;
    }
    this.finish(client);
    // It missed frames while busy: give it the newest one now rather than wait for the next capture.
    const latest = this.latest;
    if (latest && latest.seq > client.lastSentSeq && this.dueFor(client, latest)) this.send(client, latest);
    else this.goDirect(client);
  }

  /** Handbacks whose frame never came (the camera reopened): they stopped mid-part, so they are closed. */
  abandon(handbacks: readonly Handback[]): void {
    for (const h of handbacks) {
      const client = this.clients.get(h.id);
      if (!client?.direct) continue;
      client.direct = false;
      this.removeClient(client);
      client.sink.close();
    }
  }

  /** The first frame captured at or after `minTimestampUs`, or null after `timeoutMs`. */
  frameAfter(minTimestampUs: number, timeoutMs: number): Promise<FrameLease | null> {
    if (this.latest && this.latest.timestampUs >= minTimestampUs) return Promise.resolve(this.latest.ref());
    return new Promise((resolve) => {
      const waiter: FrameWaiter = {
        minTimestampUs,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          this.opts.onInterest?.();
          resolve(null);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      this.opts.onInterest?.();
    });
  }

  stats(): FanoutTotals & { clientList: ReturnType<Fanout['describe']>[] } {
    this.collectDirectCounts();
    const quiet = this.opts.direct?.quietFrames() ?? 0;
    return { ...this.totals, framesPublished: this.totals.framesPublished + quiet, clients: this.clients.size, clientList: [...this.clients.values()].map((c) => this.describe(c)) };
  }

  describe(c: StreamClient) {
    return {
      id: c.info.id,
      remoteAddress: c.info.remoteAddress,
      transport: c.info.transport,
      options: c.info.options,
      connectedSeconds: Math.round((Date.now() - c.connectedAt) / 1000),
      fps: c.fps,
      framesSent: c.framesSent,
      framesSkipped: c.framesSkipped,
      framesRepeated: c.framesRepeated,
      bytesSent: c.bytesSent,
      sending: c.pending !== null,
      direct: c.direct,
    };
  }

  /** Closes every client and lets go of all frames. */
  close(): void {
    clearInterval(this.ticker);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    for (const c of [...this.clients.values()]) {
      this.removeClient(c);
      c.sink.close();
    }
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.waiters = [];
    this.latest?.unref();
    this.latest = null;
  }

  private dueFor(client: StreamClient, frame: FrameLease): boolean {
    const cap = client.info.options.maxFps;
    if (cap <= 0 || client.lastSentTimestampUs === 0) return true;
    // 5% slack so a 30 fps camera isn't cut to 15 by a 30 fps cap because of jitter.
    return frame.timestampUs - client.lastSentTimestampUs >= (1e6 / cap) * 0.95;
  }

  private send(client: StreamClient, frame: FrameLease, repeat = false): void {
    client.pendingRepeat = repeat;
    client.lastSentTimestampUs = frame.timestampUs;
    client.lastSentSeq = frame.seq;
    const part = client.bytesOf(frame);
    const n = client.sink.write(part, 0);
    this.account(client, n);
    if (n < part.length) {
      client.pending = frame.ref();
      client.pendingOffset = n;
      client.lastProgressAt = Date.now();
      this.inFlight.set(frame, (this.inFlight.get(frame) ?? 0) + 1);
    } else {
      this.countSent(client);
      this.goDirect(client);
    }
  }

  /** An idle plain client on a socket the source can write to becomes direct. */
  private goDirect(client: StreamClient): void {
    const direct = this.opts.direct;
    if (!direct || client.direct || client.pending || !client.plain) return;
    const fd = client.sink.directFd?.() ?? -1;
    if (fd >= 0 && direct.add(client.info.id, fd)) {
      client.direct = true;
      this.opts.onInterest?.();
    }
  }

  /** Clients the source handed back mid-part: the rest of this frame's part is theirs to send. */
  private takeBack(frame: FrameLease, handbacks: readonly Handback[]): void {
    for (const h of handbacks) {
      const client = this.clients.get(h.id);
      if (!client?.direct) continue;
      client.direct = false;
      this.addCounts(client, h);
      if (h.gone) {
        this.removeClient(client);
        client.sink.close();
        continue;
      }
      client.pendingRepeat = false;
      client.lastSentTimestampUs = frame.timestampUs;
      client.lastSentSeq = frame.seq;
      client.pending = frame.ref();
      client.pendingOffset = h.sent;
      client.lastProgressAt = Date.now();
      this.inFlight.set(frame, (this.inFlight.get(frame) ?? 0) + 1);
      this.resume(client);
    }
  }

  /** What direct clients received since last asked, into their figures and the totals. */
  private collectDirectCounts(): void {
    const direct = this.opts.direct;
    if (!direct) return;
    for (const c of this.clients.values()) if (c.direct) this.addCounts(c, direct.takeCounts(c.info.id));
  }

  private addCounts(client: StreamClient, counts: DirectCounts | null): void {
    if (!counts) return;
    client.framesSent += counts.frames;
    client.windowFrames += counts.frames;
    client.bytesSent += counts.bytes;
    this.totals.framesSent += counts.frames;
    this.totals.bytesSent += counts.bytes;
    if (counts.bytes > 0) client.lastProgressAt = Date.now();
  }

  private account(client: StreamClient, n: number): void {
    if (n > 0) {
      client.bytesSent += n;
      this.totals.bytesSent += n;
      client.lastProgressAt = Date.now();
    }
  }

  private finish(client: StreamClient): void {
    this.dropPending(client);
    this.countSent(client);
  }

  private countSent(client: StreamClient): void {
    if (client.pendingRepeat) {
      // A dual_final_frames repeat: not one more frame delivered.
      client.framesRepeated++;
      this.totals.framesRepeated++;
      return;
    }
    client.framesSent++;
    client.windowFrames++;
    this.totals.framesSent++;
  }

  private dropPending(client: StreamClient): void {
    const frame = client.pending;
    if (!frame) return;
    client.pending = null;
    client.pendingOffset = 0;
    const senders = (this.inFlight.get(frame) ?? 1) - 1;
    if (senders > 0) this.inFlight.set(frame, senders);
    else this.inFlight.delete(frame);
    frame.unref();
  }

  private wakeWaiters(frame: FrameLease): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => frame.timestampUs >= w.minTimestampUs);
    this.waiters = this.waiters.filter((w) => frame.timestampUs < w.minTimestampUs);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(frame.ref());
    }
    if (ready.length > 0) this.opts.onInterest?.();
  }

  /** Keeps the number of pool slots held by JS bounded: slow clients' frames get copied out. */
  private limitPoolUse(): void {
    let held = this.latest?.holdsSlot ? 1 : 0;
    for (const f of this.inFlight.keys()) if (f.holdsSlot && f !== this.latest) held++;
    if (held <= this.opts.maxFramesInPool) return;
    for (const f of this.inFlight.keys()) {
      if (held <= this.opts.maxFramesInPool) break;
      if (f !== this.latest && f.holdsSlot) {
        this.totals.bytesCopied += detachFromPool(f);
        held--;
      }
    }
  }

  /** Re-arms the quiet timer: it fires when no frame followed the last one within ~1.5 frame times. */
  private armQuietTimer(): void {
    const delay = Math.round(Math.min(250, Math.max(20, (this.frameIntervalUs * 1.5) / 1000)) / 10) * 10;
    if (this.quietTimer && delay === this.quietDelayMs) {
      this.quietTimer.refresh();
      return;
    }
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietDelayMs = delay;
    this.quietTimer = setTimeout(() => this.repeatFinalFrame(), delay);
    this.quietTimer.unref();
  }

  /** dual_final_frames (as ustreamer means it): the source went quiet, so the last frame each such client
   * got is sent once more. WebKit (and Chromium without advance_headers) shows a part only when the
   * next one starts; without this, the final picture of a burst would never be painted. */
  private repeatFinalFrame(): void {
    const latest = this.latest;
    if (!latest) return;
    for (const c of this.clients.values()) {
      if (!c.info.options.dualFinalFrames || c.pending || c.lastSentSeq !== latest.seq || c.repeatedSeq === latest.seq) continue;
      c.repeatedSeq = latest.seq;
      this.send(c, latest, true);
    }
  }

  private tick(): void {
    this.collectDirectCounts();
    const now = Date.now();
    for (const c of [...this.clients.values()]) {
      c.fps = c.windowFrames;
      c.windowFrames = 0;
      if (c.pending && now - c.lastProgressAt > this.opts.stallTimeoutMs) {
        this.totals.stalledClosed++;
        this.removeClient(c);
        c.sink.close();
      }
    }
  }
}
