// Timelapse output: stills at the interval, the keep limit, atomic writes (a crash leaves no partial
// still), and the "save one now" action.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startMjpgd } from './helpers/server.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const { Camera } = require('../dist/camera.js');
const { NativeSource } = require('../dist/sources/native-source.js');
const { Timelapse } = require('../dist/timelapse/timelapse.js');
const { ACTIONS } = require('../dist/http/actions.js');

let tmp;
let framesDir;
let files;
const STILL = /^default-\d{8}-\d{6}-\d{3}(_\d{3})?\.jpg$/;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-timelapse-'));
  framesDir = path.join(tmp, 'frames');
  fs.mkdirSync(framesDir);
  const pattern = await startMjpgd(['--width', '160', '--height', '120']);
  try {
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(path.join(framesDir, `f${i}.jpg`), Buffer.from(await (await fetch(`${pattern.url}/snapshot`)).arrayBuffer()));
      await new Promise((r) => setTimeout(r, 60));
    }
  } finally {
    await pattern.stop();
  }
  files = fs.readdirSync(framesDir).map((f) => fs.readFileSync(path.join(framesDir, f)));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const stillsIn = (dir) => fs.readdirSync(dir).filter((f) => STILL.test(f)).sort();
const isWholeFrame = (buf) => files.some((f) => f.equals(buf));

