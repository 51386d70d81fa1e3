// Runs inside the test VM (test/vm/run.mjs): the capture supervisor's lifecycle against real drivers
// (vivid): hi-res stills while streaming, pause for another program, idle release.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { jpegSize } from '../../helpers/jpeg.mjs';
import { readStream } from '../../helpers/multipart.mjs';
import { ROOT, startMjpgd } from '../../helpers/server.mjs';
import { state, until } from '../../helpers/wait.mjs';

const require = createRequire(import.meta.url);
const native = require(`${ROOT}/native/binding.js`);
const VIVID = process.env.MJPGD_VM_VIVID;
assert.ok(VIVID, 'run inside the VM: node test/vm/run.mjs -- ...');

/** Another program streaming from the device: v4l2-ctl takes 3 frames into a file. */
function otherProgramStreams(file) {
  fs.rmSync(file, { force: true });
  const r = spawnSync('v4l2-ctl', ['-d', VIVID, '--stream-mmap', '--stream-count=3', `--stream-to=${file}`], { timeout: 20000 });
  return { status: r.status, stderr: String(r.stderr), bytes: fs.existsSync(file) ? fs.statSync(file).size : 0 };
}

const STREAM = ['--device', VIVID, '--width', '640', '--height', '480', '--fps', '10', '--format', 'yuyv'];

describe('hi-res stills while streaming (vivid)', () => {
  test('/snapshot?size=1280x720 is 1280x720 while the stream on the same connection stays 640x480; two at once switch once', async () => {
    let server;
    try {
      server = await startMjpgd(STREAM);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const sizes = [];
      let partsAfterStills = 0;
      let stillsDone = false;
      const reading = readStream(`${server.url}/stream`, {
        ms: 20000,
        onPart: (p) => {
          sizes.push(`${p.size.width}x${p.size.height}`);
          if (stillsDone) partsAfterStills++;
        },
      });
      await until('stream parts', () => sizes.length > 2);
      const switches0 = (await state(server)).counters.stillSwitches;
      const shots = await Promise.all([1, 2].map(async () => {
        const res = await fetch(`${server.url}/snapshot?size=1280x720`);
        assert.equal(res.status, 200, await res.clone().text().catch(() => ''));
        return Buffer.from(await res.arrayBuffer());
      }));
      stillsDone = true;
      for (const s of shots) assert.deepEqual(jpegSize(s), { width: 1280, height: 720 });
      const cam = await state(server);
      assert.equal(cam.counters.stillSwitches - switches0, 1, 'two concurrent still requests: one mode switch');
      assert.equal(cam.lastStill.width, 1280);
      await until('the stream goes on after the still', () => partsAfterStills > 3, 20000);
      assert.ok(sizes.every((s) => s === '640x480'), `every stream part 640x480: ${[...new Set(sizes)]}`);
      assert.equal((await state(server)).source.width, 640, '/state shows the stream size again');
      // The bench figure users compare with moonraker-timelapse's 2 s timeout (TCG-emulated CPU here).
      console.log(`# still 1280x720 from a 640x480 YUYV stream: ${cam.lastStill.ms} ms switch-to-stream-back (TCG)`);
      const bad = await fetch(`${server.url}/snapshot?size=12x`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /size must be WIDTHxHEIGHT/);
      await reading;
    } finally {
      await server?.stop();
    }
  });
});

