// Part building: the header written byte by byte equals the text form; every layout (room in front
// and behind, none, copied out of the pool) sends the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { partHeader, partHeaderLength, writePartHeader, PART_TRAILER, ADVANCE_TRAILER } = require('../../dist/stream/multipart.js');
const { FrameLease } = require('../../dist/sources/lease.js');
const { partOf, advancePartOf, detachFromPool } = require('../../dist/stream/part.js');

const bytes = (chunks) => Buffer.concat(chunks.list);

test('writePartHeader writes exactly partHeader, for lengths and timestamps of every width', () => {
  const cases = [[0, 0], [5, 999999], [9, 1000000], [10, 1e15 + 33333], [123456, 1796152646130316], [16777215, 1796152646000001]];
  for (const [length, ts] of cases) {
    const text = partHeader(length, ts);
    const buf = Buffer.alloc(partHeaderLength(length, ts) + 4, 0x2a);
    assert.equal(writePartHeader(buf, 2, length, ts), Buffer.byteLength(text));
    assert.equal(buf.toString('latin1', 2, 2 + Buffer.byteLength(text)), text);
    assert.equal(buf[0], 0x2a, 'nothing written before');
    assert.equal(buf.at(-1), 0x2a, 'nothing written after');
  }
});

test('every layout sends header + JPEG + next delimiter, and the advance form JPEG + delimiter + header', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  const ts = 1796152646130316;
  const expected = Buffer.concat([Buffer.from(partHeader(jpeg.length, ts), 'latin1'), jpeg, Buffer.from(PART_TRAILER, 'latin1')]);
  const expectedAdvance = Buffer.concat([jpeg, Buffer.from(ADVANCE_TRAILER, 'latin1')]);
  const layouts = {
    'room in front and behind': [Buffer.concat([Buffer.alloc(200), jpeg, Buffer.alloc(100)]), 200],
    'room in front only': [Buffer.concat([Buffer.alloc(200), jpeg]), 200],
    'no room (a driver buffer)': [Buffer.from(jpeg), 0],
    'room behind only': [Buffer.concat([jpeg, Buffer.alloc(20)]), 0],
  };
  for (const [name, [slot, offset]] of Object.entries(layouts)) {
    let released = 0;
    const f = new FrameLease(1, ts, slot, offset, jpeg.length, { release: () => released++ });
    assert.deepEqual(bytes(partOf(f)), expected, name);
    assert.equal(partOf(f).length, expected.length, name);
    assert.deepEqual(bytes(advancePartOf(f)), expectedAdvance, `${name}: advance`);
    if (offset >= 100) assert.equal(partOf(f).list.length, slot.length - offset - jpeg.length >= PART_TRAILER.length ? 1 : 2, `${name}: chunks`);
    assert.equal(detachFromPool(f), jpeg.length);
    assert.equal(released, 1);
    assert.deepEqual(bytes(partOf(f)), expected, `${name}: after the copy out of the pool`);
    assert.deepEqual(bytes(advancePartOf(f)), expectedAdvance, `${name}: advance after the copy`);
    assert.equal(partOf(f).pooled, false);
  }
});

test('the room sources leave around a copied JPEG holds any part header and the advance trailer', () => {
  const { FRAME_HEADROOM, FRAME_TAILROOM } = require('../../dist/sources/lease.js');
  // The widest header: an 8-digit length and a timestamp with 11-digit seconds (the year 5138).
  assert.ok(partHeaderLength(99_999_999, 99_999_999_999 * 1e6) <= FRAME_HEADROOM);
  assert.ok(Buffer.byteLength(ADVANCE_TRAILER) <= FRAME_TAILROOM);
});

test('the part header is byte for byte the one the capture thread writes for direct viewers (crates/net/src/part.rs pins the same text)', () => {
  const out = Buffer.alloc(128);
  const n = writePartHeader(out, 0, 38912, 1764626400123456);
  assert.equal(out.subarray(0, n).toString('latin1'), 'Content-Type: image/jpeg\r\nContent-Length: 38912\r\nX-Timestamp: 1764626400.123456\r\n\r\n');
  assert.equal(n, partHeaderLength(38912, 1764626400123456));
});
