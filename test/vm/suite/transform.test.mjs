// Runs inside the test VM (test/vm/run.mjs): lossless rotation on the MJPEG passthrough path
// (v4l2loopback serves the JPEGs written to it): a rotated viewer's parts are exactly the DCT-domain
// turn of a written frame, beside a plain viewer that gets the written frames untouched.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { jpegSize } from '../../helpers/jpeg.mjs';
import { readStream } from '../../helpers/multipart.mjs';
import { ROOT, startMjpgd } from '../../helpers/server.mjs';
import { until } from '../../helpers/wait.mjs';
import { loopbackWriter } from '../loopback-writer.mjs';

const require = createRequire(import.meta.url);
const native = require(`${ROOT}/native/binding.js`);
const LOOPBACKS = (process.env.MJPGD_VM_LOOPBACKS ?? '').split(' ').filter(Boolean);
// The last device: one writer per device per boot, and the other suites write to the first ones.
const DEVICE = LOOPBACKS[5];
assert.ok(DEVICE, 'run inside the VM (six v4l2loopback devices): node test/vm/run.mjs -- ...');

test('MJPEG passthrough: ?rotate=180 parts are the written frames turned in the DCT domain; two such viewers cost one transform per frame', async () => {
  const frames = Array.from({ length: 3 }, (_, k) => native.renderOfflineJpeg(640, 480, `ROTATE ${k}`, `frame ${k}: top left`));
  const turned = frames.map((f) => native.transformJpeg(f, 'rotate180'));
  // 10 fps: v4l2loopback may overwrite a buffer a reader still holds (see DESIGN §7); at this rate
  // its 8 buffers give the emulated machine most of a second per frame before that can happen.
  const writer = loopbackWriter(DEVICE, frames, 10);
  let server;
  try {
    server = await startMjpgd(['--device', DEVICE, '--format', 'mjpeg', '--width', '640', '--height', '480', '--fps', '10']);
    await until('first frame', async () => (await (await fetch(`${server.url}/state`)).json()).cameras[0].counters.captured > 0);
    const [plain, a, b, quarter] = await Promise.all([
      readStream(`${server.url}/stream`, { maxParts: 6, ms: 20000 }),
      readStream(`${server.url}/stream?rotate=180`, { maxParts: 6, ms: 20000 }),
      readStream(`${server.url}/stream?rotate=180`, { maxParts: 6, ms: 20000 }),
      readStream(`${server.url}/stream?rotate=90`, { maxParts: 3, ms: 20000 }),
    ]);
    for (const p of plain.parts) assert.ok(frames.some((f) => f.equals(p.body)), 'the plain viewer gets the written JPEG untouched');
    for (const { parts } of [a, b]) {
      assert.equal(parts.length, 6);
      for (const p of parts) {
        assert.ok(turned.some((t) => t.equals(p.body)), 'each rotated part is exactly a written frame turned 180 degrees');
        assert.ok(!frames.some((f) => f.equals(p.body)));
      }
    }
    for (const p of quarter.parts) assert.deepEqual(jpegSize(p.body), { width: 480, height: 640 });
    const cam = (await (await fetch(`${server.url}/state`)).json()).cameras[0];
    const t = cam.transforms.rotate180;
    assert.ok(t.computed >= 6 && t.computed <= cam.stream.framesPublished, `rotate180 turned ${t.computed} times for ${cam.stream.framesPublished} frames`);
    console.log(`# passthrough rotate180: ${t.computed} transforms for ${cam.stream.framesPublished} frames and 2 viewers; rotate90 ${cam.transforms.rotate90.computed}`);
  } finally {
    if (server) await server.stop();
    writer.close();
  }
});
