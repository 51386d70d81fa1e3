// --drop-same-frames end to end: a folder of identical files is a static source (one frame in N
// reaches viewers), a folder of distinct files a changing one (all of them).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { readStream } from './helpers/multipart.mjs';
import { ROOT, startMjpgd } from './helpers/server.mjs';

const require = createRequire(import.meta.url);
const native = require(`${ROOT}/native/binding.js`);

function folderOf(jpegs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-same-'));
  jpegs.forEach((j, i) => fs.writeFileSync(path.join(dir, `f${i}.jpg`), j));
  return dir;
}

async function camera(server) {
  return (await (await fetch(`${server.url}/state`)).json()).cameras[0];
}

test('static folder source with --drop-same-frames 4: exactly 3 repeats dropped between frames sent', async () => {
  const still = native.renderOfflineJpeg(320, 240, 'STILL', 'the same picture');
  const server = await startMjpgd(['--folder', folderOf([still, still, still]), '--fps', '40', '--drop-same-frames', '4']);
  try {
    const { parts } = await readStream(`${server.url}/stream`, { maxParts: 4, ms: 10000 });
    assert.equal(parts.length, 4);
    for (const p of parts) assert.ok(p.body.equals(still));
    const cam = await camera(server);
    const published = cam.stream.framesPublished;
    const dropped = cam.counters.sameFramesDropped;
    // Every published frame but the first follows exactly 3 dropped ones; after the last, up to 3 more.
    assert.ok(published >= 4, `published ${published}`);
    assert.ok(dropped >= (published - 1) * 3 && dropped <= published * 3, `published ${published}, dropped ${dropped}`);
  } finally {
    await server.stop();
  }
});

test('changing folder source with --drop-same-frames 4: every frame sent, none dropped', async () => {
  const jpegs = [0, 1, 2].map((k) => native.renderOfflineJpeg(320, 240, `FRAME ${k}`, `picture ${k}`));
  const server = await startMjpgd(['--folder', folderOf(jpegs), '--fps', '40', '--drop-same-frames', '4']);
  try {
    const { parts } = await readStream(`${server.url}/stream`, { maxParts: 6, ms: 10000 });
    assert.equal(parts.length, 6);
    const cam = await camera(server);
    assert.equal(cam.counters.sameFramesDropped, 0);
    assert.ok(cam.stream.framesPublished >= 6);
  } finally {
    await server.stop();
  }
});
