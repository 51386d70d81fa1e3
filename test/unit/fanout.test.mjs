// The fan-out engine with a fake sink (no sockets, no timers waited on): one frame in flight, skips,
// the newest frame on drain, newcomers start with the latest frame, copies out of a full pool.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Fanout } = require('../../dist/stream/fanout.js');
const { FrameLease } = require('../../dist/sources/lease.js');
const { partOf } = require('../../dist/stream/part.js');

const OPTS = { maxFps: 0, advanceHeaders: false, dualFinalFrames: false };

/** Takes at most `budget` bytes per write (Infinity: all); records what it took. */
class FakeSink {
  constructor(budget = Infinity) {
    this.budget = budget;
    this.bytes = [];
    this.closed = false;
  }
  write(chunks, offset) {
    const want = chunks.length - offset;
    const n = Math.min(want, this.budget);
    let skip = offset;
    let left = n;
    for (const c of chunks.list) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const piece = c.subarray(skip, skip + left);
      this.bytes.push(Buffer.from(piece));
      left -= piece.length;
      skip = 0;
      if (!left) break;
    }
    return n;
  }
  close() {
    this.closed = true;
  }
  text() {
    return Buffer.concat(this.bytes).toString('latin1');
  }
}

let released = 0;
function frame(seq, pooled = true, timestampUs = 1e15 + seq * 33333) {
  const jpeg = Buffer.from([0xff, 0xd8, seq & 0xff, 0xff, 0xd9]);
  const slot = Buffer.concat([Buffer.alloc(256), jpeg, Buffer.alloc(64)]);
  return new FrameLease(seq, timestampUs, slot, 256, jpeg.length, { release: () => released++, pooled });
}

/** The part a frame goes out as (what the source's capture thread sends too). */
function partText(f) {
  return Buffer.concat(partOf(f).list).toString('latin1');
}

function partLength(f) {
  return partOf(f).length;
}

test('a ready client gets every frame as one part: headers, JPEG, then the next delimiter', () => {
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 4 });
  const sink = new FakeSink();
  const c = f.addClient(sink, { remoteAddress: 'a', transport: 't', options: OPTS });
  f.publish(frame(1));
  f.publish(frame(2));
  assert.equal(c.framesSent, 2);
  const text = sink.text();
  assert.match(text, /^Content-Type: image\/jpeg\r\nContent-Length: 5\r\nX-Timestamp: \d+\.\d{6}\r\n\r\n\xff\xd8\x01\xff\xd9\r\n--mjpgdframe\r\n/);
  f.close();
});

test('one frame in flight: a busy client skips frames, and gets the newest one when it drains', () => {
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 4 });
  const sink = new FakeSink(10);
  const c = f.addClient(sink, { remoteAddress: 'a', transport: 't', options: OPTS });
  f.publish(frame(1));
  assert.ok(c.pending, 'part 1 is in flight');
  f.publish(frame(2));
  f.publish(frame(3));
  assert.equal(c.framesSkipped, 2);
  sink.budget = Infinity;
  f.resume(c);
  assert.equal(c.framesSent, 2, 'frame 1 finished, then frame 3 (the newest) at once');
  assert.equal(c.lastSentSeq, 3);
  f.close();
});

test('a newcomer starts with the latest frame; a fast client is not slowed by a slow one', () => {
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 4 });
  f.publish(frame(1));
  const slow = f.addClient(new FakeSink(0), { remoteAddress: 's', transport: 't', options: OPTS });
  const fastSink = new FakeSink();
  const fast = f.addClient(fastSink, { remoteAddress: 'f', transport: 't', options: OPTS });
  assert.equal(fast.framesSent, 1, 'got frame 1 on joining');
  for (let i = 2; i <= 10; i++) f.publish(frame(i));
  assert.equal(fast.framesSent, 10);
  assert.equal(slow.framesSent, 0);
  assert.equal(slow.framesSkipped, 9);
  f.close();
});

test('fps cap: a client asking 15 fps of a 30 fps source gets every other frame', () => {
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 4 });
  const c = f.addClient(new FakeSink(), { remoteAddress: 'a', transport: 't', options: { ...OPTS, maxFps: 15 } });
  for (let i = 1; i <= 10; i++) f.publish(frame(i));
  assert.equal(c.framesSent, 5);
  f.close();
});

test('slow clients never pin more pool slots than allowed: their frames are copied out, counted', () => {
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 1 });
  const sinks = [new FakeSink(3), new FakeSink(3), new FakeSink(3)];
  sinks.forEach((s, i) => {
    f.addClient(s, { remoteAddress: String(i), transport: 't', options: OPTS });
    f.publish(frame(i + 1));
  });
  assert.ok(f.stats().bytesCopied > 0, 'copied out of the pool');
  f.close();
});

test('a client removed as stalled by its transport is counted', () => {
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 4 });
  const c = f.addClient(new FakeSink(0), { remoteAddress: 'a', transport: 't', options: OPTS });
  f.publish(frame(1));
  f.removeStalled(c);
  f.removeStalled(c);
  assert.equal(f.stats().stalledClosed, 1);
  assert.equal(f.clientCount, 0);
  f.close();
});

