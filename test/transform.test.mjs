// Lossless rotate/flip end to end on the test pattern: per viewer (?rotate=, ?flip=) beside plain
// viewers, per snapshot, per camera (--rotate), and one transform per frame however many viewers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { jpegSize } from './helpers/jpeg.mjs';
import { readStream } from './helpers/multipart.mjs';
import { ROOT, startMjpgd } from './helpers/server.mjs';

const require = createRequire(import.meta.url);
const native = require(`${ROOT}/native/binding.js`);

const PATTERN = ['--source', 'testpattern', '--width', '640', '--height', '480', '--fps', '15'];

async function camera(server) {
  return (await (await fetch(`${server.url}/state`)).json()).cameras[0];
}

async function snapshotSize(url) {
  const r = await fetch(url);
  assert.equal(r.status, 200, url);
  return jpegSize(Buffer.from(await r.arrayBuffer()));
}

test('/stream?rotate=90 carries 480x640 parts beside a plain viewer at 640x480; two viewers of it cost one transform per frame', async () => {
  const server = await startMjpgd(PATTERN);
  try {
    const [plain, turnedA, turnedB] = await Promise.all([
      readStream(`${server.url}/stream`, { maxParts: 8, ms: 15000 }),
      readStream(`${server.url}/stream?rotate=90`, { maxParts: 8, ms: 15000 }),
      readStream(`${server.url}/?action=stream&rotate=90`, { maxParts: 8, ms: 15000 }),
    ]);
    for (const p of plain.parts) assert.deepEqual(jpegSize(p.body), { width: 640, height: 480 });
    for (const { parts } of [turnedA, turnedB]) {
      assert.equal(parts.length, 8);
      for (const p of parts) assert.deepEqual(jpegSize(p.body), { width: 480, height: 640 });
    }
    const cam = await camera(server);
    const t = cam.transforms.rotate90;
    // Each camera frame is turned at most once for the orientation, so never more than published,
    // while each viewer received 8 (a per-viewer transform would have counted at least 16).
    assert.ok(t.computed >= 8 && t.computed <= cam.stream.framesPublished, `computed ${t.computed}, published ${cam.stream.framesPublished}`);
    assert.ok(t.computed < 16 || cam.stream.framesPublished >= 16, 'not one transform per viewer');
    assert.equal(t.failed, 0);
  } finally {
    await server.stop();
  }
});

test('snapshots: ?rotate=270 and ?flip=h; a bad rotate or flip is a 400 naming it', async () => {
  const server = await startMjpgd(PATTERN);
  try {
    assert.deepEqual(await snapshotSize(`${server.url}/snapshot?rotate=270`), { width: 480, height: 640 });
    assert.deepEqual(await snapshotSize(`${server.url}/?action=snapshot&flip=h`), { width: 640, height: 480 });
    assert.deepEqual(await snapshotSize(`${server.url}/snapshot?rotate=90&flip=v`), { width: 480, height: 640 });
    const bad = await fetch(`${server.url}/snapshot?rotate=45`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /rotate must be 0, 90, 180 or 270 \(got "45"\)/);
    const badFlip = await fetch(`${server.url}/stream?flip=x`);
    assert.equal(badFlip.status, 400);
    assert.match(await badFlip.text(), /flip must be h, v or none/);
    const t = (await camera(server)).transforms;
    assert.ok(t.rotate270.computed >= 1 && t.fliph.computed >= 1 && t.transverse.computed >= 1, JSON.stringify(t));
  } finally {
    await server.stop();
  }
});

test('--rotate 90 turns the camera for everyone; a viewer asking ?rotate=90 on top gets it turned twice (640x480 again)', async () => {
  const server = await startMjpgd([...PATTERN, '--rotate', '90']);
  try {
    assert.deepEqual(await snapshotSize(`${server.url}/snapshot`), { width: 480, height: 640 });
    assert.deepEqual(await snapshotSize(`${server.url}/snapshot?rotate=90`), { width: 640, height: 480 });
    const cam = await camera(server);
    assert.equal(cam.transforms.camera.orientation, 'rotate90');
    assert.ok(cam.transforms.camera.computed > 0);
  } finally {
    await server.stop();
  }
});

test('--rotate other than a quarter turn is refused at start (exit 2, naming the key)', async () => {
  await assert.rejects(startMjpgd([...PATTERN, '--rotate', '45']), /rotate must be 0, 90, 180 or 270/);
});

/** Luma of a JPEG as ffmpeg decodes it, after an optional ffmpeg filter. */
function gray(jpegFile, filter) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', jpegFile, ...(filter ? ['-vf', filter] : []), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("a turned snapshot decodes to ffmpeg's turn of the original (180: hflip,vflip; 90: transpose=clock)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-turn-'));
  const original = path.join(dir, 'original.jpg');
  fs.writeFileSync(original, native.renderOfflineJpeg(640, 480, 'TURN ME', 'top left corner text'));
  const server = await startMjpgd(['--folder', original, '--fps', '10']);
  try {
    for (const [rotate, filter] of [['180', 'hflip,vflip'], ['90', 'transpose=clock']]) {
      const out = path.join(dir, `turned${rotate}.jpg`);
      fs.writeFileSync(out, Buffer.from(await (await fetch(`${server.url}/snapshot?rotate=${rotate}`)).arrayBuffer()));
      const ours = gray(out);
      // Integer IDCT rounding may differ by a level where rows and columns trade places.
      assert.ok(maxDiff(ours, gray(original, filter)) <= 2, `rotate ${rotate}: max luma difference ${maxDiff(ours, gray(original, filter))}`);
      if (rotate === '180') assert.ok(maxDiff(ours, gray(original)) > 100, 'the unturned picture is far from it');
    }
  } finally {
    await server.stop();
  }
});
