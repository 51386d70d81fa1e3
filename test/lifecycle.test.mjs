// Camera lifecycle on the test pattern (the VM suite covers real devices): stills at another size
// while streaming, pause/resume through the HTTP actions, --max-restarts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { jpegSize } from './helpers/jpeg.mjs';
import { readStream } from './helpers/multipart.mjs';
import { ROOT, runMjpgd, startMjpgd } from './helpers/server.mjs';
import { state, until } from './helpers/wait.mjs';

const { Camera, parseStillSize } = await import(`${ROOT}/dist/camera.js`);
const { NativeSource } = await import(`${ROOT}/dist/sources/native-source.js`);
const { ACTIONS } = await import(`${ROOT}/dist/http/actions.js`);
const native = (await import(`${ROOT}/native/binding.js`)).default;


describe('stills', () => {
  test('sizes: WxH within 16-8192, or max; anything else says what is allowed', () => {
    assert.deepEqual(parseStillSize('1280x720'), { width: 1280, height: 720 });
    assert.deepEqual(parseStillSize('1920X1080'), { width: 1920, height: 1080 });
    assert.deepEqual(parseStillSize('MAX'), { width: 0, height: 0 });
    for (const bad of ['', '1280', '1280x', 'x720', '8x8', '9000x100', '1280x720x3', '-1x5', ' 640x480']) {
      assert.match(parseStillSize(bad), /size must be WIDTHxHEIGHT/, bad);
    }
  });

  test('?size=WxH gives that size while the stream keeps its own; concurrent requests share one switch', async () => {
    const server = await startMjpgd(['--fps', '30']);
    try {
      const reading = readStream(`${server.url}/stream`, { ms: 2500 });
      const shots = await Promise.all([1, 2, 3].map(async () => Buffer.from(await (await fetch(`${server.url}/snapshot?size=320x240`)).arrayBuffer())));
      for (const s of shots) assert.deepEqual(jpegSize(s), { width: 320, height: 240 });
      const { parts } = await reading;
      assert.ok(parts.length > 5);
      for (const p of parts) assert.deepEqual(p.size, { width: 640, height: 480 });
      const cam = await state(server);
      assert.equal(cam.counters.stillSwitches, 1, 'three concurrent requests: one mode switch');
      assert.equal(cam.lastStill.width, 320);
      assert.equal(typeof cam.lastStill.ms, 'number');
      assert.match(server.output(), /still 320x240 .* in \d+ ms/);
    } finally {
      await server.stop();
    }
  });

  test('a bad size is refused with what is allowed; snapshot_width/height make the plain snapshot a still', async () => {
    const server = await startMjpgd(['--snapshot-width', '800', '--snapshot-height', '600']);
    try {
      const bad = await fetch(`${server.url}/snapshot?size=huge`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /size must be WIDTHxHEIGHT .* or max \(got "huge"\)/);
      const plain = Buffer.from(await (await fetch(`${server.url}/snapshot`)).arrayBuffer());
      assert.deepEqual(jpegSize(plain), { width: 800, height: 600 });
    } finally {
      await server.stop();
    }
    const half = await runMjpgd(['--snapshot-width', '800']);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--snapshot-width and --snapshot-height go together/);
  });
});

describe('pause and resume actions', () => {
  test('POST /pause shows the paused picture and says paused; POST /resume brings frames back', async () => {
    const source = new NativeSource({ source: 'testpattern', width: 320, height: 240, fps: 50, quality: 70, buffers: 4 });
    const camera = new Camera('default', source, { stallTimeoutMs: 10000 });
    camera.start();
    try {
      await until('frames', () => camera.state().counters.captured > 2);
      assert.deepEqual(ACTIONS['/pause'].methods, ['POST']);
      const answer = await ACTIONS['/pause'].run({ camera, method: 'POST', query: new URLSearchParams(), body: Buffer.alloc(0) });
      assert.equal(answer.status, 202);
      await until('paused', () => camera.state().state === 'paused');
      assert.equal(camera.state().paused, true);
      const picture = native.renderOfflineJpeg(320, 240, 'CAMERA PAUSED', 'test pattern is released for another program; resume with POST /resume or by removing the pause file');
      await until('paused picture published', () => camera.fanout.latestFrame()?.jpeg.equals(picture));
      const captured = camera.state().counters.captured;
      await ACTIONS['/resume'].run({ camera, method: 'POST', query: new URLSearchParams(), body: Buffer.alloc(0) });
      await until('streaming again', () => camera.state().state === 'streaming' && camera.state().counters.captured > captured + 2);
      assert.equal(camera.fanout.latestFrame().jpeg.equals(picture), false);
    } finally {
      camera.stop();
    }
  });
});

describe('pause and resume over HTTP', () => {
  test('POST /pause and /resume (also under /<name>/); other methods get 405', async () => {
    const server = await startMjpgd(['--fps', '30']);
    try {
      await until('frames', async () => (await state(server)).counters.captured > 0);
      const wrong = await fetch(`${server.url}/pause`);
      assert.equal(wrong.status, 405);
      assert.match(wrong.headers.get('allow'), /POST/);
      const paused = await fetch(`${server.url}/default/pause`, { method: 'POST' });
      assert.equal(paused.status, 202);
      assert.equal((await paused.json()).requested, 'pause');
      await until('paused', async () => (await state(server)).state === 'paused');
      assert.match(await (await fetch(`${server.url}/metrics`)).text(), /mjpgd_camera_paused\{camera="default"\} 1/);
      const snap = Buffer.from(await (await fetch(`${server.url}/snapshot`)).arrayBuffer());
      const picture = native.renderOfflineJpeg(640, 480, 'CAMERA PAUSED', 'test pattern is released for another program; resume with POST /resume or by removing the pause file');
      assert.ok(snap.equals(picture), 'a snapshot while paused is the paused picture');
      assert.equal((await fetch(`${server.url}/resume`, { method: 'POST' })).status, 202);
      await until('streaming', async () => (await state(server)).state === 'streaming');
    } finally {
      await server.stop();
    }
  });
});

describe('pause file', () => {
  test('creating it pauses, removing it resumes', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-pause-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'pause');
    const server = await startMjpgd(['--pause-file', file]);
    try {
      await until('streaming', async () => (await state(server)).state === 'streaming');
      fs.writeFileSync(file, '');
      await until('paused', async () => (await state(server)).state === 'paused');
      fs.rmSync(file);
      await until('streaming again', async () => (await state(server)).state === 'streaming');
      assert.match(server.output(), /pause file .* present: pausing/);
    } finally {
      await server.stop();
    }
  });
});

describe('max restarts', () => {
  test('a missing device with --max-restarts 2 exits non-zero after two attempts, with the reason', async () => {
    const r = await runMjpgd(['--device', '/dev/video-missing', '--max-restarts', '2', '--port', '0']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /camera default: not_found: \/dev\/video-missing does not exist .*\(2 attempts\)/);
  });
});
