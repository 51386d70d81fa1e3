// The package as a library: require('mjpgd') by name, serveMjpeg over any frame iterator (read by
// ffprobe, a third-party parser), composed with MjpegClient, and the whole server embedded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fakeJpeg, startOddOrigin } from './helpers/odd-origin.mjs';
import { openStream, state } from './helpers/rawstream.mjs';
import { readStream } from './helpers/multipart.mjs';
import { ROOT, run } from './helpers/server.mjs';
import { makeTestCa } from './helpers/tls.mjs';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
// By the package's own name, through its "exports", as an application that installed it would.
const lib = require(ROOT);
const { binding } = require(path.join(ROOT, 'dist/native/binding.js'));

/** Distinct real JPEGs (rendered by the addon) of w × h. */
const JPEGS = [0, 1, 2, 3].map((i) => binding().renderOfflineJpeg(320, 240, `frame ${i}`, `library test ${i}`));

/** Frames as a paced async iterable, until `stop.done`. */
async function* paced(stop, ms = 30) {
  for (let i = 0; !stop.done; i++) {
    yield i % 2 ? JPEGS[i % JPEGS.length] : { data: JPEGS[i % JPEGS.length], timestamp: Date.now() };
    await new Promise((r) => setTimeout(r, ms));
  }
}

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-lib-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('package.json points main, types and exports at the built library', () => {
  assert.equal(pkg.main, 'dist/index.js');
  assert.equal(pkg.types, 'dist/index.d.ts');
  assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
  assert.ok(fs.existsSync(path.join(ROOT, pkg.types)));
  const dts = fs.readFileSync(path.join(ROOT, pkg.types), 'utf8');
  for (const name of ['MjpegClient', 'serveMjpeg', 'startServer', 'MjpegFrame', 'ServeMjpegOptions']) assert.match(dts, new RegExp(`\\b${name}\\b`));
  assert.equal(typeof lib.MjpegClient, 'function');
  assert.equal(typeof lib.serveMjpeg, 'function');
  assert.equal(typeof lib.startServer, 'function');
});

test('the published types compile for a strict TypeScript consumer (no esModuleInterop)', async () => {
  const dir = path.join(tmp, 'consumer');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'app.ts'), `
    import { MjpegClient, serveMjpeg, startServer, type MjpegFrame, type ConfigInput } from ${JSON.stringify(ROOT)};
    export async function app(): Promise<void> {
      const client = new MjpegClient('http://127.0.0.1:8080/stream', { buffers: 2, reconnect: { maxDelayMs: 1000 } });
      for await (const frame of client) { const f: MjpegFrame = frame; void f.data.length; void client.stats().overruns; }
      const server = await serveMjpeg(client, { port: 0, auth: { token: 't' } });
      const input: ConfigInput = { cameras: [{ name: 'a', fps: 5 }] };
      const mjpgd = await startServer(input);
      await server.close();
      await mjpgd.close();
    }
  `);
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const r = await run(tsc, ['--noEmit', '--strict', '--module', 'commonjs', '--moduleResolution', 'node', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'app.ts')], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
});

test('serveMjpeg: ffprobe reads the stream; /snapshot and /state answer', async () => {
  const stop = { done: false };
  const server = await lib.serveMjpeg(paced(stop), { port: 0 });
  try {
    assert.ok(server.port > 0);
    const r = await run('ffprobe', ['-v', 'error', '-f', 'mpjpeg', '-show_streams', '-of', 'json', `${server.url}stream`], { timeoutMs: 20000 });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout.toString()).streams[0];
    assert.equal(s.codec_name, 'mjpeg');
    assert.equal(s.width, 320);
    assert.equal(s.height, 240);
    const snap = Buffer.from(await (await fetch(`${server.url}snapshot`)).arrayBuffer());
    assert.ok(JPEGS.some((j) => j.equals(snap)), 'the snapshot is one of the frames, byte for byte');
    const st = await state(server.url.replace(/\/$/, ''));
    assert.equal(st.cameras[0].source.kind, 'iterable');
    assert.equal(st.cameras[0].source.width, 320);
    assert.ok(st.cameras[0].counters.captured > 0);
  } finally {
    stop.done = true;
    await server.close();
  }
});

