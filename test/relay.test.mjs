// --source http: mjpgd relaying another mjpgd (a folder of JPEG files, so every byte is known).
// One upstream connection for any number of viewers, parts passed through unchanged, and viewers that
// outlive a restart of the origin.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openStream, state, waitForState } from './helpers/rawstream.mjs';
import { runMjpgd, startMjpgd } from './helpers/server.mjs';

let dir;
let files;
let originPort;
let origin;
let relay;

/** A port that was free a moment ago (the origin must come back on the same one). */
async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const startOrigin = () => startMjpgd(['--folder', dir, '--fps', '20', '--port', String(originPort)]);
const isFile = (body) => files.some((f) => f.equals(body));

async function until(what, check, ms = 15000) {
  for (let waited = 0; !(await check()); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjpgd-relay-'));
  // Four different frames of the test pattern, as files.
  const pattern = await startMjpgd(['--width', '320', '--height', '240', '--fps', '30']);
  try {
    for (let i = 0; i < 4; i++) {
      const jpeg = Buffer.from(await (await fetch(`${pattern.url}/snapshot`)).arrayBuffer());
      fs.writeFileSync(path.join(dir, `f${i}.jpg`), jpeg);
      await new Promise((r) => setTimeout(r, 70));
    }
  } finally {
    await pattern.stop();
  }
  files = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
  originPort = await freePort();
  origin = await startOrigin();
  relay = await startMjpgd(['--url', `${origin.url}/stream`]);
});

after(async () => {
  await relay?.stop();
  await origin?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the relay passes the origin\'s parts through unchanged: same JPEG bytes, same headers', async () => {
  const fromOrigin = openStream(originPort, { onPart: (_p, v) => v.parts.length >= 40 && v.close() });
  const fromRelay = openStream(relay.port, { onPart: (_p, v) => v.parts.length >= 30 && v.close() });
  await Promise.all([fromOrigin.closed, fromRelay.closed]);
  assert.equal(fromOrigin.error, null);
  assert.equal(fromRelay.error, null, fromRelay.error?.message);
  const byTimestamp = new Map(fromOrigin.parts.map((p) => [p.headers['x-timestamp'], p]));
  let matched = 0;
  for (const p of fromRelay.parts) {
    assert.ok(isFile(p.body), 'every relayed JPEG is one of the origin\'s files, byte for byte');
    const o = byTimestamp.get(p.headers['x-timestamp']);
    if (!o) continue;
    matched++;
    assert.deepEqual(p.headers, o.headers);
    assert.ok(p.body.equals(o.body));
  }
  assert.ok(matched >= 20, `${matched} relayed parts found among the origin's`);
  const s = (await state(relay.url)).cameras[0];
  assert.equal(s.source.kind, 'http');
  assert.equal(s.source.width, 320);
  assert.equal(s.source.device, `${origin.url}/stream`);
  assert.equal(s.online, true);
});

test('20 viewers of the relay are one client of the origin', async () => {
  const viewers = Array.from({ length: 20 }, () => openStream(relay.port));
  try {
    await until('every viewer has 3 frames', () => viewers.every((v) => v.parts.length >= 3));
    const r = await state(relay.url);
    assert.equal(r.clients, 20);
    const o = await state(origin.url);
    assert.equal(o.clients, 1, 'the relay holds one upstream connection');
    assert.equal(o.cameras[0].clients[0].remoteAddress, '127.0.0.1');
    for (const v of viewers) {
      assert.equal(v.error, null);
      assert.ok(v.parts.every((p) => isFile(p.body)));
    }
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
  }
});

test('origin restart: relay viewers stay connected, see the offline picture, then the origin again', async () => {
  const viewers = Array.from({ length: 3 }, () => openStream(relay.port));
  try {
    await until('frames from the origin', () => viewers.every((v) => v.parts.length >= 2));
    await origin.stop();
    const down = await waitForState(relay.url, (s) => s.cameras[0].online === false, 10000);
    assert.equal(down.cameras[0].online, false);
    assert.match(down.cameras[0].error, /closed|ECONNREFUSED/);
    // The offline picture reaches the viewers on their connections.
    const offlineAt = viewers.map((v) => v.parts.length);
    await until('the offline picture', () => viewers.every((v, i) => v.parts.slice(offlineAt[i]).some((p) => !isFile(p.body))));
    origin = await startOrigin();
    const mark = viewers.map((v) => v.parts.length);
    await until('origin frames again', () => viewers.every((v, i) => v.parts.slice(mark[i]).filter((p) => isFile(p.body)).length >= 3));
    for (const v of viewers) {
      assert.equal(v.error, null);
      assert.equal(v.closedByServer, false);
    }
    const up = await waitForState(relay.url, (s) => s.cameras[0].online === true);
    assert.equal(up.cameras[0].online, true);
    assert.ok(up.cameras[0].errors.count >= 1);
    assert.equal((await state(origin.url)).clients, 1, 'one upstream connection again');
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
  }
});

test('--url-user/--url-password reach an origin behind basic auth; wrong ones show why, offline', async () => {
  const locked = await startMjpgd(['--folder', dir, '--fps', '20', '--user', 'cam', '--password', 'secret']);
  const good = await startMjpgd(['--url', `${locked.url}/stream`, '--url-user', 'cam', '--url-password', 'secret']);
  const bad = await startMjpgd(['--url', `${locked.url}/stream`, '--url-user', 'cam', '--url-password', 'wrong']);
  try {
    const v = openStream(good.port, { onPart: (_p, s) => s.parts.length >= 3 && s.close() });
    await v.closed;
    assert.equal(v.error, null);
    assert.ok(v.parts.every((p) => isFile(p.body)));
    const s = await waitForState(bad.url, (st) => st.cameras[0].online === false, 10000);
    assert.match(s.cameras[0].error, /HTTP 401/);
    const printed = await (await fetch(`${good.url}/state`)).text();
    assert.doesNotMatch(printed, /secret/, 'the password is not in /state');
  } finally {
    await Promise.all([good.stop(), bad.stop()]);
    await locked.stop();
  }
});

test('settings: --url implies --source http; bad combinations stop with exit 2; passwords masked in --print-config', async () => {
  const ok = await runMjpgd(['--url', 'http://cam:pw@camera.example/video.mjpg', '--url-user', 'u', '--url-password', 'secret', '--print-config']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /source = "http"/);
  assert.match(ok.stdout, /url = "http:\/\/cam:\*{8}@camera\.example\/video\.mjpg"/);
  assert.match(ok.stdout, /url_password = "\*{8}"/);
  assert.doesNotMatch(ok.stdout, /secret|:pw@/);
  for (const [args, message] of [
    [['--source', 'http'], /source http needs --url/],
    [['--url', 'ftp://x/'], /url must be an http:\/\/ or https:\/\/ URL/],
    [['--url', 'http://x/', '--url-user', 'u'], /--url-user and --url-password go together/],
  ]) {
    const r = await runMjpgd([...args, '--print-config']);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});
