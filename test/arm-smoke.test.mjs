// The cross-built armv7 and arm64 addons, run by Debian's node for that architecture under
// qemu-user (scripts/arm-node.sh): mjpgd starts, serves a valid snapshot and stream parts, and the
// process really has the ARM addon from native/ mapped.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { ADDONS, buildAddons, mapsFile } from './helpers/addons.mjs';
import { jpegSize } from './helpers/jpeg.mjs';
import { readStream } from './helpers/multipart.mjs';
import { BIN, ROOT, run, startMjpgd } from './helpers/server.mjs';

before(async () => {
  await buildAddons();
});

for (const arch of ['armhf', 'arm64']) {
  test(`${arch}: mjpgd under qemu-user with Debian's ${arch} node serves a snapshot and a stream`, { timeout: 10 * 60 * 1000 }, async () => {
    const prep = await run('bash', [path.join(ROOT, 'scripts', 'arm-node.sh'), arch], { timeoutMs: 10 * 60 * 1000 });
    assert.equal(prep.code, 0, `scripts/arm-node.sh ${arch} failed:\n${prep.stderr}`);
    const node = prep.stdout.toString().trim();

    const version = await run(node, ['-p', 'process.arch + " " + process.version'], { timeoutMs: 120000 });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout.toString(), arch === 'armhf' ? /^arm v\d+/ : /^arm64 v\d+/);

    // TCG is slow: node's start-up alone is ~0.6 G guest instructions.
    const m = await startMjpgd(['--fps', '10'], { exec: [node, BIN], timeoutMs: 180000 });
    try {
      assert.ok(await mapsFile(m.child.pid, path.join(ROOT, 'native', ADDONS[arch])), `${ADDONS[arch]} is loaded`);

      const snap = await fetch(`${m.url}/snapshot`);
      assert.equal(snap.status, 200);
      assert.equal(snap.headers.get('content-type'), 'image/jpeg');
      const jpeg = Buffer.from(await snap.arrayBuffer());
      assert.deepEqual(jpegSize(jpeg), { width: 640, height: 480 });
      assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'snapshot ends with EOI');

      const { status, parts } = await readStream(`${m.url}/stream`, { ms: 60000, maxParts: 3 });
      assert.equal(status, 200);
      // One read may carry more than one part, so there can be a fourth.
      assert.ok(parts.length >= 3, `three stream parts within a minute, got ${parts.length}`);
      for (const p of parts) assert.deepEqual(p.size, { width: 640, height: 480 });
      assert.ok(parts[2].timestamp > parts[0].timestamp, 'parts are successive frames');

      const state = await (await fetch(`${m.url}/state`)).json();
      assert.equal(state.cameras[0].source.kind, 'testpattern');
      assert.equal(state.cameras[0].online, true);
    } finally {
      const { code } = await m.stop();
      assert.equal(code, 0, `clean exit on SIGTERM:\n${m.output()}`);
    }
  });
}