/** A source's direct outlet as the engine sees it: records who is direct. */
class FakeOutlet {
  constructor() {
    this.direct = new Map();
    this.every = [];
    this.quiet = 0;
  }
  add(id, fd) {
    this.direct.set(id, { fd, frames: 0, bytes: 0 });
    return true;
  }
  remove(id) {
    const v = this.direct.get(id);
    this.direct.delete(id);
    return v ? { frames: v.frames, bytes: v.bytes } : null;
  }
  takeCounts(id) {
    const v = this.direct.get(id);
    if (!v) return null;
    const out = { frames: v.frames, bytes: v.bytes };
    v.frames = v.bytes = 0;
    return out;
  }
  setEveryFrame(every) {
    this.every.push(every);
  }
  quietFrames() {
    return this.quiet;
  }
  /** What the capture thread would have done for a frame: every direct viewer took it whole. */
  delivered(bytes) {
    for (const v of this.direct.values()) {
      v.frames++;
      v.bytes += bytes;
    }
  }
}

class SocketLikeSink extends FakeSink {
  constructor(fd, budget) {
    super(budget);
    this.fd = fd;
  }
  directFd() {
    return this.fd;
  }
}

function directFanout(outlet) {
  let interest = 0;
  const f = new Fanout({ stallTimeoutMs: 1000, maxFramesInPool: 4, direct: outlet, onInterest: () => interest++ });
  return { f, interests: () => interest };
}

test('direct: a plain client on a socket goes direct after a whole part; the engine then skips it and counts what the source sent', () => {
  const outlet = new FakeOutlet();
  const { f, interests } = directFanout(outlet);
  const sink = new SocketLikeSink(42);
  const capped = new SocketLikeSink(43);
  const c = f.addClient(sink, { remoteAddress: 'a', transport: 'node', options: OPTS });
  const slow = f.addClient(capped, { remoteAddress: 'b', transport: 'node', options: { ...OPTS, maxFps: 10 } });
  assert.equal(c.direct, true, 'no frame yet: direct at once');
  assert.deepEqual([...outlet.direct.keys()], [c.info.id], 'an fps cap needs the engine: never direct');
  assert.ok(interests() > 0);
  assert.equal(f.wantsEveryFrame, true, 'the capped client is written from JS');
  f.removeClient(slow);
  assert.equal(f.wantsEveryFrame, false, 'every client direct, nobody waiting');
  const one = frame(1);
  outlet.delivered(partLength(one));
  f.publish(one);
  assert.equal(sink.bytes.length, 0, 'the engine wrote nothing itself');
  const s = f.stats();
  assert.equal(s.framesSent, 1);
  assert.equal(s.clientList[0].direct, true);
  assert.equal(s.clientList[0].bytesSent, partLength(one));
  f.close();
  assert.equal(outlet.direct.size, 0, 'closing takes it out of the direct set');
});

test('direct: a handback mid-part is finished from JS with exactly the rest of that part, then the client is direct again', () => {
  const outlet = new FakeOutlet();
  const { f } = directFanout(outlet);
  const sink = new SocketLikeSink(7, 0);
  const c = f.addClient(sink, { remoteAddress: 'a', transport: 'node', options: OPTS });
  assert.equal(c.direct, true);
  const two = frame(2);
  const whole = partText(two);
  outlet.remove(c.info.id);
  // The kernel took 30 bytes of the part from the capture thread, then nothing more.
  f.publish(two, [{ id: c.info.id, sent: 30, gone: false, frames: 0, bytes: 30 }]);
  assert.equal(c.direct, false);
  assert.ok(c.pending, 'the rest is in flight');
  assert.equal(f.wantsEveryFrame, true, 'JS writes to it now');
  f.publish(frame(3));
  assert.equal(c.framesSkipped, 1, 'busy: frame 3 skipped');
  sink.budget = Infinity;
  f.resume(c);
  assert.equal(sink.text().slice(0, whole.length - 30), whole.slice(30), 'the rest of part 2, from byte 30');
  assert.equal(c.lastSentSeq, 3, 'then the newest frame at once');
  assert.equal(c.direct, true, 'drained: direct again');
  assert.equal(c.bytesSent, whole.length + partLength(frame(3)));
  f.close();
});

test('direct: a gone handback closes the client; a waiter for a frame makes JS want every frame', async () => {
  const outlet = new FakeOutlet();
  const { f } = directFanout(outlet);
  const sink = new SocketLikeSink(9);
  const c = f.addClient(sink, { remoteAddress: 'a', transport: 'node', options: OPTS });
  f.publish(frame(1), [{ id: c.info.id, sent: 0, gone: true, frames: 0, bytes: 0 }]);
  assert.equal(sink.closed, true);
  assert.equal(f.clientCount, 0);
  assert.equal(f.wantsEveryFrame, false, 'no clients');
  const waiting = f.frameAfter(2e15, 1000);
  assert.equal(f.wantsEveryFrame, true, 'a snapshot waits for the next frame');
  f.publish(frame(5, true, 2e15));
  (await waiting).unref();
  assert.equal(f.wantsEveryFrame, false);
  outlet.quiet = 4;
  assert.equal(f.stats().framesPublished, 2 + 4, 'frames only direct viewers got count as published');
  f.close();
});
