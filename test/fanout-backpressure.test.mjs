// Multipart integrity under heavy backpressure: the uWS build predates an upstream fix to its corked
// large-write path, so many slow viewers with tiny receive buffers read big parts (larger than uWS's
// 16 KB cork buffer) while fast ones read along; the C load generator parses every part strictly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { waitForState } from './helpers/rawstream.mjs';
import { ROOT, run, startMjpgd } from './helpers/server.mjs';

let dir;
let loadgen;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mjpgd-bp-'));
  loadgen = path.join(dir, 'loadgen');
  const cc = await run('gcc', ['-O2', '-o', loadgen, path.join(ROOT, 'bench', 'native', 'loadgen.c')]);
  assert.equal(cc.code, 0, cc.stderr);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('40 slow viewers (16 KB receive buffers, 60 KB/s) and 10 fast: not one broken part', async () => {
  const server = await startMjpgd(['--width', '1280', '--height', '720', '--quality', '90', '--fps', '30', '--stall-timeout', '5']);
  try {
    for (const p of ['/stream', '/?action=stream&fps=30']) {
      const r = await run(loadgen, ['--port', String(server.port), '--path', p, '--clients', '50', '--slow', '40', '--slow-rate', '60000', '--duration', '4', '--warmup', '1'], { timeoutMs: 20000 });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.toString());
      assert.equal(out.connected, 50, JSON.stringify(out));
      assert.equal(out.failed, 0, 'no framing failures');
      assert.equal(out.bad_parts, 0, 'no broken part');
      assert.ok(out.slow.parts > 0 && out.fast.parts > 0, JSON.stringify(out));
      const s = await waitForState(server.url, (st) => st.clients === 0);
      assert.equal(s.clients, 0);
      assert.ok(s.cameras[0].stream.framesSkipped > 0, 'slow viewers skipped frames');
    }
  } finally {
    await server.stop();
  }
});

test('a viewer on a slow link stays close to live: the kernel may hold only --unsent-limit bytes unsent', async () => {
  // Slow links are modelled as the network is: a small receive window (16 KB) drained at 100 KB/s,
  // against 30 fps of ~40 KB frames. Without the limit, Linux lets several MB queue per connection.
  const server = await startMjpgd(['--fps', '30', '--quality', '95']);
  try {
    const r = await run(loadgen, ['--port', String(server.port), '--clients', '20', '--slow', '5', '--slow-rate', '100000', '--duration', '4', '--warmup', '2'], { timeoutMs: 20000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.toString());
    assert.equal(out.bad_parts, 0);
    assert.ok(out.slow.fps_mean > 0 && out.slow.fps_mean < out.fast.fps_mean, `slow viewers get fewer frames: ${JSON.stringify(out.slow)}`);
    const p99 = out.slow.latency_us.p99 / 1e6;
    console.log(`# slow viewers: ${out.slow.fps_mean} fps, capture→receive lag p50 ${(out.slow.latency_us.p50 / 1e6).toFixed(2)} s, p99 ${p99.toFixed(2)} s; fast ${out.fast.fps_mean} fps`);
    assert.ok(p99 < 1.5, `each frame a slow viewer gets is fresh: p99 lag ${p99.toFixed(2)} s`);
  } finally {
    await server.stop();
  }
});

test('a native folder source under backpressure: viewers that keep up are written by the capture thread, slow ones are handed back mid-part and finished from JS, every part intact', async () => {
  const frames = path.join(dir, 'frames');
  (await import('node:fs')).mkdirSync(frames);
  const pattern = await startMjpgd(['--width', '1280', '--height', '720', '--quality', '95', '--fps', '30']);
  try {
    for (let i = 0; i < 4; i++) {
      const jpeg = Buffer.from(await (await fetch(`${pattern.url}/snapshot`)).arrayBuffer());
      (await import('node:fs')).writeFileSync(path.join(frames, `f${i}.jpg`), jpeg);
      await new Promise((r) => setTimeout(r, 40));
    }
  } finally {
    await pattern.stop();
  }
  const server = await startMjpgd(['--folder', frames, '--fps', '30', '--stall-timeout', '5']);
  try {
    for (const p of ['/stream', '/?action=stream&fps=30']) {
      const r = await run(loadgen, ['--port', String(server.port), '--path', p, '--clients', '50', '--slow', '40', '--slow-rate', '60000', '--duration', '4', '--warmup', '1'], { timeoutMs: 20000 });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.toString());
      assert.equal(out.connected, 50, JSON.stringify(out));
      assert.equal(out.failed, 0, `${p}: no framing failures`);
      assert.equal(out.bad_parts, 0, `${p}: no broken part`);
      assert.ok(out.fast.parts > 0 && out.slow.parts > 0);
    }
    const s = (await (await fetch(`${server.url}/state`)).json()).cameras[0];
    assert.equal(s.source.kind, 'folder');
    assert.equal(s.source.width, 1280);
    // Slow viewers' kernels took parts only in part: the rest was copied out of the slot for them.
    assert.ok(s.stream.bytesCopied > 0, JSON.stringify(s.stream));
  } finally {
    await server.stop();
  }
});
