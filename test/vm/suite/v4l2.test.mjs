// Runs inside the test VM (test/vm/run.mjs): mjpgd against real kernel V4L2 drivers.
// vivid gives a raw (YUYV) camera; v4l2loopback gives a device that serves the JPEGs we write to it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { jpegSize } from '../../helpers/jpeg.mjs';
import { MultipartParser, readStream } from '../../helpers/multipart.mjs';
import net from 'node:net';
import { ROOT, startMjpgd } from '../../helpers/server.mjs';
import { state, until } from '../../helpers/wait.mjs';
import { loopbackWriter } from '../loopback-writer.mjs';

const require = createRequire(import.meta.url);
const native = require(`${ROOT}/native/binding.js`);
const VIVID = process.env.MJPGD_VM_VIVID;
const LOOPBACKS = (process.env.MJPGD_VM_LOOPBACKS ?? '').split(' ').filter(Boolean);

assert.ok(VIVID && LOOPBACKS.length >= 3, 'run inside the VM: node test/vm/run.mjs -- ...');

/** CPU seconds a process has used (utime + stime from /proc; USER_HZ is 100 on Linux). */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The JPEG without its DHT segments. */
function stripHuffmanTables(jpeg) {
  const out = [jpeg.subarray(0, 2)];
  let i = 2;
  while (jpeg[i + 1] !== 0xda) {
    const len = jpeg.readUInt16BE(i + 2);
    if (jpeg[i + 1] !== 0xc4) out.push(jpeg.subarray(i, i + 2 + len));
    i += 2 + len;
  }
  out.push(jpeg.subarray(i));
  return Buffer.concat(out);
}

/** Distinct 640x480 JPEGs, made by the addon's encoder. */
function makeJpegs(n) {
  return Array.from({ length: n }, (_, k) => native.renderOfflineJpeg(640, 480, `LOOPBACK FRAME ${k}`, `test picture number ${k}`));
}