test('serveMjpeg uses the fan-out engine: a slow viewer skips frames without holding back a fast one', async () => {
  const stop = { done: false };
  const big = [0, 1].map((i) => Buffer.concat([JPEGS[i].subarray(0, -2), Buffer.alloc(60000, 0), Buffer.from([0xff, 0xd9])]));
  const server = await lib.serveMjpeg((async function* () {
    for (let i = 0; !stop.done; i++) {
      yield big[i % 2];
      await new Promise((r) => setTimeout(r, 20));
    }
  })());
  const fast = openStream(server.port);
  const slow = openStream(server.port, { rate: 30000 });
  try {
    for (let i = 0; i < 400 && !(fast.parts.length >= 40 && slow.parts.length >= 2); i++) await new Promise((r) => setTimeout(r, 25));
    const clients = (await state(`http://127.0.0.1:${server.port}`)).cameras[0].clients;
    const [f, s] = [clients[0], clients[1]];
    assert.ok(fast.parts.length >= 40, `fast viewer got ${fast.parts.length} parts`);
    assert.ok(slow.parts.length >= 2, 'the slow viewer still gets whole frames');
    assert.ok(s.framesSkipped > 0, `the slow viewer skipped ${s.framesSkipped}`);
    assert.ok(s.framesSkipped > f.framesSkipped);
    for (const v of [fast, slow]) assert.equal(v.error, null);
  } finally {
    stop.done = true;
    await Promise.all([fast.close(), slow.close()]);
    await server.close();
  }
});

test('serveMjpeg(new MjpegClient(url)): a relay in two lines, JPEGs unchanged; auth applies', async () => {
  const frames = [fakeJpeg(2000, 0x51), fakeJpeg(3000, 0x52)];
  const origin = await startOddOrigin(frames, { contentLength: false });
  const client = new lib.MjpegClient(origin.url);
  const server = await lib.serveMjpeg(client, { auth: { user: 'u', password: 'p' } });
  try {
    assert.equal((await fetch(`${server.url}stream`)).status, 401);
    const got = new lib.MjpegClient(`${server.url}stream`, { auth: { user: 'u', password: 'p' } });
    const out = [];
    for await (const f of got) {
      out.push(f.data);
      if (out.length >= 6) break;
    }
    for (const d of out) assert.ok(frames.some((f) => f.equals(d)));
    assert.equal(origin.connections, 1);
  } finally {
    await server.close();
  }
  for (let i = 0; i < 200 && client.stats().connected; i++) await new Promise((r) => setTimeout(r, 10));
  await origin.close();
  assert.equal(client.stats().connected, false, 'closing the server ended the iteration (at the next frame), which closed the client');
});

test('startServer: the whole server embedded, cameras from a plain object checked like the config file', async () => {
  const dir = path.join(tmp, 'frames');
  fs.mkdirSync(dir);
  JPEGS.forEach((j, i) => fs.writeFileSync(path.join(dir, `f${i}.jpg`), j));
  assert.throws(() => lib.configFrom({ cameras: [{ fps: 1000 }] }), (e) => e instanceof lib.ConfigError && /cameras\[0\]\.fps must be a number from 0\.1 to 240/.test(e.message));
  assert.throws(() => lib.configFrom({ server: { prot: 1 } }), /server: unknown setting "prot"/);
  const mjpgd = await lib.startServer({ server: { port: 0 }, log: { level: 'warn' }, cameras: [{ name: 'front', folder: dir, fps: 20 }, { name: 'back', width: 160, height: 120 }] });
  try {
    assert.deepEqual(mjpgd.cameras.map((c) => c.name), ['front', 'back']);
    const { parts } = await readStream(`${mjpgd.urls[0]}front/stream`, { maxParts: 3 });
    assert.equal(parts.length, 3);
    for (const p of parts) assert.ok(JPEGS.some((j) => j.equals(p.body)));
    const back = await readStream(`${mjpgd.urls[0]}back/stream`, { maxParts: 1 });
    assert.deepEqual(back.parts[0].size, { width: 160, height: 120 });
    assert.equal(mjpgd.state().cameras.length, 2);
  } finally {
    await mjpgd.close();
  }
});

test('serveMjpeg over TLS, read by MjpegClient with the CA', async () => {
  const ca = makeTestCa(fs.mkdtempSync(path.join(tmp, 'tls-')));
  const stop = { done: false };
  const server = await lib.serveMjpeg(paced(stop), { tls: { cert: ca.cert, key: ca.key } });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    const client = new lib.MjpegClient(`${server.url}stream`, { tls: { ca: fs.readFileSync(ca.ca) } });
    const got = [];
    for await (const f of client) {
      got.push(f.data);
      if (got.length >= 3) break;
    }
    for (const d of got) assert.ok(JPEGS.some((j) => j.equals(d)));
  } finally {
    stop.done = true;
    await server.close();
  }
});