describe('pause (vivid)', () => {
  test('pause file: device closed so another program streams from it; the viewer stays and sees the paused picture; frames resume', async () => {
    const pauseFile = '/tmp/mjpgd-pause';
    fs.rmSync(pauseFile, { force: true });
    let server;
    try {
      server = await startMjpgd([...STREAM, '--pause-file', pauseFile]);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const paused = native.renderOfflineJpeg(640, 480, 'CAMERA PAUSED', `${VIVID} is released for another program; resume with POST /resume or by removing the pause file`);
      const bodies = [];
      let ended = false;
      const reading = readStream(`${server.url}/stream`, { ms: 60000, onPart: (p) => bodies.push(p.body) }).finally(() => (ended = true));
      await until('camera frames', () => bodies.length > 2);
      fs.writeFileSync(pauseFile, '');
      await until('paused in /state', async () => (await state(server)).state === 'paused');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /mjpgd_camera_paused\{camera="default"\} 1/);
      await until('paused picture reaches the viewer', () => bodies.some((b) => b.equals(paused)));
      // The device is free: another program streams from it (exclusive: it would get EBUSY otherwise).
      const other = otherProgramStreams('/tmp/other.raw');
      assert.equal(other.status, 0, `v4l2-ctl streams while mjpgd is paused: ${other.stderr}`);
      assert.equal(other.bytes, 3 * 640 * 480 * 2, 'three 640x480 YUYV frames');
      const snap = Buffer.from(await (await fetch(`${server.url}/snapshot`)).arrayBuffer());
      assert.ok(snap.equals(paused), 'a snapshot while paused is the paused picture');
      fs.rmSync(pauseFile);
      const firstPaused = bodies.findIndex((b) => b.equals(paused));
      await until('camera frames on the same connection after resume', () => bodies.slice(firstPaused).filter((b) => !b.equals(paused)).length > 3, 30000);
      assert.equal((await state(server)).state, 'streaming');
      assert.equal(ended, false, 'the viewer never lost its connection');
      void reading;
    } finally {
      fs.rmSync(pauseFile, { force: true });
      await server?.stop();
    }
  });

  test('POST /pause and POST /resume: another program streams meanwhile; the viewer stays connected', async () => {
    let server;
    try {
      server = await startMjpgd(STREAM);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const paused = native.renderOfflineJpeg(640, 480, 'CAMERA PAUSED', `${VIVID} is released for another program; resume with POST /resume or by removing the pause file`);
      const bodies = [];
      let ended = false;
      const reading = readStream(`${server.url}/stream`, { ms: 60000, onPart: (p) => bodies.push(p.body) }).finally(() => (ended = true));
      await until('camera frames', () => bodies.length > 2);
      assert.equal((await fetch(`${server.url}/pause`, { method: 'POST' })).status, 202);
      await until('paused in /state', async () => (await state(server)).state === 'paused');
      const other = otherProgramStreams('/tmp/other-http.raw');
      assert.equal(other.status, 0, `v4l2-ctl streams while mjpgd is paused: ${other.stderr}`);
      await until('paused picture reaches the viewer', () => bodies.some((b) => b.equals(paused)));
      assert.equal((await fetch(`${server.url}/resume`, { method: 'POST' })).status, 202);
      const firstPaused = bodies.findIndex((b) => b.equals(paused));
      await until('camera frames on the same connection after resume', () => bodies.slice(firstPaused).filter((b) => !b.equals(paused)).length > 3, 30000);
      assert.equal(ended, false, 'the viewer never lost its connection');
      void reading;
    } finally {
      await server?.stop();
    }
  });
});

describe('idle release (vivid)', () => {
  test('no viewers for --idle-release: the device is closed; a snapshot after it reopens and is a fresh frame', async () => {
    let server;
    try {
      server = await startMjpgd([...STREAM, '--idle-release', '1', '--still-warmup', '2']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      await until('released', async () => (await state(server)).state === 'released');
      const other = otherProgramStreams('/tmp/idle.raw');
      assert.equal(other.status, 0, `the device is closed: another program streams from it: ${other.stderr}`);
      const captured0 = (await state(server)).counters.captured;
      const asked = Date.now() / 1000;
      const res = await fetch(`${server.url}/snapshot`);
      assert.equal(res.status, 200);
      const taken = Number(res.headers.get('x-timestamp'));
      assert.ok(taken >= asked - 0.01, `a fresh frame: captured at ${taken}, asked at ${asked}`);
      assert.deepEqual(jpegSize(Buffer.from(await res.arrayBuffer())), { width: 640, height: 480 });
      const cam = await state(server);
      assert.ok(cam.counters.captured - captured0 >= 3, 'two warm-up frames were skipped before the one served');
    } finally {
      await server?.stop();
    }
  });
});
