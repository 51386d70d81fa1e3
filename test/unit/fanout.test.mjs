// The fan-out engine with a fake sink (no sockets, no timers waited on): one frame in flight, skips,
// the newest frame on drain, newcomers start with the latest frame, copies out of a full pool.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Fanout } = require('../../dist/stream/fanout.js');
const { FrameLease } = require('../../dist/sources/lease.js');

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
function frame(seq, pooled = true) {
  const jpeg = Buffer.from([0xff, 0xd8, seq & 0xff, 0xff, 0xd9]);
  const slot = Buffer.concat([Buffer.alloc(256), jpeg, Buffer.alloc(64)]);
  return new FrameLease(seq, 1e15 + seq * 33333, slot, 256, jpeg.length, { release: () => released++, pooled });
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