describe('raw camera (vivid, YUYV) encoded once per frame', () => {
  test('640x480 YUYV at 25 fps arrives as valid 640x480 JPEGs; actual size and rate reported', async () => {
    let server;
    try {
      server = await startMjpgd(['--device', VIVID, '--width', '640', '--height', '480', '--fps', '25', '--format', 'yuyv']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const t0 = Date.now();
      const cpu0 = cpuSeconds(server.child.pid);
      const captured0 = (await state(server)).counters.captured;
      const { parts } = await readStream(`${server.url}/stream`, { ms: 4000 });
      const seconds = (Date.now() - t0) / 1000;
      assert.ok(parts.length > 0);
      for (const p of parts) assert.deepEqual(p.size, { width: 640, height: 480 });
      const cam = await state(server);
      const perFrame = ((cpuSeconds(server.child.pid) - cpu0) / (cam.counters.captured - captured0)) * 1e3;
      console.log(`# vivid YUYV 640x480 (encoded): ${(parts.length / seconds).toFixed(1)} fps delivered, measured ${cam.source.fps.measured} fps, mjpgd CPU ${perFrame.toFixed(2)} ms/frame (TCG-emulated CPU), counters ${JSON.stringify(cam.counters)}`);
      assert.equal(cam.source.kind, 'v4l2');
      assert.equal(cam.source.format, 'YUYV');
      assert.equal(cam.source.buffers, 'userptr', 'vivid takes mjpgd\'s own buffers (USERPTR)');
      assert.equal(cam.source.width, 640);
      assert.equal(cam.source.fps.desired, 25, 'vivid accepts 25 fps at 640x480');
      // Frames flow: several distinct captures, in order (the rate is a figure for the log, not a test).
      assert.ok(parts.length >= 5, `frames flow (${parts.length} in ${seconds} s)`);
      for (let i = 1; i < parts.length; i++) assert.ok(parts[i].timestamp > parts[i - 1].timestamp, 'each part a newer capture');
      assert.equal(cam.online, true);
    } finally {
      if (server) assert.equal((await server.stop()).code, 0);
    }
  });

  test('controls are listed and one is set and read back', () => {
    const controls = native.listControls(VIVID);
    const brightness = controls.find((c) => c.name === 'brightness');
    assert.ok(brightness, `controls: ${controls.map((c) => c.name).join(', ')}`);
    const target = brightness.value === 200 ? 100 : 200;
    assert.deepEqual(
      native.setControls(VIVID, [{ name: 'brightness', value: target }]).map((c) => [c.name, c.value]),
      [['brightness', target]],
    );
    assert.equal(native.listControls(VIVID).find((c) => c.name === 'brightness').value, target);
    assert.throws(() => native.setControls(VIVID, [{ name: 'no such control', value: 1 }]), /has no control "no such control"/);
  });

  test('a device another program is streaming from is reported busy, and mjpgd keeps serving', async () => {
    const first = await startMjpgd(['--device', VIVID, '--fps', '5', '--width', '640', '--height', '480']);
    const second = await startMjpgd(['--device', VIVID, '--fps', '5', '--width', '640', '--height', '480']);
    try {
      await until('first streams', async () => (await state(first)).counters.captured > 0);
      const cam = await until('busy reported', async () => {
        const s = await state(second);
        return s.error ? s : null;
      });
      assert.match(cam.error, /^busy: .* is busy/);
      assert.equal(cam.online, false);
      const { parts } = await readStream(`${second.url}/stream`, { maxParts: 1, ms: 5000 });
      assert.equal(parts.length, 1, 'viewers of the busy camera get the offline picture');
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('MJPEG camera (v4l2loopback) passed through, copied once at dequeue', () => {
  test('JPEGs written into the device come out of /stream and /snapshot byte-identical, each copied once', async () => {
    const frames = makeJpegs(3);
    const writer = loopbackWriter(LOOPBACKS[0], frames);
    let server;
    try {
      server = await startMjpgd(['--device', LOOPBACKS[0], '--fps', '25', '--width', '640', '--height', '480']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const cpu0 = cpuSeconds(server.child.pid);
      const captured0 = (await state(server)).counters.captured;
      const { parts } = await readStream(`${server.url}/stream`, { ms: 3000 });
      const perFrame = ((cpuSeconds(server.child.pid) - cpu0) / ((await state(server)).counters.captured - captured0)) * 1e3;
      assert.ok(parts.length > 10, `${parts.length} parts`);
      const known = new Set(frames.map((f) => f.toString('base64')));
      for (const p of parts) assert.ok(known.has(p.body.toString('base64')), 'part is one of the written JPEGs, byte for byte');
      const snap = Buffer.from(await (await fetch(`${server.url}/snapshot`)).arrayBuffer());
      assert.ok(known.has(snap.toString('base64')), 'snapshot is byte-identical');
      assert.deepEqual(jpegSize(snap), { width: 640, height: 480 });
      const cam = await state(server);
      console.log(`# v4l2loopback MJPEG (passthrough): ${(parts.length / 3).toFixed(1)} fps delivered, mjpgd CPU ${perFrame.toFixed(2)} ms/frame (TCG-emulated CPU), counters ${JSON.stringify(cam.counters)}, notes ${JSON.stringify(cam.source.notes)}`);
      assert.equal(cam.source.format, 'MJPG');
      assert.equal(cam.source.buffers, 'mmap', 'v4l2loopback has no USERPTR: the MMAP fallback');
      // v4l2loopback overwrites buffers a reader holds: each frame is copied once, at dequeue.
      assert.equal(cam.source.copied, true);
      assert.ok(cam.counters.bytesCopied >= cam.counters.captured * 1000, 'every frame copied once at dequeue, and counted');
      assert.equal(cam.stream.bytesCopied, 0, 'the fan-out never copies: JS never holds driver buffers');
      // The pool JS leases from is what the driver gave (8 with max_buffers=8 and --buffers 8), not what was asked.
      assert.equal(cam.source.poolSize, 4, 'the copy pool has --buffers slots');
    } finally {
      await server?.stop();
      writer.close();
    }
  });

  test('with a slow viewer attached, 50 snapshots and every part it receives are byte-identical to frames written', async () => {
    // Eight distinct pictures: a buffer overwritten while mjpgd holds it would give a part with the
    // right length and a foreign tail, which matches none of them.
    const frames = makeJpegs(8);
    const writer = loopbackWriter(LOOPBACKS[3], frames);
    let server;
    try {
      server = await startMjpgd(['--device', LOOPBACKS[3], '--fps', '25', '--width', '640', '--height', '480']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const known = new Set(frames.map((f) => f.toString('base64')));
      let stopSlow = false;
      const slowReader = () =>
        new Promise((resolve, reject) => {
          const parser = new MultipartParser('mjpgdframe');
          let head = null;
          const s = net.connect(server.port, '127.0.0.1', () => s.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n'));
          s.on('error', reject);
          s.on('data', (d) => {
            try {
              if (head === null) {
                const end = d.indexOf('\r\n\r\n');
                head = d.subarray(0, end).toString();
                d = d.subarray(end + 4);
              }
              parser.feed(d);
            } catch (e) {
              reject(e);
            }
            if (stopSlow) {
              s.destroy();
              resolve(parser.parts);
              return;
            }
            // Read in bursts: the server meets backpressure, and frames stay held while it waits.
            s.pause();
            setTimeout(() => s.resume(), 300);
          });
        });
      // Small receive windows, as on slow links (this VM is ours: the setting is restored below).
      const rmem = fs.readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8');
      fs.writeFileSync('/proc/sys/net/ipv4/tcp_rmem', '4096 16384 16384');
      let results;
      const snapshots = [];
      try {
        const slow = [slowReader(), slowReader()];
        for (let i = 0; i < 50; i++) snapshots.push(Buffer.from(await (await fetch(`${server.url}/snapshot`)).arrayBuffer()));
        stopSlow = true;
        results = await Promise.all(slow);
      } finally {
        fs.writeFileSync('/proc/sys/net/ipv4/tcp_rmem', rmem);
      }
      snapshots.forEach((snap, i) => assert.ok(known.has(snap.toString('base64')), `snapshot ${i} (${snap.length} bytes) is byte-identical to a written frame`));
      let parts = 0;
      for (const list of results) {
        assert.ok(list.length > 0);
        for (const p of list) assert.ok(known.has(p.body.toString('base64')), 'each part byte-identical to a written JPEG');
        parts += list.length;
      }
      const cam = await state(server);
      assert.ok(cam.stream.framesSkipped > 0, 'the slow readers skipped frames');
      assert.ok(cam.counters.bytesCopied > 0, 'frames copied at dequeue, counted');
      console.log(`# loopback, slow viewers: 50 snapshots + ${parts} slow parts intact; ${cam.stream.framesSkipped} frames skipped, ${cam.counters.bytesCopied} bytes copied at dequeue for ${cam.counters.captured} frames`);
    } finally {
      await server?.stop();
      writer.close();
    }
  });

  test('a JPEG without Huffman tables (as UVC cameras send) is served with the standard tables', async () => {
    const [withTables] = makeJpegs(1);
    const writer = loopbackWriter(LOOPBACKS[2], [stripHuffmanTables(withTables)]);
    let server;
    try {
      server = await startMjpgd(['--device', LOOPBACKS[2], '--fps', '25']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 5, ms: 5000 });
      assert.equal(parts.length, 5);
      for (const p of parts) assert.ok(p.body.equals(withTables), 'tables restored: identical to the encoder\'s original');
      const cam = await state(server);
      assert.ok(cam.counters.bytesCopied > 0, 'this path copies, and says so');
    } finally {
      await server?.stop();
      writer.close();
    }
  });

  test('a camera that goes silent is detected; viewers stay connected and get frames again when it resumes', async () => {
    const frames = makeJpegs(2);
    const writer = loopbackWriter(LOOPBACKS[1], frames, 10);
    let server;
    try {
      server = await startMjpgd(['--device', LOOPBACKS[1], '--fps', '10', '--width', '640', '--height', '480']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      const known = new Set(frames.map((f) => f.toString('base64')));
      let cameraParts = 0;
      let offlineParts = 0;
      let cameraPartsAfterOffline = 0;
      const reading = readStream(`${server.url}/stream`, {
        ms: 30000,
        onPart: (p) => {
          if (known.has(p.body.toString('base64'))) {
            cameraParts++;
            if (offlineParts > 0) cameraPartsAfterOffline++;
          } else offlineParts++;
        },
      });
      await until('camera frames', () => cameraParts > 3);
      writer.pause();
      const cam = await until('silence detected', async () => {
        const s = await state(server);
        return s.online ? null : s;
      });
      assert.match(cam.error, /^timeout: .* sent no frame/);
      await until('offline picture reaches the viewer', () => offlineParts > 0);
      writer.resume();
      await until('frames resume on the same connection', () => cameraPartsAfterOffline > 3, 30000);
      assert.equal((await state(server)).online, true);
      // End the reader now that it has seen everything.
      await Promise.race([reading, new Promise((r) => setTimeout(r, 10))]);
    } finally {
      await server?.stop();
      writer.close();
    }
  });
});

describe('failure at start', () => {
  test('a missing device: mjpgd runs, says why in /state and in the picture, and keeps retrying', async () => {
    const server = await startMjpgd(['--device', '/dev/video9']);
    try {
      const cam = await until('error reported', async () => {
        const s = await state(server);
        return s.error ? s : null;
      });
      assert.match(cam.error, /^not_found: \/dev\/video9 does not exist/);
      const { parts } = await readStream(`${server.url}/stream`, { maxParts: 2, ms: 5000 });
      assert.equal(parts.length, 2, 'viewers get the offline picture, repeatedly');
      assert.deepEqual(parts[0].size, { width: 640, height: 480 });
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('a file that is not a camera is refused with the reason', async () => {
    const server = await startMjpgd(['--device', '/dev/null']);
    try {
      const cam = await until('error', async () => ((await state(server)).error ? state(server) : null));
      assert.match(cam.error, /^not_a_capture_device: /);
    } finally {
      await server.stop();
    }
  });
});

describe('a camera unplugged mid-stream (vivid disconnect) and plugged back', () => {
  test('viewers stay connected through the offline picture and get frames again, without reconnecting', async () => {
    let server;
    try {
      server = await startMjpgd(['--device', VIVID, '--width', '640', '--height', '480', '--fps', '10']);
      await until('first frame', async () => (await state(server)).counters.captured > 0);
      // One connection for the whole test. The offline picture is rendered from the reason, so the
      // test can tell it apart from camera frames byte for byte.
      let offlineJpeg = null;
      const bodies = [];
      let ended = false;
      const reading = readStream(`${server.url}/stream`, { ms: 90000, onPart: (p) => bodies.push(p.body) }).finally(() => (ended = true));
      const firstOffline = () => bodies.findIndex((b) => offlineJpeg && b.equals(offlineJpeg));
      const seen = {
        get offline() {
          return firstOffline() >= 0 ? 1 : 0;
        },
        get cameraAfterOffline() {
          const i = firstOffline();
          return i < 0 ? 0 : bodies.slice(i).filter((b) => !b.equals(offlineJpeg)).length;
        },
      };
      await until('camera frames', () => bodies.length > 2);
      const r = spawnSync('v4l2-ctl', ['-d', VIVID, '-c', 'disconnect=1']);
      assert.equal(r.status, 0, `v4l2-ctl disconnect: ${r.stderr}`);
      const cam = await until('unplug detected', async () => {
        const s = await state(server);
        return s.errors.count > 0 ? s : null;
      });
      assert.match(cam.errors.last, /^(device_gone|io|not_found|timeout): /);
      offlineJpeg = native.renderOfflineJpeg(640, 480, 'CAMERA OFFLINE', `${VIVID}: ${cam.errors.last}`);
      await until('offline picture reaches the viewer', () => seen.offline > 0);
      // "Plug it back": vivid's node may be usable again at once (mjpgd reopens it with backoff);
      // otherwise reload the driver once mjpgd's retry loop doesn't hold the device open.
      const args = 'n_devs=1 node_types=0x1 vid_cap_nr=0 num_inputs=1 input_types=0'.split(' ');
      // Back when /state says so: counting parts isn't enough, as a new reason (device_gone, then
      // not_found while it is away) brings an offline picture of its own.
      await until('camera back', async () => {
        if ((await state(server)).online) return true;
        if (spawnSync('rmmod', ['vivid']).status === 0) assert.equal(spawnSync('modprobe', ['vivid', ...args]).status, 0);
        return false;
      }, 60000);
      const back = bodies.length;
      await until('camera frames resume on the same connection', () => bodies.length > back + 2 && seen.cameraAfterOffline > 2);
      assert.equal((await state(server)).online, true);
      assert.equal(ended, false, 'the viewer never lost its connection');
      void reading;
    } finally {
      await server?.stop();
    }
  });
});
