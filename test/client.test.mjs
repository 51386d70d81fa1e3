// MjpegClient end to end: against the real mjpgd, and against small servers with the habits of real
// cameras (boundary-only parts, chunked, HTTP/1.0, odd boundaries, dropped connections).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MjpegClient } from '../dist/client/client.js';
import { fakeJpeg, startOddOrigin } from './helpers/odd-origin.mjs';
import { startMjpgd } from './helpers/server.mjs';
import { makeTestCa } from './helpers/tls.mjs';

const FRAMES = [fakeJpeg(900, 0x10), fakeJpeg(1700, 0x20), fakeJpeg(1300, 0x30)];

/** The first `n` frames of `client`, then closes it (bounded: fails after 10 s). */
async function take(client, n) {
  const out = [];
  const timer = setTimeout(() => client.close(), 10000);
  for await (const f of client) {
    out.push(f);
    if (out.length >= n) break;
  }
  clearTimeout(timer);
  assert.equal(out.length, n, `got ${out.length} of ${n} frames; last error: ${client.stats().lastError}`);
  return out;
}

async function until(what, check, ms = 10000) {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let mjpgd;
before(async () => {
  mjpgd = await startMjpgd(['--fps', '30', '--user', 'u', '--password', 'p']);
});
after(async () => {
  await mjpgd.stop();
});

test('reads mjpgd: whole JPEGs in order, with the part headers', async () => {
  const client = new MjpegClient(`${mjpgd.url}/stream`, { auth: { user: 'u', password: 'p' } });
  const frames = await take(client, 10);
  frames.forEach((f, i) => {
    assert.equal(f.seq, i);
    assert.equal(f.data[0], 0xff);
    assert.equal(f.data[1], 0xd8);
    assert.equal(f.data.at(-2), 0xff);
    assert.equal(f.data.at(-1), 0xd9);
    assert.equal(Number(f.headers['content-length']), f.data.length);
    assert.match(f.headers['x-timestamp'], /^\d+\.\d{6}$/);
  });
  const s = client.stats();
  assert.equal(s.total >= 10, true);
  assert.equal(s.reconnects, 0);
  assert.equal(s.discarded, 0);
});

test('credentials in the URL work; wrong ones are reported and retried', async () => {
  const ok = new MjpegClient(`http://u:p@127.0.0.1:${mjpgd.port}/?action=stream`);
  await take(ok, 2);
  const bad = new MjpegClient(`${mjpgd.url}/stream`, { auth: { user: 'u', password: 'nope' }, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
  await until('two failed attempts', () => bad.stats().reconnects >= 2);
  assert.match(bad.stats().lastError, /HTTP 401/);
  assert.equal(bad.stats().total, 0);
  bad.close();
});

for (const [name, style] of [
  ['boundary-only parts', { contentLength: false }],
  ['chunked transfer coding', { chunked: true }],
  ['chunked, boundary-only', { chunked: true, contentLength: false }],
  ['an HTTP/1.0 server', { version: '1.0' }],
  ['a quoted boundary', { boundaryParam: '"my frame"' }],
  ['boundary=--myboundary with delimiter --myboundary', { boundaryParam: '--myboundary', delimiter: '--myboundary' }],
  ['boundary=--myboundary with delimiter ----myboundary', { boundaryParam: '--myboundary', delimiter: '----myboundary' }],
]) {
  test(`reads ${name}: every frame byte for byte, in order`, async () => {
    const origin = await startOddOrigin(FRAMES, style);
    try {
      const client = new MjpegClient(origin.url, { buffers: 64 });
      const frames = await take(client, 7);
      frames.forEach((f, i) => assert.ok(f.data.equals(FRAMES[i % FRAMES.length]), `frame ${i}`));
      assert.equal(client.stats().overruns, 0);
      assert.match(origin.requests[0], /^GET \/stream HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    } finally {
      await origin.close();
    }
  });
}

test('a server that drops the connection: reconnects are counted and frames keep coming', async () => {
  const origin = await startOddOrigin(FRAMES, { dropAfter: 2 });
  try {
    const client = new MjpegClient(origin.url, { buffers: 64, reconnect: { initialDelayMs: 10, maxDelayMs: 40 } });
    const disconnects = [];
    client.on('disconnect', (reason) => disconnects.push(reason));
    const frames = await take(client, 9);
    // Two frames per connection: frames 0,1 then 0,1 again ...
    frames.forEach((f, i) => assert.ok(f.data.equals(FRAMES[i % 2]), `frame ${i}`));
    assert.ok(client.stats().reconnects >= 4, `reconnects ${client.stats().reconnects}`);
    assert.ok(origin.connections >= 5);
    assert.ok(disconnects.length >= 4);
    assert.match(disconnects[0], /closed/);
  } finally {
    await origin.close();
  }
});

test('a slow consumer: frames beyond the pool are dropped and counted as overruns', async () => {
  const origin = await startOddOrigin(FRAMES, { dropAfter: 10, intervalMs: 1 });
  try {
    const client = new MjpegClient(origin.url, { buffers: 2, reconnect: false });
    await until('10 frames received', () => client.stats().total === 10 && !client.stats().connected);
    const got = [];
    for await (const f of client) got.push(f);
    // The two frames that found a buffer, the oldest ones; the other 8 had none.
    assert.deepEqual(got.map((f) => f.seq), [0, 1]);
    assert.ok(got[0].data.equals(FRAMES[0]) && got[1].data.equals(FRAMES[1]));
    assert.equal(client.stats().overruns, 8);
    assert.equal(client.stats().total, 10);
  } finally {
    await origin.close();
  }
});

test('frames over maxFrameBytes are discarded and counted, the others come through', async () => {
  const big = fakeJpeg(5000, 0x40);
  for (const contentLength of [true, false]) {
    const origin = await startOddOrigin([FRAMES[0], big, FRAMES[1]], { dropAfter: 6, contentLength });
    try {
      const client = new MjpegClient(origin.url, { maxFrameBytes: 2000, buffers: 64, reconnect: false });
      const got = [];
      for await (const f of client) got.push(f);
      assert.deepEqual(got.map((f) => f.data.length), [900, 1700, 900, 1700], `contentLength ${contentLength}`);
      assert.equal(client.stats().discarded, 2);
    } finally {
      await origin.close();
    }
  }
});

test('close() ends a waiting iteration and stops reconnecting', async () => {
  const origin = await startOddOrigin(FRAMES, { dropAfter: 0 });
  try {
    const client = new MjpegClient(origin.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
    const done = (async () => {
      for await (const f of client) void f;
      return 'ended';
    })();
    await until('a reconnect', () => client.stats().reconnects >= 1);
    client.close();
    assert.equal(await done, 'ended');
    // A connect already on its way when close() ran may still reach the server; after that, none.
    await new Promise((r) => setTimeout(r, 100));
    const n = origin.connections;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(origin.connections, n);
  } finally {
    await origin.close();
  }
});

test('https: with the CA given in tls options; extra headers are sent; an unknown CA is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-client-tls-'));
  const ca = makeTestCa(dir);
  const server = await startMjpgd(['--tls-cert', ca.cert, '--tls-key', ca.key]);
  const origin = await startOddOrigin(FRAMES);
  try {
    const client = new MjpegClient(`https://127.0.0.1:${server.port}/stream`, { tls: { ca: fs.readFileSync(ca.ca) } });
    const frames = await take(client, 3);
    assert.ok(frames.every((f) => f.data[0] === 0xff && f.data[1] === 0xd8));
    const untrusted = new MjpegClient(`https://127.0.0.1:${server.port}/stream`, { reconnect: false });
    for await (const f of untrusted) void f;
    assert.match(untrusted.stats().lastError, /certificate/i);
    const withHeaders = new MjpegClient(origin.url, { headers: { 'X-Test': 'yes' } });
    await take(withHeaders, 1);
    assert.match(origin.requests[0], /\r\nX-Test: yes\r\n/);
    assert.match(origin.requests[0], /\r\nUser-Agent: mjpgd-client\//);
  } finally {
    await origin.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Digest auth (an IP camera): answered at once, not counted as a reconnect; wrong password backs off', async () => {
  const origin = await startOddOrigin(FRAMES, { digest: { user: 'admin', password: 'pw' } });
  try {
    const client = new MjpegClient(`${origin.url}?profile=1`, { auth: { user: 'admin', password: 'pw' }, reconnect: false });
    const frames = await take(client, 3);
    assert.ok(frames[0].data.equals(FRAMES[0]));
    assert.equal(client.stats().reconnects, 0);
    assert.equal(origin.connections, 2, 'one 401 with the challenge, then the stream');
    assert.match(origin.requests[1], /\r\nAuthorization: Digest username="admin", realm="cam", nonce="[0-9a-f]+", uri="\/stream\?profile=1"/);
    const wrong = new MjpegClient(origin.url, { auth: { user: 'admin', password: 'nope' }, reconnect: { initialDelayMs: 20, maxDelayMs: 20 } });
    await until('two failed rounds', () => wrong.stats().reconnects >= 2);
    wrong.close();
    assert.match(wrong.stats().lastError, /HTTP 401/);
    // Each round is one Basic-or-Digest try plus at most one instant Digest answer: no spinning.
    assert.ok(origin.connections - 2 <= 2 * (wrong.stats().reconnects + 1), `${origin.connections} connections`);
  } finally {
    await origin.close();
  }
});