async function until(what, check, ms = 15000) {
  for (let waited = 0; !(await check()); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('stills appear at the interval, whole, and only the newest --timelapse-keep stay', async () => {
  const out = path.join(tmp, 'keep');
  const server = await startMjpgd(['--folder', framesDir, '--fps', '20', '--timelapse-dir', out, '--timelapse-interval', '0.1', '--timelapse-keep', '3']);
  const seen = new Set();
  let most = 0;
  try {
    await until('8 stills written', () => {
      const now = stillsIn(out);
      most = Math.max(most, now.length);
      for (const f of now) seen.add(f);
      return seen.size >= 8;
    });
  } finally {
    await server.stop();
  }
  assert.ok(most <= 3, `never more than 3 stills at once (saw ${most})`);
  const left = stillsIn(out);
  assert.equal(left.length, 3);
  assert.deepEqual(left, [...seen].sort().slice(-3), 'the newest three are kept');
  for (const f of left) assert.ok(isWholeFrame(fs.readFileSync(path.join(out, f))), `${f} is one whole frame of the source`);
  assert.deepEqual(fs.readdirSync(out).filter((f) => !STILL.test(f)), [], 'no temporary file left after a clean stop');
});

test('killed while writing: no partial still, and the temporary file is cleared at the next start', async () => {
  const out = path.join(tmp, 'crash');
  fs.mkdirSync(out);
  // A writer that dies (SIGKILL) after the data is on disk and before the rename: the worst moment.
  const script = `
    const { writeFileAtomic } = require(${JSON.stringify(path.join(ROOT, 'dist/timelapse/atomic-file.js'))});
    writeFileAtomic(${JSON.stringify(out)}, 'default-20260101-000000-000.jpg', Buffer.alloc(200000, 1), { beforeRename: () => process.kill(process.pid, 'SIGKILL') });
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  const signal = await new Promise((r) => child.on('exit', (_code, sig) => r(sig)));
  assert.equal(signal, 'SIGKILL');
  assert.deepEqual(stillsIn(out), [], 'no still under its final name');
  const temps = fs.readdirSync(out);
  assert.equal(temps.length, 1);
  assert.match(temps[0], /^\.default-.*\.tmp$/);

  // The real process killed at a random moment while it writes a still every 0.1 s.
  const server = await startMjpgd(['--folder', framesDir, '--fps', '20', '--timelapse-dir', out, '--timelapse-interval', '0.1']);
  assert.ok(!fs.readdirSync(out).some((f) => f.endsWith('.tmp') && f === temps[0]), 'the crash leftover is removed at start');
  await until('3 stills', () => stillsIn(out).length >= 3);
  server.child.kill('SIGKILL');
  await server.exited;
  for (const f of stillsIn(out)) assert.ok(isWholeFrame(fs.readFileSync(path.join(out, f))), `${f} is whole`);
});

test('the /timelapse/frame action saves one still now and answers its name; 409 without a timelapse', async () => {
  const out = path.join(tmp, 'action');
  const folder = () => new NativeSource({ source: 'folder', device: framesDir, width: 0, height: 0, fps: 20, quality: 80, buffers: 4 });
  const camera = new Camera('default', folder(), { stallTimeoutMs: 5000 });
  const plain = new Camera('other', folder(), { stallTimeoutMs: 5000 });
  const timelapse = new Timelapse(camera, { dir: out, intervalSeconds: 3600, keep: 2 });
  camera.start();
  plain.start();
  try {
    const action = ACTIONS['/timelapse/frame'];
    assert.deepEqual(action.methods, ['POST']);
    const names = [];
    for (let i = 0; i < 3; i++) {
      const a = await action.run({ camera, method: 'POST', query: new URLSearchParams(), body: Buffer.alloc(0) });
      assert.equal(a.status, 200, a.body);
      const { file } = JSON.parse(a.body);
      assert.match(file, STILL);
      assert.ok(isWholeFrame(fs.readFileSync(path.join(out, file))));
      names.push(file);
    }
    assert.equal(new Set(names).size, 3, 'each still has its own name');
    assert.deepEqual(stillsIn(out), names.slice(-2), 'keep 2');
    const none = await action.run({ camera: plain, method: 'POST', query: new URLSearchParams(), body: Buffer.alloc(0) });
    assert.equal(none.status, 409);
    assert.match(JSON.parse(none.body).error, /no timelapse/);
  } finally {
    timelapse.stop();
    camera.stop();
    plain.stop();
  }
});

test('POST /<name>/timelapse/frame over HTTP: the file name; GET is refused with Allow; 409 without a timelapse', async () => {
  const out = path.join(tmp, 'http');
  const server = await startMjpgd(['--folder', framesDir, '--fps', '20', '--timelapse-dir', out, '--timelapse-interval', '3600']);
  try {
    for (const url of [`${server.url}/default/timelapse/frame`, `${server.url}/timelapse/frame`]) {
      const r = await fetch(url, { method: 'POST' });
      assert.equal(r.status, 200, url);
      const { file } = await r.json();
      assert.match(file, STILL);
      assert.ok(isWholeFrame(fs.readFileSync(path.join(out, file))));
    }
    const get = await fetch(`${server.url}/default/timelapse/frame`);
    assert.equal(get.status, 405);
    assert.match(get.headers.get('allow'), /POST/);
  } finally {
    await server.stop();
  }
  const plain = await startMjpgd(['--folder', framesDir]);
  try {
    const r = await fetch(`${plain.url}/default/timelapse/frame`, { method: 'POST' });
    assert.equal(r.status, 409);
  } finally {
    await plain.stop();
  }
});

test('no still of the offline picture: a camera whose source is away answers 503 and writes nothing', async () => {
  const out = path.join(tmp, 'offline');
  // A relay of a port nobody listens on: offline from the start, showing the offline picture.
  const probe = (await import('node:net')).createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  const server = await startMjpgd(['--url', `http://127.0.0.1:${deadPort}/stream`, '--timelapse-dir', out, '--timelapse-interval', '0.1']);
  try {
    await until('the camera is offline', async () => (await (await fetch(`${server.url}/state`)).json()).cameras[0].online === false);
    const r = await fetch(`${server.url}/default/timelapse/frame`, { method: 'POST' });
    assert.equal(r.status, 503);
    assert.match((await r.json()).error, /offline/);
    // Several intervals pass; none writes a still.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(fs.readdirSync(out), []);
  } finally {
    await server.stop();
  }
});
