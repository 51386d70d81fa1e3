// --drop-same-frames N as a filter over fake frames: a static source passes one frame in N, a
// changing one every frame; a gap (offline picture) lets the next frame through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SameFrameFilter } = require('../../dist/stream/same-frames.js');

const frame = (bytes) => ({ jpeg: Buffer.from(bytes) });

test('a static source: one frame in N goes out, the first at once', () => {
  const f = new SameFrameFilter(5);
  const passed = Array.from({ length: 20 }, () => f.pass(frame([0xff, 0xd8, 1, 2, 0xff, 0xd9])));
  assert.deepEqual(passed.map(Number).join(''), '10000100001000010000');
  assert.equal(f.dropped, 16);
});

test('a changing source: every frame, same length or not', () => {
  const f = new SameFrameFilter(5);
  const frames = [[1, 2, 3], [1, 2, 4], [1, 2, 4, 5], [9, 2, 4, 5]];
  assert.deepEqual(frames.map((b) => f.pass(frame(b))), [true, true, true, true]);
  assert.equal(f.dropped, 0);
  // A repeat after a change is a repeat of the last frame sent.
  assert.equal(f.pass(frame([9, 2, 4, 5])), false);
  f.reset();
  assert.equal(f.pass(frame([9, 2, 4, 5])), true, 'after reset the next frame goes out');
});

test('the filter keeps a copy: a frame whose memory is reused later is still compared right', () => {
  const f = new SameFrameFilter(3);
  const slot = Buffer.from([1, 2, 3]);
  assert.equal(f.pass({ jpeg: slot }), true);
  slot[0] = 7; // the pool slot now holds another frame
  assert.equal(f.pass(frame([1, 2, 3])), false);
  assert.equal(f.pass(frame([7, 2, 3])), true);
});
